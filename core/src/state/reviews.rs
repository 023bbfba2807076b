//! The access review family: created, instances started and ended, decisions, reset, applied,
//! deleted.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Due, State, next_slot};
use crate::error::ApplyError;
use crate::event::Event;
use crate::id::ReviewId;
use crate::review::{InstanceStatus, Review, ReviewDecision, ReviewInstance};

impl State {
    pub(super) fn apply_review(&mut self, event: &Event) -> Result<(), ApplyError> {
        match event {
            Event::ReviewCreated { definition, by, .. } => {
                let slot = next_slot(self.reviews.len(), "reviews")?;
                let id = definition
                    .id
                    .clone()
                    .unwrap_or_else(|| ReviewId::from(String::new()));
                if let Some(start) = definition.start_date_time {
                    self.timeline.insert((start, Due::ReviewStart(slot, 0)));
                }
                self.review_slot.insert(id.clone(), slot);
                self.reviews.push(Review {
                    id,
                    definition: definition.clone(),
                    created_by: by.clone(),
                    deleted: false,
                    instances: Vec::new(),
                });
            }
            Event::ReviewInstanceStarted { .. } => self.start_instance(event)?,
            Event::ReviewDecided { .. } => self.record_review_decision(event)?,
            Event::ReviewInstanceEnded {
                review_id, index, ..
            } => {
                let slot = self.review_slot_of(review_id)?;
                let instance = self.review_instance_mut(review_id, *index)?;
                instance.status = InstanceStatus::Completed;
                let end = instance.end_date_time;
                self.timeline.remove(&(end, Due::ReviewEnd(slot, *index)));
                self.timeline
                    .retain(|(_, due)| *due != Due::ReviewReminder(slot, *index));
            }
            Event::ReviewReminderDue {
                review_id, index, ..
            } => {
                let slot = self.review_slot_of(review_id)?;
                self.timeline
                    .retain(|(_, due)| *due != Due::ReviewReminder(slot, *index));
            }
            Event::ReviewReset {
                review_id, index, ..
            } => {
                for item in &mut self.review_instance_mut(review_id, *index)?.items {
                    item.decision = ReviewDecision::NotReviewed;
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
                instance.status = InstanceStatus::Applied;
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
                    !matches!(due, Due::ReviewStart(s, _) | Due::ReviewEnd(s, _)
                        | Due::ReviewReminder(s, _) if *s == slot)
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn start_instance(&mut self, event: &Event) -> Result<(), ApplyError> {
        let Event::ReviewInstanceStarted {
            at,
            review_id,
            index,
            end_date_time,
            items,
        } = event
        else {
            return Ok(());
        };
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
            if r.definition.settings.reminder_notifications_enabled {
                let span = end_date_time.signed_duration_since(*at).num_seconds();
                let half = chrono::TimeDelta::try_seconds(span.div_euclid(2));
                if let Some(midpoint) = half.and_then(|h| at.checked_add_signed(h)) {
                    self.timeline
                        .insert((midpoint, Due::ReviewReminder(slot, *index)));
                }
            }
            r.instances.push(ReviewInstance {
                index: *index,
                start_date_time: *at,
                end_date_time: *end_date_time,
                status: InstanceStatus::InProgress,
                items: items.clone(),
            });
        }
        Ok(())
    }

    fn record_review_decision(&mut self, event: &Event) -> Result<(), ApplyError> {
        let Event::ReviewDecided {
            at,
            by,
            review_id,
            index,
            principal_id,
            decision,
            justification,
        } = event
        else {
            return Ok(());
        };
        let item = self
            .review_instance_mut(review_id, *index)?
            .items
            .iter_mut()
            .find(|i| i.principal_id == *principal_id)
            .ok_or_else(|| ApplyError::NotUnderReview(principal_id.clone()))?;
        item.decision = *decision;
        item.reviewed_by = Some(by.clone());
        item.reviewed_date_time = Some(*at);
        item.justification = justification.clone();
        Ok(())
    }

    fn review_slot_of(&self, id: &str) -> Result<u32, ApplyError> {
        self.review_slot
            .get(id)
            .copied()
            .ok_or_else(|| ApplyError::UnknownReview(id.into()))
    }

    fn review_instance_mut(
        &mut self,
        id: &str,
        index: u32,
    ) -> Result<&mut ReviewInstance, ApplyError> {
        let slot = self.review_slot_of(id)?;
        self.reviews
            .get_mut(slot as usize)
            .and_then(|r| r.instances.iter_mut().find(|i| i.index == index))
            .ok_or_else(|| ApplyError::NoSuchInstance {
                review: id.into(),
                index,
            })
    }
}
