"""Every list, get and filterByCurrentUser(on='principal') the contract serves, read through the
v1.0 SDK's typed builders over the demo tenant as seeded (nothing in this file writes).

Graph reference: https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagementv3-overview
"""

from datetime import timedelta

from msgraph.generated.models.unified_role_assignment import UnifiedRoleAssignment
from msgraph.generated.models.unified_role_assignment_schedule import UnifiedRoleAssignmentSchedule
from msgraph.generated.models.unified_role_assignment_schedule_instance import (
    UnifiedRoleAssignmentScheduleInstance,
)
from msgraph.generated.models.unified_role_definition import UnifiedRoleDefinition
from msgraph.generated.models.unified_role_eligibility_schedule import UnifiedRoleEligibilitySchedule
from msgraph.generated.models.unified_role_eligibility_schedule_instance import (
    UnifiedRoleEligibilityScheduleInstance,
)
from msgraph.generated.models.unified_role_eligibility_schedule_request import (
    UnifiedRoleEligibilityScheduleRequest,
)

from graph import EXCHANGE_ADMIN, GLOBAL_ADMIN, run


def has_context(response) -> None:
    """Every answer carries `@odata.context` (the SDK keeps it in additional_data)."""
    assert "@odata.context" in (response.additional_data or {}), response.additional_data


def seed_eligibility(items):
    """The demo's eligibility: User1 for Exchange Administrator at the tenant scope."""
    found = [
        i
        for i in items
        if i.principal_id == "user1"
        and i.role_definition_id == EXCHANGE_ADMIN
        and i.directory_scope_id == "/"
    ]
    assert found, [(i.principal_id, i.role_definition_id, i.directory_scope_id) for i in items]
    return found[0]


def test_eligibility_requests_list_get_and_mine(aymen, user1):
    builder = aymen.role_management.directory.role_eligibility_schedule_requests
    listed = run(builder.get())
    has_context(listed)
    request = seed_eligibility(listed.value)
    assert isinstance(request, UnifiedRoleEligibilityScheduleRequest)
    assert request.status == "Provisioned"
    assert request.action.value == "adminAssign"
    assert request.justification == "Exchange migration project"
    assert request.app_scope_id is None
    assert request.created_by.user.id == "aymen"
    assert request.created_date_time is not None
    assert request.target_schedule_id == request.id
    expiration = request.schedule_info.expiration
    assert expiration.type.value == "afterDuration"
    assert expiration.duration == timedelta(days=30)
    assert request.schedule_info.start_date_time is not None

    got = run(builder.by_unified_role_eligibility_schedule_request_id(request.id).get())
    has_context(got)
    assert (got.id, got.principal_id, got.status) == (request.id, "user1", "Provisioned")

    mine = run(
        user1.role_management.directory.role_eligibility_schedule_requests
        .filter_by_current_user_with_on("principal").get()
    )
    assert request.id in [r.id for r in mine.value]
    assert all(r.principal_id == "user1" for r in mine.value)
    theirs = run(builder.filter_by_current_user_with_on("principal").get())
    assert request.id not in [r.id for r in theirs.value]


def test_eligibility_schedules_list_get_and_mine(aymen, user1):
    builder = aymen.role_management.directory.role_eligibility_schedules
    listed = run(builder.get())
    has_context(listed)
    schedule = seed_eligibility(listed.value)
    assert isinstance(schedule, UnifiedRoleEligibilitySchedule)
    assert schedule.member_type == "Direct"
    assert schedule.status == "Provisioned"
    info = schedule.schedule_info
    assert info.expiration.end_date_time - info.start_date_time == timedelta(days=30)

    got = run(builder.by_unified_role_eligibility_schedule_id(schedule.id).get())
    has_context(got)
    assert (got.id, got.principal_id, got.role_definition_id) == (
        schedule.id, "user1", EXCHANGE_ADMIN,
    )
    mine = run(
        user1.role_management.directory.role_eligibility_schedules
        .filter_by_current_user_with_on("principal").get()
    )
    assert schedule.id in [s.id for s in mine.value]
    assert all(s.principal_id == "user1" for s in mine.value)


def test_eligibility_instances_list_get_and_mine(aymen, user1):
    builder = aymen.role_management.directory.role_eligibility_schedule_instances
    listed = run(builder.get())
    has_context(listed)
    instance = seed_eligibility(listed.value)
    assert isinstance(instance, UnifiedRoleEligibilityScheduleInstance)
    assert instance.member_type == "Direct"
    assert instance.end_date_time - instance.start_date_time == timedelta(days=30)
    assert instance.role_eligibility_schedule_id

    got = run(builder.by_unified_role_eligibility_schedule_instance_id(instance.id).get())
    has_context(got)
    assert (got.id, got.principal_id) == (instance.id, "user1")
    mine = run(
        user1.role_management.directory.role_eligibility_schedule_instances
        .filter_by_current_user_with_on("principal").get()
    )
    assert instance.id in [i.id for i in mine.value]


def aymen_global_admin(items):
    found = [
        i for i in items
        if i.principal_id == "aymen" and i.role_definition_id == GLOBAL_ADMIN
    ]
    assert found, [(i.principal_id, i.role_definition_id) for i in items]
    return found[0]


def test_assignment_schedules_list_get_and_mine(aymen, user1):
    builder = aymen.role_management.directory.role_assignment_schedules
    listed = run(builder.get())
    has_context(listed)
    schedule = aymen_global_admin(listed.value)
    assert isinstance(schedule, UnifiedRoleAssignmentSchedule)
    assert schedule.assignment_type == "Assigned"
    assert schedule.member_type == "Direct"
    assert schedule.directory_scope_id == "/"
    assert schedule.schedule_info.expiration.type.value == "noExpiration"

    got = run(builder.by_unified_role_assignment_schedule_id(schedule.id).get())
    has_context(got)
    assert (got.id, got.principal_id) == (schedule.id, "aymen")
    mine = run(builder.filter_by_current_user_with_on("principal").get())
    assert schedule.id in [s.id for s in mine.value]
    others = run(
        user1.role_management.directory.role_assignment_schedules
        .filter_by_current_user_with_on("principal").get()
    )
    assert schedule.id not in [s.id for s in others.value]


def test_assignment_instances_list_get_and_mine(aymen, user1):
    builder = aymen.role_management.directory.role_assignment_schedule_instances
    listed = run(builder.get())
    has_context(listed)
    instance = aymen_global_admin(listed.value)
    assert isinstance(instance, UnifiedRoleAssignmentScheduleInstance)
    assert instance.assignment_type == "Assigned"
    assert instance.member_type == "Direct"
    assert instance.start_date_time is not None
    assert instance.end_date_time is None

    got = run(builder.by_unified_role_assignment_schedule_instance_id(instance.id).get())
    has_context(got)
    assert (got.id, got.role_definition_id) == (instance.id, GLOBAL_ADMIN)
    mine = run(builder.filter_by_current_user_with_on("principal").get())
    assert instance.id in [i.id for i in mine.value]


def test_assignment_requests_list_and_mine_parse(aymen, user1):
    builder = aymen.role_management.directory.role_assignment_schedule_requests
    listed = run(builder.get())
    has_context(listed)
    assert isinstance(listed.value, list)
    mine = run(
        user1.role_management.directory.role_assignment_schedule_requests
        .filter_by_current_user_with_on("principal").get()
    )
    has_context(mine)
    assert all(r.principal_id == "user1" for r in mine.value)


def test_role_definitions_list_and_get(aymen):
    builder = aymen.role_management.directory.role_definitions
    listed = run(builder.get())
    has_context(listed)
    by_id = {d.id: d for d in listed.value}
    assert EXCHANGE_ADMIN in by_id, list(by_id)
    exchange = by_id[EXCHANGE_ADMIN]
    assert isinstance(exchange, UnifiedRoleDefinition)
    assert exchange.display_name == "Exchange Administrator"
    got = run(builder.by_unified_role_definition_id(EXCHANGE_ADMIN).get())
    has_context(got)
    assert (got.id, got.display_name) == (EXCHANGE_ADMIN, "Exchange Administrator")


def test_role_assignments_list_and_get(aymen):
    builder = aymen.role_management.directory.role_assignments
    listed = run(builder.get())
    has_context(listed)
    grant = aymen_global_admin(listed.value)
    assert isinstance(grant, UnifiedRoleAssignment)
    assert grant.directory_scope_id == "/"
    # User1 is only eligible: no active grant yet.
    assert not [a for a in listed.value if a.principal_id == "user1"]
    got = run(builder.by_unified_role_assignment_id(grant.id).get())
    has_context(got)
    assert (got.id, got.principal_id, got.role_definition_id) == (grant.id, "aymen", GLOBAL_ADMIN)


def test_beta_serves_the_v1_resources_too(aymen_beta):
    """The beta SDK's own models over /beta: the same eligibility as v1.0's."""
    from msgraph_beta.generated.models.unified_role_eligibility_schedule import (
        UnifiedRoleEligibilitySchedule as BetaSchedule,
    )

    listed = run(aymen_beta.role_management.directory.role_eligibility_schedules.get())
    has_context(listed)
    schedule = seed_eligibility(listed.value)
    assert isinstance(schedule, BetaSchedule)
    assert schedule.member_type == "Direct"
