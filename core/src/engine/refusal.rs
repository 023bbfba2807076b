//! Refusals leave a trace: every command the engine refuses by its rules is recorded as a
//! `commandRefused` event (or, for a schedule request, `requestRejected`), so the audit trail
//! shows who attempted what, on what, and why it was refused.

use alloc::string::String;
use alloc::vec::Vec;

use super::commands::{CallContext, Command};
use crate::alerts::AlertId;
use crate::error::DecisionError;
use crate::event::{Event, RefusedAction};
use crate::id::{PrincipalId, RoleDefinitionId, ScopeId};
use crate::request::ReviewResult;
use crate::review::ReviewDecision;
use crate::schedule::normalise_scope;
use crate::time::Instant;
use crate::wire::ScheduleRequestBody;

/// What a command acted on, as far as the command itself says.
#[derive(Default)]
struct Target {
    id: Option<String>,
    principal: Option<PrincipalId>,
    role: Option<RoleDefinitionId>,
    scope: Option<ScopeId>,
}

impl Target {
    fn id(id: &str) -> Self {
        Target {
            id: Some(id.into()),
            ..Target::default()
        }
    }

    fn principal(principal: &PrincipalId) -> Self {
        Target {
            principal: Some(principal.clone()),
            ..Target::default()
        }
    }

    fn alert(alert: &AlertId) -> Self {
        Target::id(alert.as_str())
    }

    fn at(role: &RoleDefinitionId, scope: Option<ScopeId>) -> Self {
        Target {
            role: Some(role.clone()),
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
        target_id: target.id,
        principal_id: target.principal,
        role_definition_id: target.role,
        scope_id: target.scope,
        code: error.code,
        message: error.message.clone(),
    }
}

/// The action a command attempts, and what it names.
fn attempted(command: &Command) -> (RefusedAction, Target) {
    use RefusedAction as A;
    match command {
        Command::Request { body, .. } => (A::ScheduleRequest, request_target(body)),
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
        } => review_decision(review_id, principal_id, *decision),
        Command::StopReview { review_id } => (A::StopReview, Target::id(review_id)),
        Command::ResetReview { review_id } => (A::ResetReview, Target::id(review_id)),
        Command::ApplyReview { review_id } => (A::ApplyReview, Target::id(review_id)),
        Command::DeleteReview { review_id } => (A::DeleteReview, Target::id(review_id)),
        Command::CreateReview { definition: d } => (
            A::CreateReview,
            Target {
                id: d.id.as_deref().map(Into::into),
                ..Target::at(&d.role_definition_id, Some(d.scope_id.clone()))
            },
        ),
        Command::SetPolicy {
            role_definition_id,
            scope_id,
            ..
        } => (
            A::SetPolicy,
            Target::at(role_definition_id, Some(scope_id.clone())),
        ),
        Command::SetAuditRetention { .. } => (A::SetAuditRetention, Target::default()),
        Command::ImportDirectory { .. } => (A::ImportDirectory, Target::default()),
        Command::RecordSignIn { principal_id, .. } => {
            (A::RecordSignIn, Target::principal(principal_id))
        }
        Command::RecordOutsideAssignment { assignment: a } => (
            A::RecordOutsideAssignment,
            Target {
                principal: Some(a.principal_id.clone()),
                ..Target::at(
                    &a.role_definition_id,
                    scope(&a.directory_scope_id, &a.app_scope_id),
                )
            },
        ),
        Command::ConfigureAlert { alert_id, .. } => (A::ConfigureAlert, Target::alert(alert_id)),
        Command::DismissAlert { alert_id } => (A::DismissAlert, Target::alert(alert_id)),
        Command::RemediateAlert { alert_id, .. } => (A::RemediateAlert, Target::alert(alert_id)),
        Command::RefreshAlerts { alert_ids } => (A::RefreshAlerts, alerts(alert_ids)),
    }
}

/// What a schedule request names: its own id (when chosen), the principal, role and scope.
fn request_target(body: &ScheduleRequestBody) -> Target {
    Target {
        id: body.id.as_deref().map(Into::into),
        principal: Some(body.principal_id.clone()),
        ..Target::at(
            &body.role_definition_id,
            scope(&body.directory_scope_id, &body.app_scope_id),
        )
    }
}

/// The normalised scope, when the command's scope fields make one.
fn scope(directory: &Option<ScopeId>, app: &Option<String>) -> Option<ScopeId> {
    normalise_scope(directory.as_deref(), app.as_deref()).ok()
}

/// A reviewer's decision on one principal's access in a review.
fn review_decision(
    review: &str,
    principal: &PrincipalId,
    decision: ReviewDecision,
) -> (RefusedAction, Target) {
    let action = match decision {
        ReviewDecision::Approve => RefusedAction::ApproveAccess,
        ReviewDecision::Deny => RefusedAction::DenyAccess,
        _ => RefusedAction::DontKnowAccess,
    };
    let target = Target {
        principal: Some(principal.clone()),
        ..Target::id(review)
    };
    (action, target)
}

/// The alerts refreshed, comma-separated; none named means all.
fn alerts(ids: &[AlertId]) -> Target {
    let ids: Vec<&str> = ids.iter().map(|a| a.as_str()).collect();
    Target {
        id: (!ids.is_empty()).then(|| ids.join(",")),
        ..Target::default()
    }
}

/// A membership change: adding, removing, or both; the member when there is exactly one.
fn membership(group: &str, add: &[PrincipalId], remove: &[PrincipalId]) -> (RefusedAction, Target) {
    let action = match (add.is_empty(), remove.is_empty()) {
        (false, true) => RefusedAction::AddMembers,
        (true, false) => RefusedAction::RemoveMembers,
        _ => RefusedAction::ChangeMembers,
    };
    let mut members = add.iter().chain(remove);
    let principal = match (members.next(), members.next()) {
        (Some(only), None) => Some(only.clone()),
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
