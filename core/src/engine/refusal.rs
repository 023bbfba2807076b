//! Refusals leave a trace: every command the engine refuses by its rules is recorded as a
//! `commandRefused` event (or, for a schedule request, `requestRejected`), so the audit trail
//! shows who attempted what, on what, and why it was refused.

use alloc::string::String;

use super::commands::{CallContext, Command};
use crate::alerts::AlertId;
use crate::error::DecisionError;
use crate::event::{Event, RefusedAction};
use crate::id::{PrincipalId, RoleDefinitionId, ScopeId};
use crate::request::ReviewResult;
use crate::review::ReviewDecision;
use crate::time::Instant;

/// What a command acted on, as far as the command itself says (borrowed from it; the event
/// copies these ids once).
#[derive(Default)]
struct Target<'a> {
    id: Option<&'a str>,
    principal: Option<&'a str>,
    role: Option<&'a str>,
    scope: Option<&'a str>,
}

impl<'a> Target<'a> {
    fn id(id: &'a str) -> Self {
        Target {
            id: Some(id),
            ..Target::default()
        }
    }

    fn principal(principal: &'a str) -> Self {
        Target {
            principal: Some(principal),
            ..Target::default()
        }
    }

    fn at(role: &'a str, scope: Option<&'a str>) -> Self {
        Target {
            role: Some(role),
            scope,
            ..Target::default()
        }
    }
}

/// Whether a refusal of `command` leaves a record: everything but a dry run
/// (`isValidationOnly`), which changes nothing and leaves no record either way.
pub(super) fn is_audited(command: &Command) -> bool {
    !matches!(command, Command::Request { body, .. } if body.is_validation_only)
}

/// The `commandRefused` event of `command`, refused with `error` at `now`. It names the
/// objects the command names (ids only, never a copied body), so the record stays small.
pub(super) fn refused_event(
    command: &Command,
    ctx: &CallContext,
    error: &DecisionError,
    now: Instant,
) -> Event {
    let (action, target) = attempted(command);
    Event::CommandRefused {
        at: now,
        by: ctx.caller.clone(),
        action,
        target_id: target.id.map(String::from),
        principal_id: target.principal.map(PrincipalId::from),
        role_definition_id: target.role.map(RoleDefinitionId::from),
        scope_id: target.scope.map(ScopeId::from),
        code: error.code,
        message: error.message.clone(),
    }
}

/// The action a command attempts, and what it names.
fn attempted(command: &Command) -> (RefusedAction, Target<'_>) {
    use RefusedAction as A;
    match command {
        Command::Request { body, .. } => (
            A::ScheduleRequest,
            Target {
                id: body.id.as_deref(),
                principal: Some(&body.principal_id),
                ..Target::at(&body.role_definition_id, body.directory_scope_id.as_deref())
            },
        ),
        Command::Decide {
            request_id,
            review_result: ReviewResult::Deny,
            ..
        } => (A::DenyRequest, Target::id(request_id)),
        Command::Decide { request_id, .. } => (A::ApproveRequest, Target::id(request_id)),
        Command::Cancel { request_id } => (A::CancelRequest, Target::id(request_id)),
        Command::ChangeMembership {
            group_id,
            add,
            remove,
        } => membership(group_id, add, remove),
        Command::DecideReview {
            review_id,
            principal_id,
            decision,
            ..
        } => (
            match decision {
                ReviewDecision::Approve => A::ApproveAccess,
                ReviewDecision::Deny => A::DenyAccess,
                _ => A::DontKnowAccess,
            },
            Target {
                principal: Some(principal_id),
                ..Target::id(review_id)
            },
        ),
        Command::StopReview { review_id } => (A::StopReview, Target::id(review_id)),
        Command::ResetReview { review_id } => (A::ResetReview, Target::id(review_id)),
        Command::ApplyReview { review_id } => (A::ApplyReview, Target::id(review_id)),
        Command::DeleteReview { review_id } => (A::DeleteReview, Target::id(review_id)),
        Command::CreateReview { definition: d } => (
            A::CreateReview,
            Target {
                id: d.id.as_deref(),
                ..Target::at(&d.role_definition_id, Some(&d.scope_id))
            },
        ),
        Command::SetPolicy {
            role_definition_id,
            scope_id,
            ..
        } => (A::SetPolicy, Target::at(role_definition_id, Some(scope_id))),
        Command::SetAuditRetention { .. } => (A::SetAuditRetention, Target::default()),
        Command::ImportDirectory { .. } => (A::ImportDirectory, Target::default()),
        Command::RecordSignIn { principal_id, .. } => {
            (A::RecordSignIn, Target::principal(principal_id))
        }
        Command::RecordOutsideAssignment { assignment: a } => (
            A::RecordOutsideAssignment,
            Target {
                principal: Some(&a.principal_id),
                ..Target::at(&a.role_definition_id, a.directory_scope_id.as_deref())
            },
        ),
        Command::ConfigureAlert { alert_id, .. } => (A::ConfigureAlert, alert(alert_id)),
        Command::DismissAlert { alert_id } => (A::DismissAlert, alert(alert_id)),
        Command::RemediateAlert { alert_id, .. } => (A::RemediateAlert, alert(alert_id)),
        Command::RefreshAlerts { alert_ids } => match alert_ids.as_slice() {
            [only] => (A::RefreshAlerts, alert(only)),
            _ => (A::RefreshAlerts, Target::default()),
        },
    }
}

fn alert(alert: &AlertId) -> Target<'static> {
    Target::id(alert.as_str())
}

/// A membership change: adding, removing, or both; the member when there is exactly one.
fn membership<'a>(
    group: &'a str,
    add: &'a [PrincipalId],
    remove: &'a [PrincipalId],
) -> (RefusedAction, Target<'a>) {
    let action = match (add.is_empty(), remove.is_empty()) {
        (false, true) => RefusedAction::AddMembers,
        (true, false) => RefusedAction::RemoveMembers,
        _ => RefusedAction::ChangeMembers,
    };
    let mut members = add.iter().chain(remove);
    let principal = match (members.next(), members.next()) {
        (Some(only), None) => Some(only.as_str()),
        _ => None,
    };
    (
        action,
        Target {
            principal,
            ..Target::id(group)
        },
    )
}
