//! The audit records of refused commands (`commandRefused`): result `failure`, the refusal's
//! code as the reason (as refused requests have it), the caller as `initiatedBy`, the objects
//! acted on, and the activity name of the action attempted, so a refused approval reads like
//! the approval it would have been.

use alloc::string::String;

use super::{About, AuditResult, Category, Draft, canceled_activity};
use crate::event::{Event, RefusedAction};
use crate::request::RequestRecord;
use crate::wire::Action;

/// The record of one refused command.
pub(super) fn refusal_records(d: &mut Draft<'_>, event: &Event) {
    let Event::CommandRefused {
        by,
        action,
        target_id,
        principal_id,
        role_definition_id,
        scope_id,
        code,
        ..
    } = event
    else {
        return;
    };
    let state = d.state;
    let target = target_id.as_deref();
    let request = target
        .filter(|_| on_request(*action))
        .and_then(|id| state.request_record(id));
    let review_role = target
        .filter(|_| on_review(*action))
        .and_then(|id| state.review(id))
        .map(|r| r.definition.role_definition_id.as_str());
    let (name, operation, category) = naming(*action, request);
    d.category = category;
    let group = matches!(
        action,
        RefusedAction::AddMembers | RefusedAction::RemoveMembers | RefusedAction::ChangeMembers
    );
    d.push(
        name,
        operation,
        AuditResult::Failure,
        About {
            reason: Some(code.as_str().into()),
            by: by.as_ref(),
            target: principal_id
                .as_deref()
                .or(request.map(|r| r.principal_id.as_str())),
            role: role_definition_id
                .as_deref()
                .or(request.map(|r| r.role_definition_id.as_str()))
                .or(review_role),
            scope: scope_id
                .as_deref()
                .or(request.map(|r| r.scope.as_str()))
                .or(target.filter(|_| group)),
            correlation: target.filter(|_| !group),
            schedule: request.and_then(|r| r.target_schedule_id.as_deref()),
            ticket: None,
        },
    );
}

fn on_request(action: RefusedAction) -> bool {
    use RefusedAction as A;
    matches!(
        action,
        A::ApproveRequest | A::DenyRequest | A::CancelRequest
    )
}

fn on_review(action: RefusedAction) -> bool {
    use RefusedAction as A;
    matches!(
        action,
        A::ApproveAccess
            | A::DenyAccess
            | A::DontKnowAccess
            | A::StopReview
            | A::ResetReview
            | A::ApplyReview
            | A::DeleteReview
    )
}

/// The activity name, operation type and category of a refused action: Entra's name for the
/// action attempted (as PIM's audit history shows it), with the verb's operation type.
fn naming(
    action: RefusedAction,
    request: Option<&RequestRecord>,
) -> (String, &'static str, Category) {
    use RefusedAction as A;
    let role = Category::RoleManagement;
    let user = Category::UserManagement;
    let activation = request.is_none_or(|r| r.action == Action::SelfActivate);
    let (name, operation, category): (&str, _, _) = match action {
        A::ApproveRequest if activation => (
            "Add member to role request approved (PIM activation)",
            "Update",
            role,
        ),
        A::ApproveRequest => (
            "Update member in PIM approved by admin (extend/renew)",
            "Update",
            role,
        ),
        A::DenyRequest if activation => (
            "Add member to role request denied (PIM activation)",
            "Update",
            role,
        ),
        A::DenyRequest => (
            "Update member in PIM denied by admin (extend/renew)",
            "Update",
            role,
        ),
        A::CancelRequest => match request {
            Some(r) => return (canceled_activity(r), "Update", role),
            None => (
                "Add member to role canceled (PIM activation)",
                "Update",
                role,
            ),
        },
        A::SetPolicy => ("Update role setting in PIM", "Update", role),
        A::SetAuditRetention => ("Update audit retention in PIM", "Update", role),
        A::ConfigureAlert => ("Update PIM alert setting", "Update", role),
        A::DismissAlert => ("Deactivate PIM alert", "Update", role),
        A::RefreshAlerts => ("Refresh PIM alert", "Update", role),
        A::RemediateAlert => ("Remediate PIM alert", "Update", role),
        A::RecordOutsideAssignment => ("Add member to role outside of PIM", "Assign", role),
        A::AddMembers => ("Add member to group", "Assign", Category::GroupManagement),
        A::RemoveMembers => (
            "Remove member from group",
            "Unassign",
            Category::GroupManagement,
        ),
        A::ChangeMembers => ("Update group", "Update", Category::GroupManagement),
        A::ImportDirectory => ("Import directory objects", "Add", user),
        A::RecordSignIn => ("Sign-in recorded", "Update", user),
        A::CreateReview => ("Create access review", "Add", user),
        A::ApproveAccess => ("Approve decision", "Update", user),
        A::DenyAccess => ("Deny decision", "Update", user),
        A::DontKnowAccess => ("Don't know decision", "Update", user),
        A::StopReview => ("Stop access review", "Update", user),
        A::ResetReview => ("Reset decision", "Update", user),
        A::ApplyReview => ("Apply decision", "Update", user),
        A::DeleteReview => ("Delete access review", "Delete", user),
        A::ScheduleRequest => ("Process request", "Update", role),
    };
    (name.into(), operation, category)
}
