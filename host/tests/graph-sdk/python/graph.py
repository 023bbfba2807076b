"""Microsoft's Python Graph SDKs (v1.0 and beta) pointed at a running pim-host, and helpers.

`PIM_GRAPH_URL` is the server's root (`http://127.0.0.1:PORT`); scripts/test-graph-sdk.sh
starts `pim-host serve --demo` and sets it. Each caller is a `GraphServiceClient` over a
`GraphRequestAdapter` whose `BaseBearerTokenAuthenticationProvider` sends a demo bearer token;
every request and response body is kept in a wire log so tests can also assert what the SDK put
on the wire.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from typing import Any, Coroutine, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_beta import GraphRequestAdapter as BetaGraphRequestAdapter
from msgraph_beta import GraphServiceClient as BetaGraphServiceClient
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError as BetaODataError
from msgraph_core import GraphClientFactory

T = TypeVar("T")

EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
TOKENS = {"aymen": "aymen-token", "user1": "user1-token", "anonymous": ""}

# One event loop for the whole run: the SDK's httpx clients keep connections bound to it.
LOOP = asyncio.new_event_loop()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Runs one SDK call to completion."""
    return LOOP.run_until_complete(coro)


def server_root() -> str:
    url = os.environ.get("PIM_GRAPH_URL")
    if not url:
        pytest.exit("PIM_GRAPH_URL is not set (scripts/test-graph-sdk.sh sets it)", returncode=2)
    return url.rstrip("/")


class DemoTokenProvider(AccessTokenProvider):
    """Answers every URL on the server's host with one fixed bearer token (empty: none)."""

    def __init__(self, token: str, host: str) -> None:
        self.token = token
        self.validator = AllowedHostsValidator([host])

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] = {}
    ) -> str:
        return self.token if self.validator.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self.validator


@dataclass
class Exchange:
    method: str
    url: str
    request_body: Any
    status: int
    response_body: Any


@dataclass
class Wire:
    """Every exchange the SDK clients made, newest last."""

    exchanges: list[Exchange] = field(default_factory=list)

    def last(self, method: str | None = None, path_contains: str = "") -> Exchange:
        for ex in reversed(self.exchanges):
            if (method is None or ex.method == method) and path_contains in ex.url:
                return ex
        raise AssertionError(f"no {method} exchange with {path_contains!r} on the wire")


WIRE = Wire()


def _json_or_text(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


async def _log_response(response: httpx.Response) -> None:
    await response.aread()
    request = response.request
    WIRE.exchanges.append(
        Exchange(
            method=request.method,
            url=str(request.url),
            request_body=_json_or_text(request.content),
            status=response.status_code,
            response_body=_json_or_text(response.content),
        )
    )


def _http_client() -> httpx.AsyncClient:
    client = GraphClientFactory.create_with_default_middleware()
    client.event_hooks["response"].append(_log_response)
    return client


def make_client(who: str, beta: bool = False, token: str | None = None) -> Any:
    """A GraphServiceClient (beta: the beta SDK's) that calls as `who` (a key of TOKENS), or
    with `token` when given."""
    root = server_root()
    host = urlsplit(root).hostname or "127.0.0.1"
    bearer = TOKENS[who] if token is None else token
    auth = BaseBearerTokenAuthenticationProvider(DemoTokenProvider(bearer, host))
    if beta:
        adapter = BetaGraphRequestAdapter(auth, client=_http_client())
        adapter.base_url = f"{root}/beta"
        return BetaGraphServiceClient(request_adapter=adapter)
    adapter = GraphRequestAdapter(auth, client=_http_client())
    adapter.base_url = f"{root}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


def odata_error(coro: Coroutine[Any, Any, Any]) -> Any:
    """Runs a call that must fail and returns the SDK's parsed ODataError (v1.0's or beta's)."""
    try:
        result = run(coro)
    except (ODataError, BetaODataError) as e:
        return e
    raise AssertionError(f"expected an ODataError, got {result!r}")


def assert_error(err: Exception, status: int, code: str) -> None:
    """The error is Graph's: the status, `error.code`, a message and the innerError ids."""
    assert isinstance(err, (ODataError, BetaODataError)), f"not an ODataError: {err!r}"
    assert err.response_status_code == status, (err.response_status_code, _describe(err))
    assert err.error is not None, "no main error parsed"
    assert err.error.code == code, _describe(err)
    assert err.error.message, "the error has no message"
    inner = err.error.inner_error
    assert inner is not None, "no innerError"
    assert inner.request_id, "innerError has no request-id"
    assert inner.date is not None, "innerError has no date"


def _describe(err: Any) -> str:
    main = err.error
    return f"{err.response_status_code} {main.code if main else None}: {main.message if main else None}"


def query(builder: Any, **params: Any) -> Any:
    """A GET request configuration with the builder's own typed query parameters
    (`filter`, `select`, `top`, `count`, `orderby`, `expand`, ...)."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration

    cls = type(builder)
    parameters = getattr(cls, f"{cls.__name__}GetQueryParameters")
    return RequestConfiguration(query_parameters=parameters(**params))


def expiration(duration: Any = None, iso: str | None = None) -> Any:
    """An afterDuration expiration: a typed `timedelta` (which the SDK writes as
    `str(timedelta)`, e.g. "4:00:00"), or an ISO 8601 string through `additional_data`, the
    documented workaround."""
    from msgraph.generated.models.expiration_pattern import ExpirationPattern
    from msgraph.generated.models.expiration_pattern_type import ExpirationPatternType

    pattern = ExpirationPattern(type=ExpirationPatternType.AfterDuration, duration=duration)
    if iso is not None:
        pattern.additional_data = {"duration": iso}
    return pattern


def self_activation(
    iso: str = "PT8H",
    scope: str = "/",
    justification: str | None = "Fix mail flow",
    start: Any = None,
    duration: Any = None,
    validation_only: bool | None = None,
) -> Any:
    """User1's selfActivate of Exchange Administrator, as a typed request model."""
    from msgraph.generated.models.request_schedule import RequestSchedule
    from msgraph.generated.models.unified_role_assignment_schedule_request import (
        UnifiedRoleAssignmentScheduleRequest,
    )
    from msgraph.generated.models.unified_role_schedule_request_actions import (
        UnifiedRoleScheduleRequestActions,
    )

    return UnifiedRoleAssignmentScheduleRequest(
        action=UnifiedRoleScheduleRequestActions.SelfActivate,
        principal_id="user1",
        role_definition_id=EXCHANGE_ADMIN,
        directory_scope_id=scope,
        justification=justification,
        is_validation_only=validation_only,
        schedule_info=RequestSchedule(
            start_date_time=start,
            expiration=expiration(duration) if duration is not None else expiration(iso=iso),
        ),
    )


def exchange_admin_policy_id(client: Any) -> str:
    """The id of Exchange Administrator's tenant-wide policy, found as Graph documents it:
    through its policy assignment."""
    builder = client.policies.role_management_policy_assignments
    found = run(builder.get(query(
        builder,
        filter="scopeId eq '/' and scopeType eq 'DirectoryRole' "
        f"and roleDefinitionId eq '{EXCHANGE_ADMIN}'",
    )))
    assert found is not None and len(found.value) == 1, found
    policy_id = found.value[0].policy_id
    assert policy_id
    return policy_id
