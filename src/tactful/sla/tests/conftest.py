"""Fixtures for the SLA tests: a policy and the events the clocks emitted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tactful.sla.models import Policy
from tactful.tickets import events


@pytest.fixture
def policy(db: None) -> Policy:
    """One hour to a first reply, two to each next reply, a day to solve; calendar hours."""
    return Policy.objects.create(
        name="Standard",
        first_response_minutes=60,
        next_response_minutes=120,
        resolution_minutes=24 * 60,
        business_hours=False,
    )


class Heard(list[Any]):
    def kinds(self) -> list[str]:
        return [event.kind for event in self]


@pytest.fixture
def heard() -> Iterator[Heard]:
    """Every SLA event emitted during the test, in order."""
    from tactful.sla.events import SlaAchieved, SlaBreached, SlaWarning

    log = Heard()

    def listen(event: Any) -> None:
        log.append(event)

    events.subscribe(SlaWarning, SlaBreached, SlaAchieved)(listen)
    yield log
    events.unsubscribe(listen)
