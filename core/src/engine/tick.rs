//! `tick`: the events that time alone causes.

use alloc::vec::Vec;

use super::Engine;
use crate::event::Event;
use crate::request::Status;
use crate::schedule::EndReason;
use crate::state::Due;
use crate::time::Instant;

impl Engine {
    /// The next events that time alone causes, up to `now`: those due at the earliest instant
    /// at or before `now` that has any (scheduled starts reached, approvals timed out, schedules
    /// expired, reminders, review instances starting and ending). Each carries the instant it
    /// happened, not `now`. Apply them and call again until it returns nothing: one change of
    /// time can lead to the next (a review instance that starts schedules the next one), and
    /// this keeps the log in time order. Looks only at what is due (a time-ordered index).
    pub fn tick(&self, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        let mut batch_at = None;
        for (at, due) in self.state.timeline() {
            if *at > now || batch_at.is_some_and(|b| b < *at) {
                break;
            }
            let before = events.len();
            match *due {
                Due::RequestStart(slot) => {
                    if let Some(r) = self.state.request_at(slot)
                        && r.status == Status::Granted
                    {
                        events.push(Event::RequestStatusChanged {
                            at: *at,
                            request_id: r.id.clone(),
                            status: self.state.granted_outcome(r),
                            by: None,
                        });
                    }
                }
                Due::ApprovalTimeout(slot) => {
                    if let Some(r) = self.state.request_at(slot)
                        && r.status.is_pending()
                    {
                        events.push(Event::RequestStatusChanged {
                            at: *at,
                            request_id: r.id.clone(),
                            status: Status::TimedOut,
                            by: None,
                        });
                    }
                }
                Due::ReviewStart(slot, index) => {
                    if let Some(r) = self.state.review_at_slot(slot).filter(|r| !r.deleted)
                        && let Some(end) = r.definition.instance_end(*at)
                    {
                        events.push(Event::ReviewInstanceStarted {
                            at: *at,
                            review_id: r.id.clone(),
                            index,
                            end_date_time: end,
                            items: self.review_snapshot(&r.definition, *at),
                        });
                    }
                }
                Due::ReviewEnd(slot, index) => {
                    let found = self.state.review_at_slot(slot).and_then(|r| {
                        r.instances
                            .iter()
                            .find(|i| i.index == index)
                            .map(|i| (r, i))
                    });
                    if let Some((r, i)) = found
                        && i.status == crate::review::InstanceStatus::InProgress
                    {
                        events.extend(self.end_instance_events(r, i, None, *at));
                    }
                }
                Due::ReviewReminder(slot, index) => {
                    let in_progress = self.state.review_at_slot(slot).filter(|r| {
                        r.instances.iter().any(|i| {
                            i.index == index
                                && i.status == crate::review::InstanceStatus::InProgress
                        })
                    });
                    if let Some(r) = in_progress {
                        events.push(Event::ReviewReminderDue {
                            at: *at,
                            review_id: r.id.clone(),
                            index,
                        });
                    }
                }
                Due::Reminder(slot, days) => {
                    if let Some(s) = self.state.schedule_at(slot)
                        && s.ended.is_none()
                    {
                        events.push(Event::ReminderDue {
                            at: *at,
                            schedule_id: s.id.clone(),
                            days_before: days,
                        });
                    }
                }
                Due::ScheduleEnd(slot) => {
                    if let Some(s) = self.state.schedule_at(slot)
                        && s.ended.is_none()
                    {
                        events.push(Event::ScheduleEnded {
                            at: *at,
                            by: None,
                            schedule_id: s.id.clone(),
                            reason: EndReason::Expired,
                            request_id: None,
                        });
                    }
                }
            }
            if events.len() > before {
                batch_at = Some(*at);
            }
        }
        events
    }
}
