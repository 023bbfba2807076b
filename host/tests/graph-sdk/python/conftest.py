"""pytest fixtures: one SDK client per demo caller (see graph.py)."""

import json
from typing import Any

import pytest
from msgraph import GraphServiceClient

from graph import WIRE, Wire, make_client


@pytest.fixture(scope="session")
def wire() -> Wire:
    return WIRE


@pytest.fixture(scope="session")
def aymen() -> GraphServiceClient:
    return make_client("aymen")


@pytest.fixture(scope="session")
def user1() -> GraphServiceClient:
    return make_client("user1")


@pytest.fixture(scope="session")
def anonymous() -> GraphServiceClient:
    return make_client("anonymous")


@pytest.fixture(scope="session")
def aymen_beta() -> Any:
    return make_client("aymen", beta=True)


@pytest.fixture(scope="session")
def user1_beta() -> Any:
    return make_client("user1", beta=True)


@pytest.fixture(autouse=True)
def _wire_mark(request: pytest.FixtureRequest) -> None:
    """Remembers where this test's exchanges start, for the failure report."""
    request.node._wire_start = len(WIRE.exchanges)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    """A failed test's report shows what went over the wire: each exchange's method, URL,
    request body, status and (the start of) the response body."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    start = getattr(item, "_wire_start", len(WIRE.exchanges))
    lines = []
    for ex in WIRE.exchanges[start:]:
        lines.append(f"{ex.method} {ex.url} -> {ex.status}")
        if ex.request_body is not None:
            lines.append(f"  sent: {json.dumps(ex.request_body)[:600]}")
        lines.append(f"  got:  {json.dumps(ex.response_body)[:600]}")
    report.sections.append(("wire", "\n".join(lines) or "(nothing sent)"))
