//! The schedule family: created, updated, ended, and the reminders before an end.

use chrono::TimeDelta;

use super::keys::{PrincipalRole, PrincipalRoleRef};
use super::{Due, REMINDER_DAYS, State, next_slot};
use crate::error::ApplyError;
use crate::event::{Event, SchedulePayload};
use crate::schedule::{AssignmentType, Origin, Schedule};
use crate::time::Instant;

impl State {
    /// Returns the slot of the schedule the event touched.
    pub(super) fn apply_schedule(&mut self, event: &Event) -> Result<Option<u32>, ApplyError> {
        let slot = match event {
            Event::ScheduleCreated { schedule, .. } => {
                self.create_schedule(schedule, event.at())?
            }
            Event::ScheduleUpdated {
                schedule_id,
                start_date_time,
                end_date_time,
                ..
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                self.update_schedule(slot, event.at(), *start_date_time, *end_date_time);
                slot
            }
            Event::ScheduleEnded {
                at,
                schedule_id,
                reason,
                ..
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                self.end_schedule(slot, *at, *reason);
                slot
            }
            Event::ReminderDue {
                at,
                schedule_id,
                days_before,
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                self.timeline
                    .remove(&(*at, Due::Reminder(slot, *days_before)));
                return Ok(None);
            }
            _ => return Ok(None),
        };
        Ok(Some(slot))
    }

    fn create_schedule(
        &mut self,
        schedule: &SchedulePayload,
        at: Instant,
    ) -> Result<u32, ApplyError> {
        self.issued = self.issued.saturating_add(1);
        let slot = next_slot(self.schedules.len(), "schedules")?;
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
            self.active_by_role
                .entry(schedule.role_definition_id.clone())
                .or_default()
                .push(slot);
        }
        self.schedules.push(Schedule::from(schedule.clone()));
        self.index_drawn(slot, true);
        self.schedule_end(slot, at, true);
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
        Ok(slot)
    }

    fn update_schedule(&mut self, slot: u32, at: Instant, start: Instant, end: Option<Instant>) {
        self.schedule_end(slot, at, false);
        let mut reindex = None;
        if let Some(s) = self.schedules.get_mut(slot as usize) {
            s.start_date_time = start;
            s.end_date_time = end;
            if s.ended.take().is_some() {
                reindex = Some((
                    s.kind,
                    PrincipalRole::new(&s.principal_id, &s.role_definition_id),
                ));
            }
        }
        self.schedule_end(slot, at, true);
        if let Some((kind, key)) = reindex {
            self.index_mut(kind).entry(key).or_default().push(slot);
            self.index_drawn(slot, true);
        }
    }

    fn end_schedule(&mut self, slot: u32, at: Instant, reason: crate::schedule::EndReason) {
        self.schedule_end(slot, at, false);
        let mut unindex = None;
        if let Some(s) = self.schedules.get_mut(slot as usize) {
            if s.ended.is_none() {
                unindex = Some((s.kind, s.principal_id.clone(), s.role_definition_id.clone()));
            }
            s.ended = Some(reason);
            if s.end_date_time.is_none_or(|e| at < e) {
                s.end_date_time = Some(at);
            }
            if s.start_date_time > at {
                s.start_date_time = at;
            }
        }
        if let Some((kind, principal, role)) = unindex {
            self.index_drawn(slot, false);
            let key = PrincipalRoleRef {
                principal: &principal,
                role: &role,
            };
            if let Some(list) = self.index_mut(kind).get_mut(&key) {
                list.retain(|s| *s != slot);
            }
        }
    }

    /// Puts a schedule's end (and, for assigned schedules, its reminders after `at`) on the
    /// timeline, or takes them off.
    fn schedule_end(&mut self, slot: u32, at: Instant, add: bool) {
        let Some(s) = self.schedules.get(slot as usize) else {
            return;
        };
        let Some(end) = s.end_date_time else { return };
        let mut dues = alloc::vec![(end, Due::ScheduleEnd(slot))];
        if s.origin == Origin::Assigned {
            for days in REMINDER_DAYS {
                if let Some(t) = end.checked_sub_signed(TimeDelta::days(i64::from(days)))
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

    /// Adds an activation to the index of the eligibility it was drawn from, or takes it out.
    fn index_drawn(&mut self, slot: u32, add: bool) {
        let from = self
            .schedules
            .get(slot as usize)
            .filter(|s| s.origin == Origin::Activated)
            .and_then(|s| s.activated_using.as_deref())
            .and_then(|id| self.schedule_slot.get(id).copied());
        let Some(from) = from else { return };
        if add {
            self.drawn_from.entry(from).or_default().push(slot);
        } else if let Some(list) = self.drawn_from.get_mut(&from) {
            list.retain(|s| *s != slot);
            if list.is_empty() {
                self.drawn_from.remove(&from);
            }
        }
    }

    fn schedule_slot_of(&self, id: &str) -> Result<u32, ApplyError> {
        self.schedule_slot
            .get(id)
            .copied()
            .ok_or_else(|| ApplyError::UnknownSchedule(id.into()))
    }

    fn index_mut(
        &mut self,
        kind: AssignmentType,
    ) -> &mut hashbrown::HashMap<PrincipalRole, alloc::vec::Vec<u32>> {
        match kind {
            AssignmentType::Active => &mut self.active,
            AssignmentType::Eligible => &mut self.eligible,
        }
    }
}
