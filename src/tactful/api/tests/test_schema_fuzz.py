"""schemathesis against the published OpenAPI document, with a real token.

Every operation gets generated requests (valid and not): no 5xx, every response matches the
schema, every error is shaped ``{"detail": …}``. Bounded: ``EXAMPLES`` per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

#: Generated requests per operation (each runs in the test's transaction, rolled back after).
EXAMPLES = 15


@pytest.fixture
def api_token(desk: Any) -> str:
    admin = desk.admin()
    team = desk.team("Support")
    desk.ticket(team=team)
    return str(desk.token(admin))


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    # As Django's test client does: the WSGI handler would close the test's connection
    # (and its transaction) at the start and end of every request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schemathesis.check
def errors_have_a_detail(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error answers ``{"detail": …}``, as the API's documentation promises."""
    if response.status_code < 400:
        return None
    body = response.json()
    if not isinstance(body, dict) or "detail" not in body:
        raise AssertionError(f"{response.status_code} without a detail: {response.text[:300]}")
    return None


#: What the API promises: no 5xx, every status an operation answers is listed in the
#: document (a client can rely on the list), responses as documented, errors with a detail.
#: Not checked: that the server accepts everything the schema allows (the document does not
#: carry the checks done in code, such as e-mail syntax).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    errors_have_a_detail,
]


def test_every_operation_holds_its_schema(api_schema: Any, api_token: str) -> None:
    """One hypothesis run per operation; every failure is collected, then all are shown."""
    headers = {"Authorization": f"Bearer {api_token}"}
    failures: list[str] = []
    sent: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            sent.append(case.operation.label)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # collected, so one run shows every operation's failure
            # (schemathesis' FailureGroup is a BaseExceptionGroup, not an Exception)
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations >= 14
    print(f"schemathesis: {operations} operations, {len(sent)} requests")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("parameter", ["language", "emotion", "q"])
def test_a_nul_in_a_filter_is_refused_with_a_detail(desk: Any, parameter: str) -> None:
    """Found by schemathesis: ``GET /tickets?language=%00`` reached PostgreSQL (a 500)."""
    from django.test import Client

    token = desk.token(desk.admin())
    response = Client().get(
        "/api/v1/tickets", {parameter: "en\x00"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert "detail" in response.json()
