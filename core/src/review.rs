//! Access reviews of privileged roles (Microsoft Entra access reviews): definitions, instances that snapshot access
//! when they start, reviewer decisions, recommendations, the no-response default, and
//! application of the results through ordinary events.

use alloc::string::String;
use alloc::vec::Vec;

use crate::id::{PrincipalId, ReviewId, RoleDefinitionId, ScheduleId, ScopeId};
use chrono::{Months, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::time::{Instant, IsoDuration};

wire_enum! {
    /// Which assignments a review covers.
    pub enum ReviewAssignmentType {
        /// Eligible assignments, whatever their activation status.
        Eligible => "eligible",
        /// Active (assigned) assignments.
        Active => "active",
        /// Both.
        All => "all",
    }
}

wire_enum! {
    /// Who reviews.
    pub enum ReviewerType {
        /// Named users or groups.
        Selected => "selected",
        /// Each principal reviews their own access.
        SelfReview => "self",
        /// Each principal's manager; `fallbackReviewers` when there is none.
        Manager => "manager",
    }
}

wire_enum! {
    /// How often instances recur.
    pub enum RecurrenceType {
        /// Once.
        OneTime => "oneTime",
        /// Every week.
        Weekly => "weekly",
        /// Every month.
        Monthly => "monthly",
        /// Every three months.
        Quarterly => "quarterly",
        /// Every six months.
        SemiAnnual => "semiAnnual",
        /// Every year.
        Annual => "annual",
    }
}

wire_enum! {
    /// A reviewer's decision (Graph's `accessReviewInstanceDecisionItem.decision`).
    pub enum ReviewDecision {
        /// Not decided.
        NotReviewed => "NotReviewed",
        /// Keep the access.
        Approve => "Approve",
        /// Remove the access.
        Deny => "Deny",
        /// The reviewer does not know.
        DontKnow => "DontKnow",
    }
}

wire_enum! {
    /// What happens to items nobody decided, when `defaultDecisionEnabled`.
    pub enum DefaultDecision {
        /// Keep the access.
        Approve => "Approve",
        /// Remove the access.
        Deny => "Deny",
        /// Follow the recommendation.
        Recommendation => "Recommendation",
    }
}

wire_enum! {
    /// Where an instance stands.
    pub enum InstanceStatus {
        /// Reviewers may decide.
        InProgress => "InProgress",
        /// Ended; results not applied.
        Completed => "Completed",
        /// Results applied.
        Applied => "Applied",
    }
}

wire_enum! {
    /// Graph's `applyResult` of a decision item.
    pub enum ApplyResult {
        /// Not applied.
        New => "New",
        /// The access was removed (or kept, for approvals).
        AppliedSuccessfully => "AppliedSuccessfully",
        /// The access was already gone.
        AppliedSuccessfullyButObjectNotFound => "AppliedSuccessfullyButObjectNotFound",
    }
}

/// Who reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Reviewers {
    /// Selected, self or manager.
    #[serde(rename = "type")]
    pub kind: ReviewerType,
    /// For `selected`: user or group ids (group members review).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<PrincipalId>,
    /// For `manager`: who reviews principals without a manager (and groups).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_reviewers: Vec<PrincipalId>,
}

/// When instances happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recurrence {
    /// How often.
    #[serde(rename = "type", default = "one_time")]
    pub kind: RecurrenceType,
    /// How long each instance lasts, in days.
    #[serde(default = "thirty")]
    pub duration_in_days: u32,
    /// Stop after this many instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_occurrences: Option<u32>,
    /// No instance starts after this instant.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date_time: Option<Instant>,
}

impl Default for Recurrence {
    fn default() -> Self {
        Recurrence {
            kind: RecurrenceType::OneTime,
            duration_in_days: 30,
            number_of_occurrences: None,
            end_date_time: None,
        }
    }
}

fn one_time() -> RecurrenceType {
    RecurrenceType::OneTime
}

fn thirty() -> u32 {
    30
}

fn thirty_days() -> IsoDuration {
    IsoDuration::days(30)
}

fn yes() -> bool {
    true
}

/// What happens when an instance ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewSettings {
    /// Apply the results when an instance ends.
    #[serde(default)]
    pub auto_apply_decisions_enabled: bool,
    /// Decide for reviewers who did not respond.
    #[serde(default)]
    pub default_decision_enabled: bool,
    /// The decision taken for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_decision: Option<DefaultDecision>,
    /// Reviewers must justify an approval.
    #[serde(default)]
    pub justification_required_on_approval: bool,
    /// Show recommendations (sign-in within the look-back ⇒ approve, else deny).
    #[serde(default = "yes")]
    pub recommendations_enabled: bool,
    /// How far back recommendations look.
    #[serde(default = "thirty_days")]
    pub recommendation_look_back_duration: IsoDuration,
    /// Mail the reviewers when an instance starts, and administrators when it completes.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub mail_notifications_enabled: bool,
    /// Remind the reviewers who have not finished, at an instance's midpoint.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub reminder_notifications_enabled: bool,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            auto_apply_decisions_enabled: false,
            default_decision_enabled: false,
            default_decision: None,
            justification_required_on_approval: false,
            recommendations_enabled: true,
            recommendation_look_back_duration: thirty_days(),
            mail_notifications_enabled: false,
            reminder_notifications_enabled: false,
        }
    }
}

/// An access review of one role at one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDefinition {
    /// Id; the engine assigns one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ReviewId>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The role reviewed.
    pub role_definition_id: RoleDefinitionId,
    /// The scope reviewed.
    #[serde(default = "root")]
    pub scope_id: ScopeId,
    /// Eligible, active or all assignments.
    #[serde(default = "all")]
    pub assignment_type: ReviewAssignmentType,
    /// Whether service principals are reviewed too.
    #[serde(default)]
    pub include_service_principals: bool,
    /// Only principals without a sign-in for this many days (1–730).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_days: Option<u32>,
    /// Who reviews.
    pub reviewers: Reviewers,
    /// When instances happen.
    #[serde(default)]
    pub recurrence: Recurrence,
    /// The first instance's start; now when absent.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date_time: Option<Instant>,
    /// Completion settings.
    #[serde(default)]
    pub settings: ReviewSettings,
    /// Others mailed when an instance completes, beside the administrators (Graph's
    /// `additionalNotificationRecipients`; sent when `mailNotificationsEnabled`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_notification_recipients: Vec<NotificationRecipient>,
}

/// One additional recipient of a review's mails, as Graph's
/// `accessReviewNotificationRecipientItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationRecipient {
    /// Which mail: Graph supports [`COMPLETED_ADDITIONAL_RECIPIENTS`] only.
    pub notification_template_type: String,
    /// Who receives it.
    pub notification_recipient_scope: RecipientQueryScope,
}

/// The one template Graph supports: the completion mail.
pub const COMPLETED_ADDITIONAL_RECIPIENTS: &str = "CompletedAdditionalRecipients";

/// Who an additional recipient is, as Graph's `accessReviewNotificationRecipientQueryScope`: a
/// user (`/users/{id}`) or a group's members (`/groups/{id}/transitiveMembers/microsoft.graph.user`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecipientQueryScope {
    /// `#microsoft.graph.accessReviewNotificationRecipientQueryScope`, when given.
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// The query naming the user or group.
    pub query: String,
    /// `MicrosoftGraph`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_type: Option<String>,
    /// Unused by Graph for this scope; kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_root: Option<String>,
}

impl RecipientQueryScope {
    /// The user or group the query names, if it is one of the two forms Graph documents.
    pub fn principal(&self) -> Option<&str> {
        let q = self.query.trim_end_matches('/');
        if let Some(id) = q.strip_prefix("/users/") {
            return (!id.is_empty() && !id.contains('/')).then_some(id);
        }
        let rest = q.strip_prefix("/groups/")?;
        let (id, tail) = rest.split_once('/')?;
        let members = [
            "transitiveMembers/microsoft.graph.user",
            "transitiveMembers",
        ];
        (!id.is_empty() && members.contains(&tail)).then_some(id)
    }
}

fn root() -> ScopeId {
    ScopeId::from("/")
}

fn all() -> ReviewAssignmentType {
    ReviewAssignmentType::All
}

/// Why a review definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    /// An instance as long as its recurrence period would overlap the next.
    #[error("a {kind} review lasts 1 to {max} days, not {days}")]
    Duration {
        /// The recurrence.
        kind: RecurrenceType,
        /// The longest allowed.
        max: u32,
        /// What was asked.
        days: u32,
    },
    /// Inactive days out of range.
    #[error("`inactiveDays` must be 1 to 730")]
    InactiveDays,
    /// Selected reviewers without ids, ids given to self or manager reviews, or a self-review
    /// of service principals.
    #[error("{0}")]
    Reviewers(&'static str),
    /// A default decision switched on without saying which.
    #[error("`defaultDecisionEnabled` needs a `defaultDecision`")]
    DefaultDecision,
    /// `numberOfOccurrences` of zero.
    #[error("`numberOfOccurrences` must be at least 1")]
    Occurrences,
    /// A look-back out of range.
    #[error("`recommendationLookBackDuration` must be positive")]
    LookBack,
    /// An additional recipient Graph would not accept.
    #[error("additionalNotificationRecipients: {0}")]
    AdditionalRecipient(&'static str),
}

impl RecurrenceType {
    /// The longest instance: one day shorter than the shortest period, so instances never
    /// overlap (Entra: a monthly review lasts at most 27 days).
    pub const fn max_duration_days(self) -> u32 {
        match self {
            RecurrenceType::OneTime => 180,
            RecurrenceType::Weekly => 6,
            RecurrenceType::Monthly => 27,
            RecurrenceType::Quarterly => 88,
            RecurrenceType::SemiAnnual => 180,
            RecurrenceType::Annual => 364,
        }
    }
}

impl ReviewDefinition {
    /// Checks ranges and consistency.
    pub fn validate(&self) -> Result<(), ReviewError> {
        let r = &self.recurrence;
        let max = r.kind.max_duration_days();
        if r.duration_in_days == 0 || r.duration_in_days > max {
            return Err(ReviewError::Duration {
                kind: r.kind,
                max,
                days: r.duration_in_days,
            });
        }
        if r.number_of_occurrences == Some(0) {
            return Err(ReviewError::Occurrences);
        }
        if self.inactive_days.is_some_and(|d| !(1..=730).contains(&d)) {
            return Err(ReviewError::InactiveDays);
        }
        match self.reviewers.kind {
            ReviewerType::Selected if self.reviewers.ids.is_empty() => {
                return Err(ReviewError::Reviewers("selected reviewers need `ids`"));
            }
            ReviewerType::SelfReview | ReviewerType::Manager if !self.reviewers.ids.is_empty() => {
                return Err(ReviewError::Reviewers(
                    "`ids` apply to selected reviewers only",
                ));
            }
            ReviewerType::SelfReview if self.include_service_principals => {
                return Err(ReviewError::Reviewers(
                    "a self-review is available for users and groups only, not service principals",
                ));
            }
            _ => {}
        }
        if self.settings.default_decision_enabled && self.settings.default_decision.is_none() {
            return Err(ReviewError::DefaultDecision);
        }
        // Graph: "For reviews of groups and Microsoft Entra roles, any duration is accepted";
        // pim asks only that it be positive.
        if self.settings.recommendation_look_back_duration.delta() <= TimeDelta::zero() {
            return Err(ReviewError::LookBack);
        }
        self.validate_recipients()
    }

    fn validate_recipients(&self) -> Result<(), ReviewError> {
        let list = &self.additional_notification_recipients;
        if list.len() > crate::notify::MAX_RECIPIENTS {
            return Err(ReviewError::AdditionalRecipient("at most 1,000"));
        }
        for r in list {
            if r.notification_template_type != COMPLETED_ADDITIONAL_RECIPIENTS {
                return Err(ReviewError::AdditionalRecipient(
                    "the only `notificationTemplateType` is `CompletedAdditionalRecipients`",
                ));
            }
            if r.notification_recipient_scope.principal().is_none() {
                return Err(ReviewError::AdditionalRecipient(
                    "a `query` is `/users/{id}` or `/groups/{id}/transitiveMembers/microsoft.graph.user`",
                ));
            }
        }
        Ok(())
    }

    /// The users and groups named as additional recipients.
    pub fn additional_recipients(&self) -> impl Iterator<Item = &str> {
        self.additional_notification_recipients
            .iter()
            .filter_map(|r| r.notification_recipient_scope.principal())
    }

    /// When instance `n` (from 0) starts, if it happens at all.
    pub fn instance_start(&self, first: Instant, n: u32) -> Option<Instant> {
        let r = &self.recurrence;
        if r.number_of_occurrences.is_some_and(|max| n >= max) {
            return None;
        }
        let start = match r.kind {
            RecurrenceType::OneTime => (n == 0).then_some(first)?,
            RecurrenceType::Weekly => first.checked_add_signed(TimeDelta::weeks(i64::from(n)))?,
            kind => {
                let months = match kind {
                    RecurrenceType::Monthly => 1u32,
                    RecurrenceType::Quarterly => 3,
                    RecurrenceType::SemiAnnual => 6,
                    _ => 12,
                };
                first.checked_add_months(Months::new(months.checked_mul(n)?))?
            }
        };
        if r.end_date_time.is_some_and(|e| start > e) {
            return None;
        }
        Some(start)
    }

    /// When an instance that starts at `start` ends.
    pub fn instance_end(&self, start: Instant) -> Option<Instant> {
        start.checked_add_signed(TimeDelta::days(i64::from(self.recurrence.duration_in_days)))
    }
}

/// One principal's access under review in an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewItem {
    /// Whose access.
    pub principal_id: PrincipalId,
    /// The assignments under review.
    pub schedule_ids: Vec<ScheduleId>,
    /// Who may decide (user and group ids; group members decide).
    pub reviewers: Vec<PrincipalId>,
    /// The recommendation, when recommendations are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<ReviewDecision>,
    /// The decision.
    pub decision: ReviewDecision,
    /// Who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<PrincipalId>,
    /// When.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reviewed_date_time: Option<Instant>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// What applying did.
    pub apply_result: ApplyResult,
}

/// One occurrence of a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewInstance {
    /// Number, from 0.
    pub index: u32,
    /// Start.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// Planned end.
    #[serde(with = "crate::time::instant")]
    pub end_date_time: Instant,
    /// Where it stands.
    pub status: InstanceStatus,
    /// The snapshot taken at the start, with decisions.
    pub items: Vec<ReviewItem>,
}

/// A review with its instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Review {
    /// Id.
    pub id: ReviewId,
    /// The definition (with `id` and `startDateTime` filled in).
    pub definition: ReviewDefinition,
    /// Who created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<PrincipalId>,
    /// Whether it was deleted.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub deleted: bool,
    /// Instances so far.
    pub instances: Vec<ReviewInstance>,
}

impl Review {
    /// The first instance's start.
    pub fn first_start(&self) -> Option<Instant> {
        self.definition.start_date_time
    }

    /// The latest instance.
    pub fn current(&self) -> Option<&ReviewInstance> {
        self.instances.last()
    }
}

/// The decision an item ends with: the reviewer's, else the default when enabled.
pub fn final_decision(item: &ReviewItem, settings: &ReviewSettings) -> ReviewDecision {
    match item.decision {
        ReviewDecision::NotReviewed if settings.default_decision_enabled => {
            match settings.default_decision {
                Some(DefaultDecision::Approve) => ReviewDecision::Approve,
                Some(DefaultDecision::Deny) => ReviewDecision::Deny,
                Some(DefaultDecision::Recommendation) => {
                    item.recommendation.unwrap_or(ReviewDecision::NotReviewed)
                }
                None => ReviewDecision::NotReviewed,
            }
        }
        d => d,
    }
}
