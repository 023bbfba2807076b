//! Access review mails. Learn, "Create an access review of Azure resource and Microsoft Entra
//! roles in PIM": *Mail notifications* "send email notifications to reviewers when an access
//! review starts, and to administrators when a review completes"; *Reminders* "send reminders
//! of access reviews in progress to reviewers who haven't completed their review", and "users
//! receive an email notification at the midpoint of the review period".

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::super::{MAX_RECIPIENTS, Notification, NotificationKind};
use super::{Defaults, Draft};
use crate::event::Event;
use crate::review::{Review, ReviewDecision, ReviewItem};
use crate::wire::{RecipientType, RuleId};

/// The mail an instance's start, midpoint or end calls for, when the review's settings ask
/// for it.
pub(super) fn on_review(d: &mut Draft<'_>, event: &Event) {
    use NotificationKind as K;
    let (review_id, kind, started) = match event {
        Event::ReviewInstanceStarted {
            review_id, items, ..
        } => (review_id, K::AccessReviewStarted, Some(items)),
        Event::ReviewReminderDue { review_id, .. } => (review_id, K::AccessReviewReminder, None),
        Event::ReviewInstanceEnded { review_id, .. } => (review_id, K::AccessReviewCompleted, None),
        _ => return,
    };
    let Some(review) = d.state.review(review_id) else {
        return;
    };
    let settings = &review.definition.settings;
    let wanted = match kind {
        K::AccessReviewReminder => settings.reminder_notifications_enabled,
        _ => settings.mail_notifications_enabled,
    };
    if !wanted {
        return;
    }
    let recipients = match (kind, started) {
        (K::AccessReviewCompleted, _) => {
            let mut to = d.resolve(Defaults::Deciders);
            for r in review.definition.additional_recipients() {
                to.extend(d.assignee(r));
            }
            to
        }
        (_, Some(items)) => reviewers(d, items.iter()),
        _ => {
            let index = match event {
                Event::ReviewReminderDue { index, .. } => *index,
                _ => return,
            };
            let Some(instance) = review.instances.iter().find(|i| i.index == index) else {
                return;
            };
            let pending = instance
                .items
                .iter()
                .filter(|i| i.decision == ReviewDecision::NotReviewed);
            reviewers(d, pending)
        }
    };
    push(d, kind, review, recipients);
}

/// The addresses of the items' reviewers (a group reviewer's members).
fn reviewers<'i>(d: &Draft<'_>, items: impl Iterator<Item = &'i ReviewItem>) -> BTreeSet<String> {
    items
        .flat_map(|i| i.reviewers.iter())
        .flat_map(|r| d.assignee(r))
        .collect()
}

fn push(d: &mut Draft<'_>, kind: NotificationKind, review: &Review, recipients: BTreeSet<String>) {
    if recipients.is_empty() {
        return;
    }
    let truncated = recipients.len() > MAX_RECIPIENTS;
    let recipients: Vec<String> = recipients.into_iter().take(MAX_RECIPIENTS).collect();
    let number = d.seq.saturating_add(d.out.len()).saturating_add(1);
    let role = &review.definition.role_definition_id;
    let role_name = d.state.directory().role_name(role);
    let name = review
        .definition
        .display_name
        .as_deref()
        .unwrap_or(&review.id);
    let completed = kind == NotificationKind::AccessReviewCompleted;
    let subject = match kind {
        NotificationKind::AccessReviewStarted => {
            format!("PIM: Please review access to the {role_name} role ({name})")
        }
        NotificationKind::AccessReviewReminder => {
            format!("PIM: Reminder: review access to the {role_name} role ({name})")
        }
        _ => format!("PIM: The access review of the {role_name} role ({name}) completed"),
    };
    d.out.push(Notification {
        id: format!("notification-{number}"),
        created_date_time: d.at,
        kind,
        // For the record only, as for alert mails: review mails follow the review's settings.
        rule_id: RuleId::NotificationAdminAdminEligibility,
        recipient_type: if completed {
            RecipientType::Admin
        } else {
            RecipientType::Approver
        },
        critical: !completed,
        recipients,
        truncated,
        subject,
        principal_id: review.created_by.clone().unwrap_or_else(|| "".into()),
        role_definition_id: role.clone(),
        request_id: None,
        schedule_id: None,
        alert_id: None,
        review_id: Some(review.id.clone()),
    });
}
