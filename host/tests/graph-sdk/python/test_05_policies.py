"""Role settings as Graph exposes them: policy assignments, policies with their rules, one rule
read and changed with the SDK's typed rule models.

Graph reference:
https://learn.microsoft.com/graph/identity-governance-pim-rules-overview
https://learn.microsoft.com/graph/api/unifiedrolemanagementpolicyrule-update
"""

from datetime import timedelta
from urllib.parse import unquote

from msgraph.generated.models.unified_role_management_policy import UnifiedRoleManagementPolicy
from msgraph.generated.models.unified_role_management_policy_enablement_rule import (
    UnifiedRoleManagementPolicyEnablementRule,
)
from msgraph.generated.models.unified_role_management_policy_expiration_rule import (
    UnifiedRoleManagementPolicyExpirationRule,
)

from graph import EXCHANGE_ADMIN, exchange_admin_policy_id, query, run

ASSIGNMENT_FILTER = (
    "scopeId eq '/' and scopeType eq 'DirectoryRole' "
    f"and roleDefinitionId eq '{EXCHANGE_ADMIN}'"
)


def rules_by_id(rules):
    return {r.id: r for r in rules}


def assert_seeded_rules(rules):
    by_id = rules_by_id(rules)
    expiration = by_id["Expiration_EndUser_Assignment"]
    assert isinstance(expiration, UnifiedRoleManagementPolicyExpirationRule)
    assert expiration.is_expiration_required is True
    assert expiration.maximum_duration == timedelta(hours=8)
    enablement = by_id["Enablement_EndUser_Assignment"]
    assert isinstance(enablement, UnifiedRoleManagementPolicyEnablementRule)
    assert "Justification" in enablement.enabled_rules
    assert "Approval_EndUser_Assignment" in by_id


def test_policy_assignment_discovery_with_expanded_rules(aymen, wire):
    builder = aymen.policies.role_management_policy_assignments
    found = run(builder.get(query(
        builder, filter=ASSIGNMENT_FILTER, expand=["policy($expand=rules)"],
    )))
    url = unquote(wire.last("GET", "roleManagementPolicyAssignments").url)
    assert "$expand=policy($expand=rules)" in url, url
    assert len(found.value) == 1
    assignment = found.value[0]
    assert (assignment.scope_id, assignment.scope_type, assignment.role_definition_id) == (
        "/", "DirectoryRole", EXCHANGE_ADMIN,
    )
    assert assignment.policy_id
    assert isinstance(assignment.policy, UnifiedRoleManagementPolicy)
    assert assignment.policy.id == assignment.policy_id
    assert_seeded_rules(assignment.policy.rules)

    got = run(builder.by_unified_role_management_policy_assignment_id(assignment.id).get())
    assert (got.id, got.policy_id) == (assignment.id, assignment.policy_id)


def test_policies_list_filter_and_get_with_rules(aymen):
    policy_id = exchange_admin_policy_id(aymen)
    builder = aymen.policies.role_management_policies
    listed = run(builder.get(query(
        builder, filter="scopeId eq '/' and scopeType eq 'DirectoryRole'",
    )))
    assert policy_id in [p.id for p in listed.value]
    assert all((p.scope_id, p.scope_type) == ("/", "DirectoryRole") for p in listed.value)
    item = builder.by_unified_role_management_policy_id(policy_id)
    policy = run(item.get(query(item, expand=["rules"])))
    assert policy.id == policy_id
    assert_seeded_rules(policy.rules)
    rules = run(item.rules.get())
    assert sorted(rules_by_id(rules.value)) == sorted(rules_by_id(policy.rules))


def test_rules_carry_their_target(aymen):
    rules = run(
        aymen.policies.role_management_policies
        .by_unified_role_management_policy_id(exchange_admin_policy_id(aymen)).rules.get()
    )
    target = rules_by_id(rules.value)["Expiration_EndUser_Assignment"].target
    assert (target.caller, target.level) == ("EndUser", "Assignment")


def test_one_rule_get_and_typed_patch(aymen, wire):
    """Administrators' eligibility maximum raised to 180 days; maximumDuration goes through
    additional_data as ISO 8601 (the typed timedelta would be written as "180 days, 0:00:00")."""
    item = (
        aymen.policies.role_management_policies
        .by_unified_role_management_policy_id(exchange_admin_policy_id(aymen))
        .rules.by_unified_role_management_policy_rule_id("Expiration_Admin_Eligibility")
    )
    rule = run(item.get())
    assert isinstance(rule, UnifiedRoleManagementPolicyExpirationRule)
    assert rule.id == "Expiration_Admin_Eligibility"
    change = UnifiedRoleManagementPolicyExpirationRule(
        id="Expiration_Admin_Eligibility", is_expiration_required=True,
    )
    change.additional_data = {"maximumDuration": "P180D"}
    run(item.patch(change))
    sent = wire.last("PATCH", "Expiration_Admin_Eligibility")
    assert sent.request_body == {
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule",
        "id": "Expiration_Admin_Eligibility",
        "isExpirationRequired": True,
        "maximumDuration": "P180D",
    }
    assert sent.status in (200, 204)
    after = run(item.get())
    assert after.is_expiration_required is True
    assert after.maximum_duration == timedelta(days=180)
