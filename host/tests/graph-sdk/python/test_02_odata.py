"""OData query options through the SDK builders' typed query parameters, and paging with the
SDK's PageIterator over `@odata.nextLink`.

Graph reference: https://learn.microsoft.com/graph/query-parameters and
https://learn.microsoft.com/graph/paging
"""

from urllib.parse import unquote

from msgraph.generated.models.directory_audit import DirectoryAudit
from msgraph.generated.models.directory_audit_collection_response import (
    DirectoryAuditCollectionResponse,
)
from msgraph_core.tasks.page_iterator import PageIterator

from graph import EXCHANGE_ADMIN, assert_error, odata_error, query, run


def test_filter_on_principal_and_role(aymen, wire):
    builder = aymen.role_management.directory.role_eligibility_schedule_instances
    hit = run(builder.get(query(
        builder,
        filter=f"principalId eq 'user1' and roleDefinitionId eq '{EXCHANGE_ADMIN}'",
    )))
    assert hit.value and all(
        (i.principal_id, i.role_definition_id) == ("user1", EXCHANGE_ADMIN) for i in hit.value
    )
    assert "$filter=principalId%20eq%20%27user1%27%20and%20roleDefinitionId" in wire.last("GET").url
    miss = run(builder.get(query(builder, filter="principalId eq 'nobody'")))
    assert miss.value == []


def test_filter_ne_or_not_and_parentheses(aymen):
    builder = aymen.role_management.directory.role_assignment_schedule_instances
    everyone = run(builder.get()).value
    not_user1 = run(builder.get(query(builder, filter="not (principalId eq 'user1')"))).value
    ne_user1 = run(builder.get(query(builder, filter="principalId ne 'user1'"))).value
    assert sorted(i.id for i in not_user1) == sorted(i.id for i in ne_user1)
    assert sorted(i.id for i in ne_user1) == sorted(
        i.id for i in everyone if i.principal_id != "user1"
    )
    either = run(builder.get(query(
        builder, filter="(principalId eq 'aymen') or (principalId eq 'user1')",
    ))).value
    assert sorted(i.id for i in either) == sorted(
        i.id for i in everyone if i.principal_id in ("aymen", "user1")
    )


def test_filter_startswith(aymen):
    builder = aymen.role_management.directory.role_definitions
    found = run(builder.get(query(builder, filter="startswith(displayName, 'Exchange')"))).value
    assert EXCHANGE_ADMIN in [d.id for d in found]
    assert all(d.display_name.startswith("Exchange") for d in found)


def test_select_returns_only_the_named_properties(aymen, wire):
    builder = aymen.role_management.directory.role_eligibility_schedules
    page = run(builder.get(query(builder, select=["id", "principalId"])))
    assert page.value
    for item in page.value:
        assert item.id and item.principal_id
        assert item.role_definition_id is None and item.schedule_info is None
    exchange = wire.last("GET", "roleEligibilitySchedules")
    assert "$select=id,principalId" in unquote(exchange.url)
    for raw in exchange.response_body["value"]:
        assert set(raw) - {"@odata.type", "@odata.id", "@odata.etag"} <= {"id", "principalId"}, raw


def test_expand_principal_and_role_definition(aymen, wire):
    builder = aymen.role_management.directory.role_eligibility_schedules
    page = run(builder.get(query(
        builder, filter="principalId eq 'user1'", expand=["principal", "roleDefinition"],
    )))
    assert "$expand=principal,roleDefinition" in unquote(wire.last("GET").url)
    exchange = [s for s in page.value if s.role_definition_id == EXCHANGE_ADMIN]
    assert exchange
    assert exchange[0].role_definition.display_name == "Exchange Administrator"
    assert exchange[0].principal.id == "user1"


def test_count_matches_the_collection(aymen, wire):
    builder = aymen.audit_logs.directory_audits
    everything = collect_all(aymen, run(builder.get()))
    counted = run(builder.get(query(builder, count=True, top=1)))
    assert "$count=true" in wire.last("GET").url
    assert counted.odata_count == len(everything)
    assert len(counted.value) == 1


def test_orderby_activity_date_time_desc(aymen, wire):
    builder = aymen.audit_logs.directory_audits
    page = run(builder.get(query(builder, orderby=["activityDateTime desc"])))
    assert "$orderby=activityDateTime%20desc" in wire.last("GET").url
    times = [a.activity_date_time for a in page.value]
    assert len(times) >= 2
    assert times == sorted(times, reverse=True)


def test_orderby_display_name(aymen):
    builder = aymen.role_management.directory.role_definitions
    names = [d.display_name for d in run(builder.get(query(builder, orderby=["displayName"]))).value]
    assert names == sorted(names)


def collect_all(client, first_page):
    """Every item of a collection, following `@odata.nextLink` with the SDK's PageIterator."""
    items = []

    def keep(item):
        items.append(item)
        return True

    iterator = PageIterator(first_page, client.request_adapter)
    run(iterator.iterate(keep))
    return items


def test_top_pages_through_next_link_with_the_page_iterator(aymen, wire):
    builder = aymen.audit_logs.directory_audits
    unpaged = collect_all(aymen, run(builder.get()))
    assert len(unpaged) >= 2, "the demo seed writes at least two audit entries"
    first = run(builder.get(query(builder, top=1)))
    assert isinstance(first, DirectoryAuditCollectionResponse)
    assert len(first.value) == 1
    assert first.odata_next_link and first.odata_next_link.startswith("http"), first.odata_next_link
    before = len(wire.exchanges)
    paged = collect_all(aymen, first)
    followed = wire.exchanges[before:]
    assert followed and all("$skiptoken=" in unquote(ex.url) for ex in followed)
    assert all(isinstance(a, DirectoryAudit) for a in paged)
    assert [a.id for a in paged] == [a.id for a in unpaged]


def test_top_on_role_management_collections(aymen):
    builder = aymen.role_management.directory.role_eligibility_schedule_requests
    page = run(builder.get(query(builder, top=1)))
    assert len(page.value) == 1


def test_filter_by_current_user_takes_query_options(user1):
    builder = (
        user1.role_management.directory.role_eligibility_schedule_instances
        .filter_by_current_user_with_on("principal")
    )
    hit = run(builder.get(query(builder, filter=f"roleDefinitionId eq '{EXCHANGE_ADMIN}'")))
    assert hit.value and all(i.role_definition_id == EXCHANGE_ADMIN for i in hit.value)
    miss = run(builder.get(query(builder, filter="roleDefinitionId eq 'nothing'")))
    assert miss.value == []


def test_malformed_filter_is_400(aymen):
    builder = aymen.role_management.directory.role_assignment_schedule_requests
    err = odata_error(builder.get(query(builder, filter="principalId eq")))
    assert_error(err, 400, "BadRequest")


def test_unknown_filter_property_is_400(aymen):
    builder = aymen.role_management.directory.role_eligibility_schedules
    err = odata_error(builder.get(query(builder, filter="noSuchProperty eq 'x'")))
    assert_error(err, 400, "BadRequest")
    assert "noSuchProperty" in err.error.message


def test_unknown_select_property_is_400(aymen):
    builder = aymen.role_management.directory.role_eligibility_schedules
    err = odata_error(builder.get(query(builder, select=["noSuchProperty"])))
    assert_error(err, 400, "BadRequest")


def test_unsupported_expand_is_400(aymen):
    builder = aymen.role_management.directory.role_definitions
    err = odata_error(builder.get(query(builder, expand=["noSuchNavigation"])))
    assert_error(err, 400, "BadRequest")
