//! The governance family: role settings, alert settings and dismissals, recorded sign-ins, audit
//! retention.

use super::State;
use crate::error::ApplyError;
use crate::event::Event;
use crate::policy::Policy;

impl State {
    pub(super) fn apply_governance(&mut self, event: &Event) -> Result<(), ApplyError> {
        match event {
            Event::PolicySet {
                role_definition_id,
                scope_id,
                scope_type,
                rules,
                ..
            } => {
                let policy =
                    Policy::updated(None, role_definition_id, scope_id, Some(*scope_type), rules)?;
                let list = self.policies.entry(role_definition_id.clone()).or_default();
                list.retain(|p| p.scope_id != *scope_id);
                list.push(policy);
            }
            Event::AlertConfigured {
                alert_id,
                configuration,
                ..
            } => {
                self.alert_settings = self.alert_settings.configured(*alert_id, configuration)?;
            }
            Event::AlertDismissed { alert_id, .. } => {
                self.alert_settings.dismissed.insert(*alert_id);
            }
            Event::AlertsRefreshed { alert_ids, .. } => {
                for a in alert_ids {
                    self.alert_settings.dismissed.remove(a);
                }
            }
            Event::SignInRecorded {
                principal_id,
                sign_in_date_time,
                ..
            } => {
                let last = self
                    .alert_settings
                    .sign_ins
                    .entry(principal_id.clone())
                    .or_insert(*sign_in_date_time);
                *last = (*last).max(*sign_in_date_time);
            }
            Event::AuditRetentionSet { days, .. } => self.audit_retention = *days,
            _ => {}
        }
        Ok(())
    }
}
