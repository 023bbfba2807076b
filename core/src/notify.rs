//! Notifications: for every event, the mails the 9 notification rules of the role's settings
//! call for (Microsoft Learn: "Email notifications in PIM"), plus expiry reminders. The core only computes them; hosts deliver.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::alerts::AlertId;
use crate::id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScheduleId};
use crate::time::Instant;
use crate::wire::{RecipientType, RuleId};

#[cfg(feature = "notifications")]
mod decide;
#[cfg(feature = "notifications")]
pub(crate) use decide::notifications_for;

/// At most this many recipients per notification, as Entra caps them; the rest are dropped.
pub const MAX_RECIPIENTS: usize = 1000;

wire_enum! {
    /// What a notification is about.
    pub enum NotificationKind {
        /// An eligible or active assignment was made.
        RoleAssigned => "roleAssigned",
        /// An activation waits for approval.
        ActivationApprovalRequested => "activationApprovalRequested",
        /// An activation request was approved.
        ActivationApproved => "activationApproved",
        /// An activation request was denied.
        ActivationDenied => "activationDenied",
        /// An activation request timed out.
        ActivationRequestExpired => "activationRequestExpired",
        /// A role was activated.
        RoleActivated => "roleActivated",
        /// An extension or renewal waits for an administrator.
        ExtensionApprovalRequested => "extensionApprovalRequested",
        /// An extension or renewal was decided.
        ExtensionDecided => "extensionDecided",
        /// An assignment was extended, renewed or updated by an administrator.
        RoleUpdated => "roleUpdated",
        /// An assignment ends in 14 days.
        ExpiresInFourteenDays => "expiresInFourteenDays",
        /// An assignment ends in 1 day.
        ExpiresInOneDay => "expiresInOneDay",
        /// An assignment expired.
        Expired => "expired",
        /// The "Roles are being assigned outside of PIM" alert: a role was assigned outside
        /// PIM (the alert's own mail, not a notification rule's).
        RoleAssignedOutsidePim => "roleAssignedOutsidePim",
        /// An access review instance started: its reviewers are asked to review.
        AccessReviewStarted => "accessReviewStarted",
        /// An access review instance reached its midpoint: reviewers who have not finished are
        /// reminded.
        AccessReviewReminder => "accessReviewReminder",
        /// An access review instance completed: administrators are told.
        AccessReviewCompleted => "accessReviewCompleted",
        /// pim: a break-glass activation, to every approver and administrator.
        BreakGlassActivated => "breakGlassActivated",
    }
}

/// One notification to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Notification {
    /// Sequence id.
    pub id: String,
    /// When it was due.
    #[serde(with = "crate::time::instant")]
    pub created_date_time: Instant,
    /// What it is about.
    pub kind: NotificationKind,
    /// The notification rule that called for it.
    pub rule_id: RuleId,
    /// The recipient class.
    pub recipient_type: RecipientType,
    /// Whether it needs the recipient to act (sent even at the `Critical` level).
    pub critical: bool,
    /// Addresses (a principal's mail, else its id), sorted, at most 1,000.
    pub recipients: Vec<String>,
    /// Whether recipients beyond 1,000 were dropped.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub truncated: bool,
    /// The subject line.
    pub subject: String,
    /// The principal concerned.
    pub principal_id: PrincipalId,
    /// The role concerned.
    pub role_definition_id: RoleDefinitionId,
    /// The request concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// The schedule concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<ScheduleId>,
    /// The security alert that sent it, for an alert mail. Its `ruleId` is then the admin
    /// notification rule of the assignment's kind, for the record only: an alert mail follows
    /// the alert's settings, not the rule's level or recipients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<AlertId>,
    /// The access review concerned, for a review mail (its `ruleId` is then for the record
    /// only, as for alert mails: review mails follow the review's settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_id: Option<ReviewId>,
}
