"""The pages render for each role."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def setup(desk):
    team = desk.team("Billing")
    agent = desk.agent("ana", teams=[team])
    ticket = desk.ticket(team=team, body="<b>Hi</b><script>alert(1)</script> I was charged twice!")
    return team, agent, ticket


def test_inbox_and_ticket_pages_render(setup):
    _team, agent, ticket = setup
    client = Client()
    client.force_login(agent)
    response = client.get(reverse("inbox:inbox"))
    assert response.status_code == 200, response.content[:2000]
    assert ticket.subject.encode() in response.content
    response = client.get(reverse("inbox:ticket", args=[ticket.pk]))
    assert response.status_code == 200, response.content[:3000]
    assert b"<script>alert(1)</script>" not in response.content
