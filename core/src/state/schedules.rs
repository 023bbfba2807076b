//! The schedule family: created, updated, ended, and the reminders before an end.

use chrono::TimeDelta;

use super::rows::Kept;
use super::{Due, REMINDER_DAYS, State};
use crate::error::ApplyError;
use crate::event::{Event, SchedulePayload};
use crate::schedule::{AssignmentType, Origin};
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
                at, schedule_id, ..
            } => {
                let slot = self.schedule_slot_of(schedule_id)?;
                // The reminder is sent: the schedule's next change after it (the next
                // reminder, else the end) takes the place of whichever change was there.
                self.schedule_end(slot, *at, false);
                self.schedule_end(slot, *at, true);
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
        let eligibility =
            (schedule.activated_using.as_deref()).and_then(|id| self.schedule_slot_by_id(id));
        let (directory, requests) = (&self.directory, &self.request_slot);
        let kept = Kept {
            principal: &|p| directory.principal(p).map(|p| p.id.clone()),
            request: &|r| requests.get_key_value(r).map(|(id, _)| id.clone()),
        };
        let slot = self.schedules.push(schedule, eligibility, kept)?;
        // The index keys share the row's interned text, not the event's copy.
        if let Some((principal, role)) = self.schedules.holder_ids(slot) {
            self.by_principal.entry(principal).or_default().push(slot);
            let by_role = match schedule.kind {
                AssignmentType::Active => &mut self.active_by_role,
                AssignmentType::Eligible => &mut self.eligible_by_role,
            };
            by_role.entry(role).or_default().push(slot);
        }
        let rows = &self.schedules;
        self.schedule_slot
            .insert(&schedule.id, slot, &|s| rows.id(s));
        self.index_holder(schedule.kind, slot, true);
        self.index_drawn(slot, true);
        self.schedule_end(slot, at, true);
        // INVARIANT: a request's target is the schedule it created, once it created one
        // (an approved activation or renewal), so cancel and status follow that schedule.
        if let Some(r) = (schedule.request_id.as_ref())
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
        if let Some(s) = self.schedules.row_mut(slot) {
            s.start = start;
            s.end = end;
            if s.ended.take().is_some() {
                reindex = Some(s.kind());
            }
        }
        self.schedule_end(slot, at, true);
        if let Some(kind) = reindex {
            self.index_holder(kind, slot, true);
            self.index_drawn(slot, true);
        }
    }

    fn end_schedule(&mut self, slot: u32, at: Instant, reason: crate::schedule::EndReason) {
        self.schedule_end(slot, at, false);
        let mut unindex = None;
        if let Some(s) = self.schedules.row_mut(slot) {
            if s.ended.is_none() {
                unindex = Some(s.kind());
            }
            s.ended = Some(reason);
            if s.end.is_none_or(|e| at < e) {
                s.end = Some(at);
            }
            if s.start > at {
                s.start = at;
            }
        }
        if let Some(kind) = unindex {
            self.index_drawn(slot, false);
            self.index_holder(kind, slot, false);
        }
    }

    /// Puts a schedule's next time-driven change after `at` on the timeline (for an assigned
    /// schedule the first expiry reminder still to come, else its end), or takes whichever of
    /// them is there off. One entry per schedule, not one per reminder: the reminder's own
    /// event puts the next change in its place.
    fn schedule_end(&mut self, slot: u32, at: Instant, add: bool) {
        let Some(s) = self.schedules.row(slot) else {
            return;
        };
        let Some(end) = s.end else { return };
        let reminders = match s.origin() {
            Origin::Assigned => &REMINDER_DAYS[..],
            Origin::Activated => &[],
        };
        // REMINDER_DAYS runs from the earliest reminder to the latest.
        let mut dues = reminders.iter().filter_map(|&days| {
            let t = end.checked_sub_signed(TimeDelta::days(i64::from(days)))?;
            Some((t, Due::Reminder(slot, days)))
        });
        if add {
            let next = dues
                .find(|(t, _)| *t > at)
                .unwrap_or((end, Due::ScheduleEnd(slot)));
            self.timeline.insert(next);
        } else {
            for due in dues {
                self.timeline.remove(&due);
            }
            self.timeline.remove(&(end, Due::ScheduleEnd(slot)));
        }
    }

    /// Adds an activation to the index of the eligibility it was drawn from, or takes it out.
    fn index_drawn(&mut self, slot: u32, add: bool) {
        let from = (self.schedules.row(slot))
            .filter(|s| s.origin() == Origin::Activated)
            .and_then(|_| self.schedules.activated_using(slot))
            .and_then(|id| self.schedule_slot_by_id(id));
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
        self.schedule_slot_by_id(id)
            .ok_or_else(|| ApplyError::UnknownSchedule(id.into()))
    }

    /// Adds the schedule in `slot` to the (principal, role) index of its kind, or takes it out.
    fn index_holder(&mut self, kind: AssignmentType, slot: u32, add: bool) {
        let index = match kind {
            AssignmentType::Active => &mut self.active,
            AssignmentType::Eligible => &mut self.eligible,
        };
        if add {
            index.push(&self.schedules, slot);
        } else {
            index.remove(&self.schedules, slot);
        }
    }
}
