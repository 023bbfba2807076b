//! `tick`: the events that time alone causes.

use alloc::vec::Vec;

use super::{Due, Engine};
use crate::event::Event;
use crate::request::Status;
use crate::schedule::EndReason;
use crate::time::Instant;

impl Engine {
    /// The events that time alone causes up to `now`, oldest first: scheduled starts reached,
    /// approvals timed out, schedules expired. Each carries the instant it happened, not `now`.
    /// Looks only at what is due (a time-ordered index), never at every schedule.
    pub fn tick(&self, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        for (at, due) in self.timeline.iter() {
            if *at > now {
                break;
            }
            match *due {
                Due::RequestStart(slot) => {
                    if let Some(r) = self.requests.get(slot as usize)
                        && r.status == Status::Granted
                    {
                        events.push(Event::RequestStatusChanged {
                            at: *at,
                            request_id: r.id.clone(),
                            status: Status::Provisioned,
                            by: None,
                        });
                    }
                }
                Due::ApprovalTimeout(slot) => {
                    if let Some(r) = self.requests.get(slot as usize)
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
                Due::Reminder(slot, days) => {
                    if let Some(s) = self.schedules.get(slot as usize) {
                        if s.ended.is_none() {
                            events.push(Event::ReminderDue {
                                at: *at,
                                schedule_id: s.id.clone(),
                                days_before: days,
                            });
                        }
                    }
                }
                Due::ScheduleEnd(slot) => {
                    if let Some(s) = self.schedules.get(slot as usize)
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
        }
        events
    }
}
