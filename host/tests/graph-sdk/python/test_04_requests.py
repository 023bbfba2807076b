"""Creating requests with the SDK's typed models: isValidationOnly, a scheduled activation
that is cancelled, and the request collections' list/get/filterByCurrentUser around them.

Graph reference:
https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignmentschedulerequests
https://learn.microsoft.com/graph/api/unifiedroleassignmentschedulerequest-cancel
"""

from datetime import datetime, timedelta, timezone

from msgraph.generated.models.unified_role_assignment_schedule_request import (
    UnifiedRoleAssignmentScheduleRequest,
)

from graph import EXCHANGE_ADMIN, query, run, self_activation


def user1_activations(client):
    builder = (
        client.role_management.directory.role_assignment_schedule_instances
        .filter_by_current_user_with_on("principal")
    )
    return [
        i for i in run(builder.get()).value
        if i.role_definition_id == EXCHANGE_ADMIN and i.assignment_type == "Activated"
    ]


def test_validation_only_reports_the_verdict_and_stores_nothing(user1, wire):
    requests = user1.role_management.directory.role_assignment_schedule_requests
    before = {r.id for r in run(requests.filter_by_current_user_with_on("principal").get()).value}
    answer = run(requests.post(self_activation(iso="PT8H", validation_only=True)))
    sent = wire.last("POST", "roleAssignmentScheduleRequests").request_body
    assert sent["isValidationOnly"] is True
    assert sent["scheduleInfo"]["expiration"] == {"type": "afterDuration", "duration": "PT8H"}
    assert isinstance(answer, UnifiedRoleAssignmentScheduleRequest)
    assert answer.is_validation_only is True
    assert answer.status == "Provisioned"
    assert answer.principal_id == "user1"
    assert answer.schedule_info.expiration.duration == timedelta(hours=8)
    assert user1_activations(user1) == []
    after = {r.id for r in run(requests.filter_by_current_user_with_on("principal").get()).value}
    assert after == before


def test_scheduled_activation_is_granted_then_cancelled(user1, aymen, wire):
    """The documented workaround, `additional_data={"duration": "PT4H"}`, is accepted."""
    requests = user1.role_management.directory.role_assignment_schedule_requests
    start = (datetime.now(timezone.utc) + timedelta(days=1)).replace(microsecond=0)
    created = run(requests.post(self_activation(iso="PT4H", start=start)))
    sent = wire.last("POST", "roleAssignmentScheduleRequests").request_body
    assert sent["scheduleInfo"]["expiration"]["duration"] == "PT4H"
    assert created.status == "Granted"
    assert created.action.value == "selfActivate"
    assert created.principal_id == "user1"
    assert created.role_definition_id == EXCHANGE_ADMIN
    assert created.directory_scope_id == "/"
    assert created.justification == "Fix mail flow"
    assert created.created_by.user.id == "user1"
    assert created.schedule_info.start_date_time == start
    assert created.schedule_info.expiration.duration == timedelta(hours=4)
    assert created.is_validation_only is False
    assert created.target_schedule_id == created.id

    item = requests.by_unified_role_assignment_schedule_request_id(created.id)
    got = run(item.get())
    assert (got.id, got.status, got.approval_id) == (created.id, "Granted", None)
    # Graph's request resource has no memberType or assignmentType (its schedules and instances
    # do), so nothing the model does not declare arrives.
    extra = got.additional_data or {}
    assert set(extra) <= {"@odata.context"}, extra
    mine = run(requests.filter_by_current_user_with_on("principal").get()).value
    assert created.id in [r.id for r in mine]
    everyone = aymen.role_management.directory.role_assignment_schedule_requests
    listed = run(everyone.get(query(everyone, filter=f"id eq '{created.id}'"))).value
    assert [r.id for r in listed] == [created.id]

    assert run(item.cancel.post()) is None
    cancel = wire.last("POST", "/cancel")
    assert cancel.status == 204 and cancel.request_body is None
    cancelled = run(item.get())
    assert cancelled.status == "Canceled"
    assert user1_activations(user1) == []


def test_cancelling_twice_is_400(user1):
    from graph import odata_error

    requests = user1.role_management.directory.role_assignment_schedule_requests
    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)
    created = run(requests.post(self_activation(iso="PT1H", start=start)))
    item = requests.by_unified_role_assignment_schedule_request_id(created.id)
    run(item.cancel.post())
    err = odata_error(item.cancel.post())
    assert err.response_status_code == 400, err.response_status_code
    assert err.error.code
