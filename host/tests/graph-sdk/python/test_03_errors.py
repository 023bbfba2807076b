"""Graph's errors, parsed by the SDK as ODataError with their status and code.

Graph reference: https://learn.microsoft.com/graph/errors
"""

import uuid
from datetime import timedelta

from msgraph.generated.models.unified_role_management_policy_enablement_rule import (
    UnifiedRoleManagementPolicyEnablementRule,
)

from graph import (
    assert_error,
    exchange_admin_policy_id,
    make_client,
    odata_error,
    run,
    self_activation,
)


def test_unknown_request_id_is_404(aymen):
    missing = str(uuid.uuid4())
    for builder in (
        aymen.role_management.directory.role_assignment_schedule_requests
        .by_unified_role_assignment_schedule_request_id(missing),
        aymen.role_management.directory.role_eligibility_schedule_requests
        .by_unified_role_eligibility_schedule_request_id(missing),
    ):
        assert_error(odata_error(builder.get()), 404, "ResourceNotFound")


def test_unknown_schedule_instance_definition_and_assignment_ids_are_404(aymen):
    missing = str(uuid.uuid4())
    d = aymen.role_management.directory
    for builder in (
        d.role_assignment_schedules.by_unified_role_assignment_schedule_id(missing),
        d.role_eligibility_schedules.by_unified_role_eligibility_schedule_id(missing),
        d.role_assignment_schedule_instances.by_unified_role_assignment_schedule_instance_id(missing),
        d.role_eligibility_schedule_instances.by_unified_role_eligibility_schedule_instance_id(missing),
        d.role_definitions.by_unified_role_definition_id(missing),
        d.role_assignments.by_unified_role_assignment_id(missing),
        aymen.audit_logs.directory_audits.by_directory_audit_id(missing),
        aymen.policies.role_management_policies.by_unified_role_management_policy_id(missing),
    ):
        assert_error(odata_error(builder.get()), 404, "ResourceNotFound")


def test_unknown_rule_id_is_404(aymen):
    policy = aymen.policies.role_management_policies.by_unified_role_management_policy_id(
        exchange_admin_policy_id(aymen)
    )
    err = odata_error(policy.rules.by_unified_role_management_policy_rule_id("No_Such_Rule").get())
    assert_error(err, 404, "ResourceNotFound")


def test_no_token_is_401(anonymous):
    err = odata_error(anonymous.role_management.directory.role_definitions.get())
    assert_error(err, 401, "InvalidAuthenticationToken")


def test_unknown_token_is_401():
    stranger = make_client("anonymous", token="not-a-demo-token")
    err = odata_error(stranger.role_management.directory.role_assignment_schedule_requests.get())
    assert_error(err, 401, "InvalidAuthenticationToken")


def test_user1_patching_a_rule_is_403(aymen, user1):
    policy_id = exchange_admin_policy_id(aymen)
    rule = UnifiedRoleManagementPolicyEnablementRule(
        id="Enablement_EndUser_Assignment", enabled_rules=[],
    )
    err = odata_error(
        user1.policies.role_management_policies.by_unified_role_management_policy_id(policy_id)
        .rules.by_unified_role_management_policy_rule_id("Enablement_EndUser_Assignment")
        .patch(rule)
    )
    assert_error(err, 403, "AuthorizationFailed")
    # Nothing changed.
    kept = run(
        aymen.policies.role_management_policies.by_unified_role_management_policy_id(policy_id)
        .rules.by_unified_role_management_policy_rule_id("Enablement_EndUser_Assignment").get()
    )
    assert "Justification" in kept.enabled_rules


def test_activation_longer_than_the_maximum_is_a_policy_refusal(user1):
    err = odata_error(
        user1.role_management.directory.role_assignment_schedule_requests.post(
            self_activation(iso="PT9H")
        )
    )
    assert_error(err, 400, "RoleAssignmentRequestPolicyValidationFailed")
    assert "ExpirationRule" in err.error.message


def test_activation_without_justification_is_a_policy_refusal(user1):
    err = odata_error(
        user1.role_management.directory.role_assignment_schedule_requests.post(
            self_activation(iso="PT1H", justification=None)
        )
    )
    assert_error(err, 400, "RoleAssignmentRequestPolicyValidationFailed")
    assert "JustificationRule" in err.error.message


def test_typed_timedelta_duration_is_400_naming_the_literal(user1, wire):
    """msgraph-sdk-python writes a timedelta as str(timedelta) ("4:00:00"), not ISO 8601;
    Graph refuses it (msgraph-sdk-python#1262) and so does pim, saying why."""
    err = odata_error(
        user1.role_management.directory.role_assignment_schedule_requests.post(
            self_activation(duration=timedelta(hours=4))
        )
    )
    sent = wire.last("POST", "roleAssignmentScheduleRequests").request_body
    assert sent["scheduleInfo"]["expiration"]["duration"] == "4:00:00"
    assert_error(err, 400, "BadRequest")
    assert "4:00:00" in err.error.message
    assert "ISO 8601" in err.error.message


def test_mismatched_rule_id_in_the_body_is_400(aymen):
    policy_id = exchange_admin_policy_id(aymen)
    rule = UnifiedRoleManagementPolicyEnablementRule(
        id="Enablement_Admin_Assignment", enabled_rules=["Justification"],
    )
    err = odata_error(
        aymen.policies.role_management_policies.by_unified_role_management_policy_id(policy_id)
        .rules.by_unified_role_management_policy_rule_id("Enablement_EndUser_Assignment")
        .patch(rule)
    )
    assert_error(err, 400, "InvalidRequest")



def test_unknown_route_is_404_naming_the_segment(aymen):
    from graph import server_root

    builder = aymen.role_management.directory.role_definitions.with_url(
        f"{server_root()}/v1.0/roleManagement/directory/noSuchCollection"
    )
    err = odata_error(builder.get())
    assert_error(err, 404, "ResourceNotFound")
    assert "noSuchCollection" in err.error.message
