//! The request family: submitted, rejected, answered by an approver, changed status.

use chrono::TimeDelta;

use super::{Due, State, next_slot};
use crate::error::ApplyError;
use crate::event::Event;
use crate::request::{ReviewResult, Status};

impl State {
    pub(super) fn apply_request(&mut self, event: &Event) -> Result<(), ApplyError> {
        match event {
            Event::RequestSubmitted { request, .. } => {
                self.issued = self.issued.saturating_add(1);
                let slot = next_slot(self.requests.len(), "requests")?;
                self.request_slot.insert(request.id.clone(), slot);
                self.requests.push(request.clone().into());
                self.schedule_request(slot);
            }
            Event::RequestRejected { .. } => self.issued = self.issued.saturating_add(1),
            Event::ApprovalRecorded { .. } => self.record_approval(event)?,
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
            _ => {}
        }
        Ok(())
    }

    fn record_approval(&mut self, event: &Event) -> Result<(), ApplyError> {
        let Event::ApprovalRecorded {
            at,
            request_id,
            stage,
            approver,
            review_result,
            justification,
            status,
            partial,
            start_date_time,
            end_date_time,
        } = event
        else {
            return Ok(());
        };
        let slot = self.request_slot_of(request_id)?;
        self.unschedule_request(slot);
        if let Some(r) = self.requests.get_mut(slot as usize) {
            let step = r.approval_steps.iter_mut().find(|s| s.stage == *stage);
            if let Some(step) = step.filter(|s| s.quorum.is_some()) {
                step.approvals.push(crate::request::StageAnswer {
                    reviewed_by: approver.clone(),
                    review_result: *review_result,
                    reviewed_date_time: *at,
                    justification: justification.clone(),
                });
            }
            if *partial {
                r.status = *status;
                self.schedule_request(slot);
                return Ok(());
            }
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
                next.time_out_date_time =
                    at.checked_add_signed(TimeDelta::days(i64::from(next.time_out_in_days)));
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
        Ok(())
    }

    pub(super) fn request_slot_of(&self, id: &str) -> Result<u32, ApplyError> {
        self.request_slot
            .get(id)
            .copied()
            .ok_or_else(|| ApplyError::UnknownRequest(id.into()))
    }

    /// Puts an open request's next time-driven change on the timeline.
    fn schedule_request(&mut self, slot: u32) {
        let Some(r) = self.requests.get(slot as usize) else {
            return;
        };
        let due = match r.status {
            Status::PendingApproval | Status::PendingAdminDecision => Some(
                r.current_step()
                    .and_then(|s| s.time_out_date_time)
                    .map(|t| (t, Due::ApprovalTimeout(slot))),
            ),
            Status::Granted => Some(Some((r.start_date_time, Due::RequestStart(slot)))),
            _ => None,
        };
        self.mark_open(slot, due.is_some());
        if let Some(Some(due)) = due {
            self.timeline.insert(due);
        }
    }

    /// Adds the request in `slot` to the open requests (and its principal's), or takes it out.
    fn mark_open(&mut self, slot: u32, open: bool) {
        let Some(r) = self.requests.get(slot as usize) else {
            return;
        };
        if open {
            if self.open_requests.insert(slot) {
                let mine = self.open_by_principal.entry(r.principal_id.clone());
                mine.or_default().push(slot);
            }
        } else if self.open_requests.remove(&slot)
            && let Some(mine) = self.open_by_principal.get_mut(r.principal_id.as_str())
        {
            mine.retain(|s| *s != slot);
            if mine.is_empty() {
                self.open_by_principal.remove(r.principal_id.as_str());
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
        self.mark_open(slot, false);
    }
}
