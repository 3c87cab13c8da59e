"""Fixtures for satisfaction tests: a solved ticket with its survey."""

from __future__ import annotations

import pytest

from tactful.satisfaction.models import Survey
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Status


@pytest.fixture
def solved(desk):
    """``solved(**ticket_kwargs) -> (ticket, agent)``: an agent answered and solved it, so the
    survey went out."""

    def make(**kwargs):
        review = kwargs.pop("review", None) or {
            "balance": "balanced",
            "next_step": {"present": True},
            "findings": [],
        }
        team = kwargs.pop("team", None) or desk.team()
        agent = team.members.filter(username__startswith="ana").first() or desk.agent(
            f"ana{team.pk}", teams=[team]
        )
        ticket = desk.ticket(team=team, **kwargs)
        ticket_services.record_reply(
            ticket=ticket,
            agent=agent,
            body="I refunded the second charge; it reaches your card within 3 days.",
            review=review,
        )
        ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)
        return ticket, agent

    return make


@pytest.fixture
def survey_of():
    def get(ticket) -> Survey:
        return Survey.objects.filter(ticket=ticket).order_by("-sent_at", "-id").first()

    return get
