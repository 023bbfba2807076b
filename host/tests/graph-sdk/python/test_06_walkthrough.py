"""The Exchange Administrator walkthrough end to end through the Python SDKs (v1.0 and beta),
one step per test, in order (each step uses what the earlier ones stored in WALK):

1. Aymen makes User1 eligible for Exchange Administrator at an administrative unit, for a month
   (the demo seed already made User1 eligible tenant-wide).
2. User1 activates at that administrative unit for 8 hours with a reason.
3. Aymen requires approval on the role (the Approval_EndUser_Assignment rule, Aymen approver).
4. User1 requests the role tenant-wide: PendingApproval, with an approvalId. (A second scope,
   not ending the first activation: neither the user nor an administrator can end an
   assignment within 5 minutes of its start.)
5. User1 may neither read nor answer the approval; Aymen finds it as approver.
6. Aymen approves the waiting step with a justification.
7. The request is Provisioned; User1's roleAssignmentScheduleInstances show the activation.
8. directoryAudits show each step.

Graph reference: https://learn.microsoft.com/graph/tutorial-assign-azureadroles and
https://learn.microsoft.com/graph/api/resources/approval?view=graph-rest-beta
"""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from msgraph.generated.models.approval_settings import ApprovalSettings
from msgraph.generated.models.request_schedule import RequestSchedule
from msgraph.generated.models.single_user import SingleUser
from msgraph.generated.models.unified_approval_stage import UnifiedApprovalStage
from msgraph.generated.models.unified_role_eligibility_schedule_request import (
    UnifiedRoleEligibilityScheduleRequest,
)
from msgraph.generated.models.unified_role_management_policy_approval_rule import (
    UnifiedRoleManagementPolicyApprovalRule,
)
from msgraph.generated.models.unified_role_schedule_request_actions import (
    UnifiedRoleScheduleRequestActions,
)
from msgraph_beta.generated.models.approval_step import ApprovalStep

from graph import (
    EXCHANGE_ADMIN,
    assert_error,
    exchange_admin_policy_id,
    expiration,
    odata_error,
    query,
    run,
    self_activation,
)

UNIT = f"/administrativeUnits/{uuid.uuid4()}"
WALK: dict = {"started": datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=1)}


def need(key: str) -> str:
    """What an earlier step stored; this step cannot run without it."""
    if key not in WALK:
        pytest.fail(f"an earlier step did not get as far as storing {key!r}")
    return WALK[key]


def activations_of_user1(user1):
    builder = (
        user1.role_management.directory.role_assignment_schedule_instances
        .filter_by_current_user_with_on("principal")
    )
    return [
        i for i in run(builder.get()).value
        if i.role_definition_id == EXCHANGE_ADMIN and i.assignment_type == "Activated"
    ]


def test_1_aymen_makes_user1_eligible_at_an_administrative_unit_for_a_month(aymen):
    requests = aymen.role_management.directory.role_eligibility_schedule_requests
    body = UnifiedRoleEligibilityScheduleRequest(
        action=UnifiedRoleScheduleRequestActions.AdminAssign,
        principal_id="user1",
        role_definition_id=EXCHANGE_ADMIN,
        directory_scope_id=UNIT,
        justification="Exchange migration, Paris unit",
        schedule_info=RequestSchedule(expiration=expiration(iso="P30D")),
    )
    created = run(requests.post(body))
    assert created.status == "Provisioned"
    assert (created.principal_id, created.directory_scope_id) == ("user1", UNIT)
    assert created.created_by.user.id == "aymen"
    assert created.schedule_info.expiration.duration == timedelta(days=30)
    schedules = aymen.role_management.directory.role_eligibility_schedules
    schedule = run(schedules.by_unified_role_eligibility_schedule_id(created.target_schedule_id).get())
    assert schedule.directory_scope_id == UNIT
    info = schedule.schedule_info
    assert info.start_date_time >= WALK["started"]
    assert info.expiration.end_date_time - info.start_date_time == timedelta(days=30)
    WALK["eligibility"] = created.id


def test_2_user1_activates_at_the_unit_for_8_hours_with_a_reason(user1, aymen):
    requests = user1.role_management.directory.role_assignment_schedule_requests
    created = run(requests.post(self_activation(iso="PT8H", scope=UNIT)))
    assert created.status == "Provisioned"
    assert created.justification == "Fix mail flow"
    active = [i for i in activations_of_user1(user1) if i.directory_scope_id == UNIT]
    assert len(active) == 1
    assert active[0].end_date_time - active[0].start_date_time == timedelta(hours=8)
    assert active[0].member_type == "Direct"
    grants = aymen.role_management.directory.role_assignments
    granted = run(grants.get(query(grants, filter="principalId eq 'user1'"))).value
    assert [(g.role_definition_id, g.directory_scope_id) for g in granted] == [(EXCHANGE_ADMIN, UNIT)]
    WALK["activation"] = created.id


def approval_rule():
    stage = UnifiedApprovalStage(
        approval_stage_time_out_in_days=1,
        is_approver_justification_required=True,
        escalation_time_in_minutes=0,
        is_escalation_enabled=False,
        primary_approvers=[SingleUser(user_id="aymen", description="Aymen")],
        escalation_approvers=[],
    )
    return UnifiedRoleManagementPolicyApprovalRule(
        id="Approval_EndUser_Assignment",
        setting=ApprovalSettings(
            is_approval_required=True,
            is_approval_required_for_extension=False,
            is_requestor_justification_required=True,
            approval_mode="SingleStage",
            approval_stages=[stage],
        ),
    )


def test_3_aymen_requires_approval_on_the_role(aymen, wire):
    item = (
        aymen.policies.role_management_policies
        .by_unified_role_management_policy_id(exchange_admin_policy_id(aymen))
        .rules.by_unified_role_management_policy_rule_id("Approval_EndUser_Assignment")
    )
    run(item.patch(approval_rule()))
    sent = wire.last("PATCH", "Approval_EndUser_Assignment").request_body
    assert sent["@odata.type"] == "#microsoft.graph.unifiedRoleManagementPolicyApprovalRule"
    approver = sent["setting"]["approvalStages"][0]["primaryApprovers"][0]
    assert approver == {
        "@odata.type": "#microsoft.graph.singleUser", "description": "Aymen", "userId": "aymen",
    }
    rule = run(item.get())
    assert isinstance(rule, UnifiedRoleManagementPolicyApprovalRule)
    assert rule.setting.is_approval_required is True
    assert rule.setting.approval_mode == "SingleStage"
    approvers = rule.setting.approval_stages[0].primary_approvers
    assert [(type(a), a.user_id) for a in approvers] == [(SingleUser, "aymen")]


def test_4_user1_requests_again_and_waits_for_approval(user1):
    requests = user1.role_management.directory.role_assignment_schedule_requests
    created = run(requests.post(
        self_activation(iso="PT4H", justification="Mailbox restore for the legal team")
    ))
    assert created.status == "PendingApproval"
    assert created.approval_id == created.id
    got = run(requests.by_unified_role_assignment_schedule_request_id(created.id).get())
    assert (got.status, got.approval_id) == ("PendingApproval", created.id)
    assert not [i for i in activations_of_user1(user1) if i.directory_scope_id == "/"]
    WALK["pending"] = created.id


def test_5_user1_may_not_read_or_answer_the_approval(user1_beta):
    approval = user1_beta.role_management.directory.role_assignment_approvals.by_approval_id(
        need("pending")
    )
    assert_error(odata_error(approval.get()), 403, "Authorization_RequestDenied")
    mine = run(
        user1_beta.role_management.directory.role_assignment_approvals
        .filter_by_current_user_with_on("approver").get()
    )
    assert need("pending") not in [a.id for a in mine.value]


def test_6_aymen_finds_it_as_approver_with_its_waiting_step(aymen_beta):
    approvals = aymen_beta.role_management.directory.role_assignment_approvals
    mine = run(approvals.filter_by_current_user_with_on("approver").get())
    assert need("pending") in [a.id for a in mine.value]
    approval = run(approvals.by_approval_id(need("pending")).get())
    assert approval.id == need("pending")
    assert len(approval.steps) == 1
    step = approval.steps[0]
    uuid.UUID(step.id)
    assert (step.status, step.review_result, step.assigned_to_me) == (
        "InProgress", "NotReviewed", True,
    )
    WALK["step"] = step.id


def test_7_user1_cannot_answer_the_step(user1_beta):
    step = (
        user1_beta.role_management.directory.role_assignment_approvals
        .by_approval_id(need("pending")).steps.by_approval_step_id(need("step"))
    )
    err = odata_error(step.patch(ApprovalStep(review_result="Approve", justification="self")))
    assert_error(err, 403, "AuthorizationFailed")


def test_8_an_unknown_step_is_refused(aymen_beta):
    step = (
        aymen_beta.role_management.directory.role_assignment_approvals
        .by_approval_id(need("pending")).steps.by_approval_step_id(str(uuid.uuid4()))
    )
    err = odata_error(step.patch(ApprovalStep(review_result="Approve", justification="x")))
    assert_error(err, 404, "ResourceNotFound")


def test_9_aymen_approves_with_a_justification(aymen_beta, wire):
    approvals = aymen_beta.role_management.directory.role_assignment_approvals
    step = approvals.by_approval_id(need("pending")).steps.by_approval_step_id(need("step"))
    reason = "Ticket INC-42 confirms the restore"
    assert run(step.patch(ApprovalStep(review_result="Approve", justification=reason))) is None
    sent = wire.last("PATCH", "/steps/")
    assert sent.request_body == {"justification": reason, "reviewResult": "Approve"}
    assert sent.status == 204
    answered = run(approvals.by_approval_id(need("pending")).get()).steps[0]
    assert (answered.review_result, answered.justification) == ("Approved", reason)
    assert answered.status == "Completed"
    assert answered.reviewed_by.id == "aymen"
    assert answered.reviewed_date_time is not None


def test_10_the_request_is_provisioned_and_user1_is_active(user1):
    requests = user1.role_management.directory.role_assignment_schedule_requests
    got = run(requests.by_unified_role_assignment_schedule_request_id(need("pending")).get())
    assert got.status == "Provisioned"
    tenant_wide = [i for i in activations_of_user1(user1) if i.directory_scope_id == "/"]
    assert len(tenant_wide) == 1
    assert tenant_wide[0].end_date_time - tenant_wide[0].start_date_time == timedelta(hours=4)


def audits(client, flt):
    builder = client.audit_logs.directory_audits
    return run(builder.get(query(builder, filter=flt, orderby=["activityDateTime asc"]))).value


def test_11_directory_audits_show_each_step(aymen):
    since = WALK["started"].strftime("%Y-%m-%dT%H:%M:%SZ")
    by_user1 = [
        a.activity_display_name
        for a in audits(aymen, f"activityDateTime ge {since} and initiatedBy/user/id eq 'user1'")
    ]
    for name in (
        "Add member to role requested (PIM activation)",
        "Add member to role approval requested (PIM activation)",
    ):
        assert name in by_user1, by_user1
    by_aymen = [
        a.activity_display_name
        for a in audits(aymen, f"activityDateTime ge {since} and initiatedBy/user/id eq 'aymen'")
    ]
    for name in (
        "Add eligible member to role in PIM requested (timebound)",
        "Update role setting in PIM",
        "Add member to role request approved (PIM activation)",
    ):
        assert name in by_aymen, by_aymen
    everything = [a.activity_display_name for a in audits(aymen, f"activityDateTime ge {since}")]
    assert everything.count("Add member to role completed (PIM activation)") == 2, everything
    approved = audits(
        aymen, "activityDisplayName eq 'Add member to role request approved (PIM activation)'"
    )
    assert approved and approved[-1].initiated_by.user.id == "aymen"
    assert approved[-1].category == "RoleManagement"
    assert approved[-1].result.value == "success"
    assert approved[-1].logged_by_service == "PIM"
