//! The engine: state as a projection of the event log, commands that decide and emit events,
//! `tick` for what time alone causes, and queries.

pub mod activation;
mod admin;
mod alerting;
mod approval;
mod commands;
mod index;
mod queries;
mod reviewing;
mod tick;

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use hashbrown::HashMap;

use crate::audit::{self, AuditRecord};
use crate::directory::Directory;
use crate::error::ApplyError;
use crate::event::Event;
use crate::policy::Policy;
use crate::request::{RequestRecord, ReviewResult, Status};
use crate::schedule::{AssignmentType, Schedule};
use crate::time::Instant;

pub use commands::{CallContext, Command, Outcome};
pub use index::PrincipalRole;
pub use queries::{AuditFilter, Check, EligibleRole, Query, QueryResult, Via};

/// What time will do next to one request or schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Due {
    /// A granted request's start: it becomes `Provisioned`.
    RequestStart(u32),
    /// A pending request's approval stage times out.
    ApprovalTimeout(u32),
    /// A schedule's end: it expires.
    ScheduleEnd(u32),
    /// An expiry reminder, some days before an assigned schedule's end.
    Reminder(u32, u32),
    /// An access review instance starts.
    ReviewStart(u32, u32),
    /// An access review instance ends.
    ReviewEnd(u32, u32),
}

/// Days before an assigned schedule's end when reminders go out (research §3, §8.6).
pub(crate) const REMINDER_DAYS: [u32; 2] = [14, 1];

/// The PIM engine. Pure: no clock, no I/O. Time is an argument of every call.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) directory: Directory,
    policies: HashMap<String, Vec<Policy>>,
    default_policy: Policy,
    pub(crate) schedules: Vec<Schedule>,
    schedule_slot: HashMap<String, u32>,
    // INVARIANT: `active` and `eligible` index every schedule of that kind that has not ended
    // by an event; a schedule past its end stays until `tick` ends it, and queries filter by time.
    active: HashMap<PrincipalRole, Vec<u32>>,
    // INVARIANT: `grants` holds, for every active schedule not ended by an event, a compact copy
    // of its window and scope under (principal, interned role): the gateway check reads only it.
    grants: HashMap<index::GrantKey, Vec<index::Grant>>,
    role_ids: HashMap<String, u32>,
    scope_ids: HashMap<String, u32>,
    pub(crate) scope_names: Vec<String>,
    eligible: HashMap<PrincipalRole, Vec<u32>>,
    by_principal: HashMap<String, Vec<u32>>,
    pub(crate) requests: Vec<RequestRecord>,
    request_slot: HashMap<String, u32>,
    open_requests: BTreeSet<u32>,
    timeline: BTreeSet<(Instant, Due)>,
    audit: Vec<AuditRecord>,
    outbox: Vec<crate::notify::Notification>,
    // INVARIANT: every active schedule ever created, by role (filtered by time when read).
    active_by_role_index: HashMap<String, Vec<u32>>,
    pub(crate) alert_settings: crate::alerts::AlertSettings,
    audit_retention: Option<u32>,
    pub(crate) reviews: Vec<crate::review::Review>,
    pub(crate) review_slot: HashMap<String, u32>,
    issued: u64,
    clock: Option<Instant>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An empty tenant that knows only Entra's built-in roles.
    pub fn new() -> Self {
        Engine {
            directory: Directory::new(),
            policies: HashMap::new(),
            default_policy: Policy::default(),
            schedules: Vec::new(),
            schedule_slot: HashMap::new(),
            active: HashMap::new(),
            grants: HashMap::new(),
            role_ids: HashMap::new(),
            scope_ids: HashMap::from_iter([(String::from("/"), 0)]),
            scope_names: alloc::vec![String::from("/")],
            eligible: HashMap::new(),
            by_principal: HashMap::new(),
            requests: Vec::new(),
            request_slot: HashMap::new(),
            open_requests: BTreeSet::new(),
            timeline: BTreeSet::new(),
            audit: Vec::new(),
            outbox: Vec::new(),
            active_by_role_index: HashMap::new(),
            alert_settings: crate::alerts::AlertSettings::default(),
            audit_retention: None,
            reviews: Vec::new(),
            review_slot: HashMap::new(),
            issued: 0,
            clock: None,
        }
    }

    /// Rebuilds an engine from a log.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, ApplyError> {
        let mut engine = Engine::new();
        for e in events {
            engine.apply(e)?;
        }
        Ok(engine)
    }

    /// The directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The latest time any applied event carried.
    pub fn clock(&self) -> Option<Instant> {
        self.clock
    }

    /// How many schedules (of any kind, ended or not) the engine holds.
    pub fn schedule_count(&self) -> usize {
        self.schedules.len()
    }

    /// The role settings that govern `role` at `scope`: the policy set for that scope, else the
    /// tenant-wide (`/`) one, else Entra's defaults.
    pub fn policy(&self, role: &str, scope: &str) -> &Policy {
        let list = self.policies.get(role);
        let at = |s: &str| list.and_then(|l| l.iter().find(|p| p.scope_id == s));
        at(scope)
            .or_else(|| at("/"))
            .unwrap_or(&self.default_policy)
    }

    pub(crate) fn schedule(&self, id: &str) -> Option<&Schedule> {
        let slot = *self.schedule_slot.get(id)?;
        self.schedules.get(slot as usize)
    }

    pub(crate) fn request_record(&self, id: &str) -> Option<&RequestRecord> {
        let slot = *self.request_slot.get(id)?;
        self.requests.get(slot as usize)
    }

    pub(crate) fn schedules_of(&self, principal: &str) -> impl Iterator<Item = &Schedule> {
        self.by_principal
            .get(principal)
            .into_iter()
            .flatten()
            .filter_map(|s| self.schedules.get(*s as usize))
    }

    pub(crate) fn indexed(
        &self,
        kind: AssignmentType,
        principal: &str,
        role: &str,
    ) -> impl Iterator<Item = &Schedule> {
        let map = match kind {
            AssignmentType::Active => &self.active,
            AssignmentType::Eligible => &self.eligible,
        };
        map.get(&index::PrincipalRoleRef { principal, role })
            .into_iter()
            .flatten()
            .filter_map(|s| self.schedules.get(*s as usize))
    }

    pub(crate) fn open_requests(&self) -> impl Iterator<Item = &RequestRecord> {
        self.open_requests
            .iter()
            .filter_map(|s| self.requests.get(*s as usize))
    }

    /// The next id for the `n`th id-bearing event of an outcome (0-based).
    pub(crate) fn next_id(&self, prefix: &str, n: u64) -> String {
        let mut id = format!(
            "{prefix}-{}",
            self.issued.saturating_add(n).saturating_add(1)
        );
        // A caller may have chosen an id that looks generated; never reuse one.
        while self.request_slot.contains_key(&id) || self.schedule_slot.contains_key(&id) {
            id.push('x');
        }
        id
    }

    /// Every audit record, oldest first.
    pub fn audit_log(&self) -> &[AuditRecord] {
        &self.audit
    }

    /// Applies one event. Events come from `execute` and `tick`; an event that does not fit the
    /// state (a corrupt or foreign log) is refused without changing anything.
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        self.validate(event)?;
        let records = audit::records_for(self, event, self.audit.len());
        let notifications = crate::notify::notifications_for(self, event, self.outbox.len());
        match event {
            Event::PrincipalAdded {
                principal, members, ..
            } => {
                let is_group = principal.kind == crate::directory::PrincipalKind::Group;
                self.directory.put_principal(principal.clone());
                if is_group {
                    let old: Vec<String> = self.directory.direct_members(&principal.id).to_vec();
                    self.directory.change_members(&principal.id, members, &old);
                }
            }
            Event::RoleDefinitionAdded { role, .. } => self.directory.put_role(role.clone()),
            Event::MembershipChanged {
                group_id,
                added,
                removed,
                ..
            } => self.directory.change_members(group_id, added, removed),
            Event::PolicySet {
                role_definition_id,
                scope_id,
                scope_type,
                rules,
                ..
            } => {
                let policy =
                    Policy::updated(None, role_definition_id, scope_id, Some(*scope_type), rules)
                        .map_err(|e| ApplyError(format!("{e}")))?;
                let list = self.policies.entry(role_definition_id.clone()).or_default();
                list.retain(|p| p.scope_id != *scope_id);
                list.push(policy);
            }
            Event::RequestSubmitted { request, .. } => {
                self.issued = self.issued.saturating_add(1);
                let slot = u32::try_from(self.requests.len())
                    .map_err(|_| ApplyError("too many requests".into()))?;
                self.request_slot.insert(request.id.clone(), slot);
                self.requests.push(request.clone());
                self.schedule_request(slot);
            }
            Event::RequestRejected { .. } => self.issued = self.issued.saturating_add(1),
            Event::ApprovalRecorded {
                at,
                request_id,
                stage,
                approver,
                review_result,
                justification,
                status,
                start_date_time,
                end_date_time,
            } => {
                let slot = self.request_slot_of(request_id)?;
                self.unschedule_request(slot);
                if let Some(r) = self.requests.get_mut(slot as usize) {
                    if let Some(step) = r.approval_steps.iter_mut().find(|s| s.stage == *stage) {
                        step.review_result = *review_result;
                        step.reviewed_by = Some(approver.clone());
                        step.reviewed_date_time = Some(*at);
                        step.justification = justification.clone();
                    }
                    if *review_result == ReviewResult::Approve
                        && let Some(next) = r
                            .approval_steps
                            .iter_mut()
                            .find(|s| s.review_result == ReviewResult::NotReviewed)
                    {
                        next.time_out_date_time = at.checked_add_signed(chrono::TimeDelta::days(
                            i64::from(next.time_out_in_days),
                        ));
                    }
                    r.status = *status;
                    if let Some(start) = start_date_time {
                        r.start_date_time = *start;
                        r.end_date_time = *end_date_time;
                    }
                    if !status.is_pending() {
                        r.completed_date_time = Some(*at);
                    }
                }
                self.schedule_request(slot);
            }
            Event::RequestStatusChanged {
                at,
                request_id,
                status,
                ..
            } => {
                let slot = self.request_slot_of(request_id)?;
                self.unschedule_request(slot);
                if let Some(r) = self.requests.get_mut(slot as usize) {
                    r.status = *status;
                    if !status.is_pending() {
                        r.completed_date_time = Some(*at);
                    }
                }
                self.schedule_request(slot);
            }
            Event::ScheduleCreated { schedule, .. } => {
                self.issued = self.issued.saturating_add(1);
                let slot = u32::try_from(self.schedules.len())
                    .map_err(|_| ApplyError("too many schedules".into()))?;
                self.schedule_slot.insert(schedule.id.clone(), slot);
                self.by_principal
                    .entry(schedule.principal_id.clone())
                    .or_default()
                    .push(slot);
                let key = PrincipalRole::new(&schedule.principal_id, &schedule.role_definition_id);
                self.index_mut(schedule.kind)
                    .entry(key)
                    .or_default()
                    .push(slot);
                if schedule.kind == AssignmentType::Active {
                    self.active_by_role_index
                        .entry(schedule.role_definition_id.clone())
                        .or_default()
                        .push(slot);
                }
                self.schedules.push(schedule.clone());
                self.sync_grant(slot);
                self.schedule_end(slot, event.at(), true);
                // INVARIANT: a request's target is the schedule it created, once it created one
                // (an approved activation or renewal), so cancel and status follow that schedule.
                if let Some(r) = schedule
                    .request_id
                    .as_ref()
                    .and_then(|id| self.request_slot.get(id))
                    .and_then(|slot| self.requests.get_mut(*slot as usize))
                {
                    r.target_schedule_id = Some(schedule.id.clone());
                }
            }
            Event::ScheduleUpdated {
                schedule_id,
                start_date_time,
                end_date_time,
                ..
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                self.schedule_end(slot, event.at(), false);
                let mut reindex = None;
                if let Some(s) = self.schedules.get_mut(slot as usize) {
                    s.start_date_time = *start_date_time;
                    s.end_date_time = *end_date_time;
                    if s.ended.take().is_some() {
                        reindex = Some((
                            s.kind,
                            PrincipalRole::new(&s.principal_id, &s.role_definition_id),
                        ));
                    }
                }
                self.schedule_end(slot, event.at(), true);
                if let Some((kind, key)) = reindex {
                    self.index_mut(kind).entry(key).or_default().push(slot);
                }
                self.sync_grant(slot);
            }
            Event::ScheduleEnded {
                at,
                schedule_id,
                reason,
                ..
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                self.schedule_end(slot, event.at(), false);
                let mut unindex = None;
                if let Some(s) = self.schedules.get_mut(slot as usize) {
                    if s.ended.is_none() {
                        unindex =
                            Some((s.kind, s.principal_id.clone(), s.role_definition_id.clone()));
                    }
                    s.ended = Some(*reason);
                    if s.end_date_time.is_none_or(|e| *at < e) {
                        s.end_date_time = Some(*at);
                    }
                    if s.start_date_time > *at {
                        s.start_date_time = *at;
                    }
                }
                if let Some((kind, principal, role)) = unindex {
                    let key = index::PrincipalRoleRef {
                        principal: &principal,
                        role: &role,
                    };
                    if let Some(list) = self.index_mut(kind).get_mut(&key) {
                        list.retain(|s| *s != slot);
                    }
                }
                self.sync_grant(slot);
            }
            Event::AlertConfigured {
                alert_id,
                configuration,
                ..
            } => {
                self.alert_settings = self
                    .alert_settings
                    .configured(*alert_id, configuration)
                    .map_err(|e| ApplyError(format!("{e}")))?;
            }
            Event::AlertDismissed { alert_id, .. } => {
                self.alert_settings.dismissed.insert(*alert_id);
            }
            Event::AlertsRefreshed { alert_ids, .. } => {
                for a in alert_ids {
                    self.alert_settings.dismissed.remove(a);
                }
            }
            Event::ReminderDue {
                at,
                schedule_id,
                days_before,
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                self.timeline
                    .remove(&(*at, Due::Reminder(slot, *days_before)));
            }
            Event::AuditRetentionSet { days, .. } => self.audit_retention = *days,
            Event::ReviewCreated { definition, by, .. } => {
                let slot = u32::try_from(self.reviews.len())
                    .map_err(|_| ApplyError("too many reviews".into()))?;
                let id = definition.id.clone().unwrap_or_default();
                if let Some(start) = definition.start_date_time {
                    self.timeline.insert((start, Due::ReviewStart(slot, 0)));
                }
                self.review_slot.insert(id.clone(), slot);
                self.reviews.push(crate::review::Review {
                    id,
                    definition: definition.clone(),
                    created_by: by.clone(),
                    deleted: false,
                    instances: Vec::new(),
                });
            }
            Event::ReviewInstanceStarted {
                at,
                review_id,
                index,
                end_date_time,
                items,
            } => {
                let slot = self.review_slot_of(review_id)?;
                if let Some(r) = self.reviews.get_mut(slot as usize) {
                    if let Some(first) = r.definition.start_date_time {
                        if let Some(t) = r.definition.instance_start(first, *index) {
                            self.timeline.remove(&(t, Due::ReviewStart(slot, *index)));
                        }
                        let next = index.saturating_add(1);
                        if let Some(t) = r.definition.instance_start(first, next) {
                            self.timeline.insert((t, Due::ReviewStart(slot, next)));
                        }
                    }
                    self.timeline
                        .insert((*end_date_time, Due::ReviewEnd(slot, *index)));
                    r.instances.push(crate::review::ReviewInstance {
                        index: *index,
                        start_date_time: *at,
                        end_date_time: *end_date_time,
                        status: crate::review::InstanceStatus::InProgress,
                        items: items.clone(),
                    });
                }
            }
            Event::ReviewDecided {
                at,
                by,
                review_id,
                index,
                principal_id,
                decision,
                justification,
            } => {
                let item = self
                    .review_instance_mut(review_id, *index)?
                    .items
                    .iter_mut()
                    .find(|i| i.principal_id == *principal_id)
                    .ok_or_else(|| ApplyError(format!("`{principal_id}` is not under review")))?;
                item.decision = *decision;
                item.reviewed_by = Some(by.clone());
                item.reviewed_date_time = Some(*at);
                item.justification = justification.clone();
            }
            Event::ReviewInstanceEnded {
                review_id, index, ..
            } => {
                let slot = self.review_slot_of(review_id)?;
                let instance = self.review_instance_mut(review_id, *index)?;
                instance.status = crate::review::InstanceStatus::Completed;
                let end = instance.end_date_time;
                self.timeline.remove(&(end, Due::ReviewEnd(slot, *index)));
            }
            Event::ReviewReset {
                review_id, index, ..
            } => {
                for item in &mut self.review_instance_mut(review_id, *index)?.items {
                    item.decision = crate::review::ReviewDecision::NotReviewed;
                    item.reviewed_by = None;
                    item.reviewed_date_time = None;
                    item.justification = None;
                }
            }
            Event::ReviewApplied {
                review_id,
                index,
                results,
                ..
            } => {
                let instance = self.review_instance_mut(review_id, *index)?;
                instance.status = crate::review::InstanceStatus::Applied;
                for (principal, result) in results {
                    if let Some(item) = instance
                        .items
                        .iter_mut()
                        .find(|i| i.principal_id == *principal)
                    {
                        item.apply_result = *result;
                    }
                }
            }
            Event::ReviewDeleted { review_id, .. } => {
                let slot = self.review_slot_of(review_id)?;
                if let Some(r) = self.reviews.get_mut(slot as usize) {
                    r.deleted = true;
                }
                self.timeline.retain(|(_, due)| {
                    !matches!(due, Due::ReviewStart(s, _) | Due::ReviewEnd(s, _) if *s == slot)
                });
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
        }
        self.audit.extend(records);
        self.outbox.extend(notifications);
        let at = event.at();
        if self.clock.is_none_or(|c| c < at) {
            self.clock = Some(at);
        }
        Ok(())
    }

    /// Puts a schedule's end (and, for assigned schedules, its reminders after `at`) on the
    /// timeline, or takes them off.
    fn schedule_end(&mut self, slot: u32, at: Instant, add: bool) {
        let Some(s) = self.schedules.get(slot as usize) else {
            return;
        };
        let Some(end) = s.end_date_time else { return };
        let mut dues = alloc::vec![(end, Due::ScheduleEnd(slot))];
        if s.origin == crate::schedule::Origin::Assigned {
            for days in REMINDER_DAYS {
                if let Some(t) = end.checked_sub_signed(chrono::TimeDelta::days(i64::from(days)))
                    && (t > at || !add)
                {
                    dues.push((t, Due::Reminder(slot, days)));
                }
            }
        }
        for due in dues {
            if add {
                self.timeline.insert(due);
            } else {
                self.timeline.remove(&due);
            }
        }
    }

    /// Active schedules of any of `roles`, ended ones included.
    pub(crate) fn active_by_role<'a>(
        &'a self,
        roles: &'a [&'a str],
    ) -> impl Iterator<Item = &'a Schedule> {
        roles
            .iter()
            .filter_map(|r| self.active_by_role_index.get(*r))
            .flatten()
            .filter_map(|s| self.schedules.get(*s as usize))
    }

    /// Every notification so far, oldest first.
    pub fn outbox(&self) -> &[crate::notify::Notification] {
        &self.outbox
    }

    /// Brings the check's compact grant for a schedule in line with the schedule.
    fn sync_grant(&mut self, slot: u32) {
        let Some(s) = self.schedules.get(slot as usize) else {
            return;
        };
        if s.kind != AssignmentType::Active {
            return;
        }
        let next_role = u32::try_from(self.role_ids.len()).unwrap_or(u32::MAX);
        let role = *self
            .role_ids
            .entry(s.role_definition_id.clone())
            .or_insert(next_role);
        let scope = match self.scope_ids.get(s.scope.as_str()) {
            Some(id) => *id,
            None => {
                let id = u32::try_from(self.scope_names.len()).unwrap_or(u32::MAX);
                self.scope_ids.insert(s.scope.clone(), id);
                self.scope_names.push(s.scope.clone());
                id
            }
        };
        let grant = index::Grant {
            start: s.start_date_time,
            end: s.end_date_time,
            scope,
            activated: s.origin == crate::schedule::Origin::Activated,
            slot,
        };
        let live = s.ended.is_none();
        let list = self
            .grants
            .entry(index::GrantKey {
                principal: s.principal_id.clone(),
                role,
            })
            .or_default();
        list.retain(|g| g.slot != slot);
        if live {
            list.push(grant);
        }
    }

    pub(crate) fn grants_of(&self, principal: &str, role: u32) -> &[index::Grant] {
        self.grants
            .get(&index::GrantKeyRef { principal, role })
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub(crate) fn role_id(&self, role: &str) -> Option<u32> {
        self.role_ids.get(role).copied()
    }

    fn index_mut(&mut self, kind: AssignmentType) -> &mut HashMap<PrincipalRole, Vec<u32>> {
        match kind {
            AssignmentType::Active => &mut self.active,
            AssignmentType::Eligible => &mut self.eligible,
        }
    }

    fn validate(&self, event: &Event) -> Result<(), ApplyError> {
        let missing_request = |id: &str| {
            (!self.request_slot.contains_key(id))
                .then(|| ApplyError(format!("unknown request `{id}`")))
        };
        let missing_schedule = |id: &str| {
            (!self.schedule_slot.contains_key(id))
                .then(|| ApplyError(format!("unknown schedule `{id}`")))
        };
        let problem = match event {
            Event::RequestSubmitted { request, .. } => self
                .request_slot
                .contains_key(&request.id)
                .then(|| ApplyError(format!("duplicate request `{}`", request.id))),
            Event::ScheduleCreated { schedule, .. } => self
                .schedule_slot
                .contains_key(&schedule.id)
                .then(|| ApplyError(format!("duplicate schedule `{}`", schedule.id))),
            Event::ApprovalRecorded { request_id, .. }
            | Event::RequestStatusChanged { request_id, .. } => missing_request(request_id),
            Event::ReviewCreated { definition, .. } => match &definition.id {
                Some(id) if !self.review_slot.contains_key(id) => None,
                Some(id) => Some(ApplyError(format!("duplicate access review `{id}`"))),
                None => Some(ApplyError("an access review needs an id".into())),
            },
            Event::ScheduleUpdated { schedule_id, .. }
            | Event::ScheduleEnded { schedule_id, .. } => missing_schedule(schedule_id),
            _ => None,
        };
        problem.map_or(Ok(()), Err)
    }

    fn review_slot_of(&self, id: &str) -> Result<u32, ApplyError> {
        self.review_slot
            .get(id)
            .copied()
            .ok_or_else(|| ApplyError(format!("unknown access review `{id}`")))
    }

    fn review_instance_mut(
        &mut self,
        id: &str,
        index: u32,
    ) -> Result<&mut crate::review::ReviewInstance, ApplyError> {
        let slot = self.review_slot_of(id)?;
        self.reviews
            .get_mut(slot as usize)
            .and_then(|r| r.instances.iter_mut().find(|i| i.index == index))
            .ok_or_else(|| ApplyError(format!("access review `{id}` has no instance {index}")))
    }

    fn request_slot_of(&self, id: &str) -> Result<u32, ApplyError> {
        self.request_slot
            .get(id)
            .copied()
            .ok_or_else(|| ApplyError(format!("unknown request `{id}`")))
    }

    fn schedule_slot_of(&self, id: &str) -> Result<u32, ApplyError> {
        self.schedule_slot
            .get(id)
            .copied()
            .ok_or_else(|| ApplyError(format!("unknown schedule `{id}`")))
    }

    /// Puts an open request's next time-driven change on the timeline.
    fn schedule_request(&mut self, slot: u32) {
        let Some(r) = self.requests.get(slot as usize) else {
            return;
        };
        match r.status {
            Status::PendingApproval | Status::PendingAdminDecision => {
                self.open_requests.insert(slot);
                if let Some(t) = r.current_step().and_then(|s| s.time_out_date_time) {
                    self.timeline.insert((t, Due::ApprovalTimeout(slot)));
                }
            }
            Status::Granted => {
                self.open_requests.insert(slot);
                self.timeline
                    .insert((r.start_date_time, Due::RequestStart(slot)));
            }
            _ => {
                self.open_requests.remove(&slot);
            }
        }
    }

    fn unschedule_request(&mut self, slot: u32) {
        let Some(r) = self.requests.get(slot as usize) else {
            return;
        };
        if let Some(t) = r.current_step().and_then(|s| s.time_out_date_time) {
            self.timeline.remove(&(t, Due::ApprovalTimeout(slot)));
        }
        self.timeline
            .remove(&(r.start_date_time, Due::RequestStart(slot)));
        self.open_requests.remove(&slot);
    }

    /// What a granted request becomes at its start: `Provisioned`, or `Revoked` when the
    /// schedule it created ended before it began (deactivated, removed, membership lost).
    pub(crate) fn granted_outcome(&self, r: &RequestRecord) -> Status {
        let ended_early = r
            .target_schedule_id
            .as_deref()
            .and_then(|id| self.schedule(id))
            .is_some_and(|s| {
                s.ended.is_some() && s.end_date_time.is_some_and(|e| e <= r.start_date_time)
            });
        if ended_early {
            Status::Revoked
        } else {
            Status::Provisioned
        }
    }

    /// The status a request has at `now`, counting what time alone has done since the last
    /// tick: a granted request whose start has come is provisioned; a pending one whose stage
    /// timed out has timed out.
    pub fn effective_status(&self, r: &RequestRecord, now: Instant) -> Status {
        match r.status {
            Status::Granted if r.start_date_time <= now => self.granted_outcome(r),
            Status::PendingApproval
                if r.current_step()
                    .and_then(|s| s.time_out_date_time)
                    .is_some_and(|t| t <= now) =>
            {
                Status::TimedOut
            }
            s => s,
        }
    }
}
