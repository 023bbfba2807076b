//! Errors and denials. `CommandError` is malformed input; a `DecisionError` is a decision
//! ("needs MFA", "exceeds the maximum"), returned with every failed rule at once.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScheduleId};
use crate::policy::PolicyError;
use crate::request::{RequestRecord, Status};
use crate::time::{Instant, TimeError};
use crate::wire::RuleError;

wire_enum! {
    /// Graph's error codes for schedule requests, as Graph returns them in `error.code`.
    pub enum ErrorCode {
        /// A role-setting rule failed; `failedRules` lists every one.
        RoleAssignmentRequestPolicyValidationFailed => "RoleAssignmentRequestPolicyValidationFailed",
        /// The authentication-context claim the role requires is missing.
        RoleAssignmentRequestAcrsValidationFailed => "RoleAssignmentRequestAcrsValidationFailed",
        /// The role is already active, or the assignment already exists.
        RoleAssignmentExists => "RoleAssignmentExists",
        /// A request for the same assignment is already pending.
        PendingRoleAssignmentRequest => "PendingRoleAssignmentRequest",
        /// A window under 5 minutes, or a removal within 5 minutes of the start.
        ActiveDurationTooShort => "ActiveDurationTooShort",
        /// No eligibility, activation or assignment to act on.
        RoleAssignmentDoesNotExist => "RoleAssignmentDoesNotExist",
        /// The caller may not do this.
        AuthorizationFailed => "AuthorizationFailed",
        /// Malformed input, or a request that cannot apply in the current state.
        InvalidRequest => "InvalidRequest",
        /// The directory refuses the change (Graph's directory error code), e.g. a group made
        /// a member of a role-assignable group; distinct from the engine's own refusals.
        DirectoryBadRequest => "Request_BadRequest",
    }
}

wire_enum! {
    /// The rule names Graph reports in `failedRules`.
    pub enum FailedRule {
        /// Duration or permanence.
        ExpirationRule => "ExpirationRule",
        /// Multi-factor authentication.
        MfaRule => "MfaRule",
        /// Justification.
        JustificationRule => "JustificationRule",
        /// Ticket information.
        TicketingRule => "TicketingRule",
        /// pim: justification length, ticket number shape or ticket system.
        PimJustificationRule => "pim.justificationRule",
        /// pim: too many activations in the window, or within the cool-down.
        PimRateLimitRule => "pim.rateLimitRule",
        /// pim: a conflicting role is held.
        PimSeparationOfDutiesRule => "pim.separationOfDutiesRule",
        /// pim: a break-glass activation longer than its maximum, or not starting now.
        PimBreakGlassRule => "pim.breakGlassRule",
        /// pim: an activation starting outside every activation window.
        PimActivationWindowRule => "pim.activationWindowRule",
    }
}

/// A refusal: the code, every failed rule, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionError {
    /// Graph's error code.
    pub code: ErrorCode,
    /// Every failed rule (policy validation only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_rules: Vec<FailedRule>,
    /// What went wrong, for people.
    pub message: String,
}

impl DecisionError {
    /// A refusal without failed rules.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DecisionError {
            code,
            failed_rules: Vec::new(),
            message: message.into(),
        }
    }

    /// A policy validation failure listing `rules`.
    pub fn policy(rules: Vec<FailedRule>) -> Self {
        let mut message = String::from("the following policy rules failed: ");
        for (i, r) in rules.iter().enumerate() {
            if i > 0 {
                message.push_str(", ");
            }
            message.push_str(r.as_str());
        }
        DecisionError {
            code: ErrorCode::RoleAssignmentRequestPolicyValidationFailed,
            failed_rules: rules,
            message,
        }
    }
}

/// What the engine decided about a command.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decision {
    /// The request's status after the command, when the command concerns a request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The window granted (or that would be granted), when there is one.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date_time: Option<Instant>,
    /// The end of that window; absent for permanent assignments.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date_time: Option<Instant>,
    /// The request as it stands after the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    /// The refusal, when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DecisionError>,
}

impl Decision {
    /// A refusal.
    pub fn refused(error: DecisionError) -> Self {
        Decision {
            error: Some(error),
            ..Decision::default()
        }
    }
}

/// Malformed input: the command could not be understood or refers to nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// JSON that does not fit the wire shapes, with serde's position.
    #[error("malformed input: {message}")]
    Json {
        /// What serde said, position included.
        message: String,
        /// The line of the input where it went wrong, from 1 (0 when not known).
        line: usize,
        /// The column, from 1 (0 when not known).
        column: usize,
    },
    /// A bad time or duration.
    #[error(transparent)]
    Time(#[from] TimeError),
    /// A bad policy rule.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Role settings out of range.
    #[error("invalid role settings: {0}")]
    Policy(#[from] PolicyError),
    /// A time earlier than one the engine has already seen.
    #[error(
        "the clock went backwards: `{}` is before `{}`",
        crate::time::format_instant(now),
        crate::time::format_instant(last)
    )]
    ClockBackwards {
        /// The time given.
        now: Instant,
        /// The latest time seen.
        last: Instant,
    },
    /// The events a remediation would write do not fit the state (a defect, never input).
    #[error("the remediation could not be simulated: {0}")]
    Remediation(ApplyError),
    /// A principal the directory does not know.
    #[error("unknown principal `{0}`")]
    UnknownPrincipal(PrincipalId),
    /// A role definition the directory does not know.
    #[error("unknown role definition `{0}`")]
    UnknownRole(RoleDefinitionId),
    /// A group the directory does not know.
    #[error("unknown group `{0}`")]
    UnknownGroup(PrincipalId),
    /// A request the engine does not know.
    #[error("unknown request `{0}`")]
    UnknownRequest(RequestId),
    /// An id that is already taken (of any kind).
    #[error("duplicate id `{0}`")]
    DuplicateId(String),
    /// An input over a size limit.
    #[error("{0} exceeds the size limit")]
    TooLarge(&'static str),
    /// A field with a value outside its range.
    #[error("invalid `{field}`: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl CommandError {
    /// The Graph error code: always `InvalidRequest`.
    pub const fn code(&self) -> ErrorCode {
        ErrorCode::InvalidRequest
    }

    /// A malformed-input error from serde, keeping its position.
    pub fn json(e: &serde_json::Error) -> Self {
        use alloc::string::ToString;
        CommandError::Json {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    }
}

/// An event that cannot be applied to the state it was given to: a corrupt or foreign log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// A request event names a request the log never submitted.
    #[error("cannot apply event: unknown request `{0}`")]
    UnknownRequest(RequestId),
    /// A schedule event names a schedule the log never created.
    #[error("cannot apply event: unknown schedule `{0}`")]
    UnknownSchedule(ScheduleId),
    /// A review event names a review the log never created.
    #[error("cannot apply event: unknown access review `{0}`")]
    UnknownReview(ReviewId),
    /// A review event names an instance the review never started.
    #[error("cannot apply event: access review `{review}` has no instance {index}")]
    NoSuchInstance {
        /// The review.
        review: ReviewId,
        /// The instance number.
        index: u32,
    },
    /// A review decision for a principal the instance does not review.
    #[error("cannot apply event: `{0}` is not under review")]
    NotUnderReview(PrincipalId),
    /// A request id submitted twice.
    #[error("cannot apply event: duplicate request `{0}`")]
    DuplicateRequest(RequestId),
    /// A schedule id created twice.
    #[error("cannot apply event: duplicate schedule `{0}`")]
    DuplicateSchedule(ScheduleId),
    /// An access review id created twice.
    #[error("cannot apply event: duplicate access review `{0}`")]
    DuplicateReview(ReviewId),
    /// An access review created without an id.
    #[error("cannot apply event: an access review needs an id")]
    ReviewWithoutId,
    /// Role settings in the log that are out of range.
    #[error("cannot apply event: {0}")]
    Policy(#[from] PolicyError),
    /// An alert configuration in the log that is out of range.
    #[error("cannot apply event: {0}")]
    AlertConfig(#[from] crate::alerts::AlertConfigError),
    /// More requests, schedules or reviews than the engine can index.
    #[error("cannot apply event: too many {0}")]
    TooMany(&'static str),
}
