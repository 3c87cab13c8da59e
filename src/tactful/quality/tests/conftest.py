"""Fixtures for quality tests: a team with agents, a lead and a reviewer, and solved conversations."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest

from tactful.quality.models import Scorecard
from tactful.quality.services import install_default_scorecards
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, Ticket

ANGRY = "You charged me twice for my subscription and nobody answers my emails! When will I get my money back?"
OVER_APOLOGISING = (
    "I am so sorry. I truly apologise for this, sorry again. "
    "I completely understand how frustrating this must be."
)
BALANCED = (
    "You are right, this was our mistake: the second charge should never have happened. I have "
    "refunded it today; the money will be back on your card within 3–5 working days. On Friday "
    "I will check that it arrived and write to you."
)


T = TypeVar("T")


def present(value: T | None) -> T:
    """``value``, which the test expects to be there (a score, a rating)."""
    assert value is not None
    return value


@pytest.fixture(autouse=True)
def default_scorecards(request: pytest.FixtureRequest) -> None:
    """The shipped scorecards, as on a new desk (a transactional test elsewhere flushes them)."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    install_default_scorecards()


@pytest.fixture
def ace() -> Scorecard:
    return Scorecard.objects.get(default_key="awareness-clarity-empowerment")


@pytest.fixture
def pce() -> Scorecard:
    return Scorecard.objects.get(default_key="precision-clarity-empathy")


@pytest.fixture
def crew(desk: Any) -> dict[str, Any]:
    """A team: two agents, a lead; a second team with its own agent and lead."""
    team = desk.team("Support")
    other = desk.team("Sales")
    return {
        "team": team,
        "other": other,
        "emma": desk.agent("emma", teams=[team]),
        "eric": desk.agent("eric", teams=[team]),
        "lena": desk.lead("lena", teams=[team]),
        "lars": desk.lead("lars", teams=[team]),
        "otto": desk.agent("otto", teams=[other]),
        "olga": desk.lead("olga", teams=[other]),
        "admin": desk.admin("root"),
    }


@pytest.fixture
def converse(desk: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """``converse(team, agent, reply=…, solve=True)``: a customer writes, the agent replies and
    solves it; what waits for the commit (the coach reading the customer, the coach reviewing
    the solved conversation) runs as it would after a real commit."""

    def make(
        team: Any,
        agent: Any,
        *,
        body: str = ANGRY,
        reply: str = BALANCED,
        solve: bool = True,
        language: str = "en",
    ) -> tuple[Ticket, Message]:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = desk.ticket(body=body, team=team, language=language, subject="Charged twice")
        message = ticket_services.record_reply(ticket=ticket, agent=agent, body=reply)
        if solve:
            ticket.refresh_from_db()
            with django_capture_on_commit_callbacks(execute=True):
                ticket_services.change_status(ticket=ticket, status="solved", by=agent)
        ticket.refresh_from_db()
        return ticket, message

    return make
