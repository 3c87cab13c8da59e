"""Ids of another team's objects, tried with well-formed requests (the matrix sends empty ones):
an agent of Shipping reaches nothing of Billing's, through the pages or the API, and an agent
reaches no other agent's saved views or notifications."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tactful.accounts.models import Role
from tactful.automation.models import Notification, Rule
from tactful.canned.models import CannedResponse
from tactful.desk.tests.authorization import build_world
from tactful.inbox.models import SavedView
from tactful.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(desk):
    return build_world(desk)


@pytest.fixture
def intruder(world) -> Client:
    return world.clients["other_team"]


def _unchanged(ticket: Ticket) -> None:
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.subject, fresh.team_id, fresh.merged_into_id, fresh.status) == (
        ticket.subject,
        ticket.team_id,
        None,
        ticket.status,
    )


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("subject", {"subject": "pwned"}),
        ("tags", {"tags": "pwned"}),
        ("reply", {"body": "Hello from Shipping", "status": "solved"}),
        ("note", {"body": "a note"}),
        ("status", {"status": "solved"}),
        ("priority", {"priority": "4"}),
        ("assign", {"assignee": "me"}),
        ("team", {"team": ""}),
        ("merge", {"target": "1"}),
    ],
)
def test_another_teams_ticket_cannot_be_touched(world, intruder, action, data):
    ticket = world.objects["ticket"]
    before = Message.objects.filter(ticket=ticket).count()
    response = intruder.post(f"/tickets/{ticket.pk}/{action}/", data)
    assert response.status_code == 404
    _unchanged(ticket)
    assert Message.objects.filter(ticket=ticket).count() == before
    assert not ticket.tags.filter(name="pwned").exists()


def test_merging_ones_own_ticket_into_another_teams_is_refused(desk, world, intruder):
    ticket = world.objects["ticket"]
    own = desk.ticket(team=world.objects["other"].teams.first(), subject="Shipping's own")
    response = intruder.post(f"/tickets/{own.pk}/merge/", {"target": str(ticket.pk)})
    assert response.status_code in {400, 404}
    assert Ticket.objects.get(pk=own.pk).merged_into_id is None


def test_bulk_actions_skip_tickets_the_agent_cannot_see(world, intruder):
    ticket = world.objects["ticket"]
    intruder.post(
        "/inbox/bulk/", {"tickets": str(ticket.pk), "action": "status:solved", "tags": "pwned"}
    )
    _unchanged(ticket)


def test_attachments_and_messages_of_another_team(world, intruder):
    assert intruder.get(f"/attachments/{world.values['attachment_id']}/").status_code == 404
    ticket = world.objects["ticket"]
    message = world.values["message_id"]
    retry = intruder.post(f"/tickets/{ticket.pk}/messages/{message}/retry-analysis/")
    assert retry.status_code == 404
    # A message id under one's own ticket's URL does not reach another team's message either.
    assert intruder.post(f"/outbound/messages/{message}/resend/").status_code == 404


def test_saved_views_and_notifications_are_their_owners(world):
    for role in ("other_team", "lead", "admin"):
        client = world.clients[role]
        assert client.post(f"/inbox/views/{world.values['view_id']}/delete/").status_code == 404
        read = client.post(f"/automation/notifications/{world.values['notification_id']}/read/")
        assert read.status_code == 404
    assert SavedView.objects.filter(pk=world.values["view_id"]).exists()
    assert Notification.objects.get(pk=world.values["notification_id"]).read_at is None


def test_canned_responses_and_rules_of_another_team(desk, world):
    shipping_lead = desk.agent(
        "sam", role=Role.LEAD, teams=list(world.objects["other"].teams.all())
    )
    client = Client()
    client.force_login(shipping_lead)
    response_id = world.values["response_id"]
    assert client.get(f"/canned/{response_id}/edit/").status_code in {403, 404}
    assert client.post(f"/canned/{response_id}/delete/").status_code in {403, 404}
    assert CannedResponse.objects.filter(pk=response_id).exists()
    rule = Rule.objects.get(pk=world.values["rule_id"])
    for action in ("toggle", "delete"):
        assert client.post(f"/automation/rules/{rule.pk}/{action}/").status_code in {403, 404}
    assert Rule.objects.get(pk=rule.pk).active == rule.active


def test_the_api_hides_another_teams_tickets(desk, world):
    ticket = world.objects["ticket"]
    other = world.objects["other"]
    token = desk.token(other)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    base = f"/api/v1/tickets/{ticket.pk}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/messages").status_code == 404
    assert client.get(f"{base}/events").status_code == 404
    patch = client.patch(base, json.dumps({"subject": "pwned"}), content_type="application/json")
    assert patch.status_code == 404
    post = client.post(
        f"{base}/messages", json.dumps({"body": "hi"}), content_type="application/json"
    )
    assert post.status_code == 404
    own = desk.ticket(team=other.teams.first(), subject="Shipping's own")
    merge = client.post(
        f"/api/v1/tickets/{own.pk}/merge",
        json.dumps({"into": ticket.pk}),
        content_type="application/json",
    )
    assert merge.status_code in {404, 422} and set(merge.json()) == {"detail"}
    listed = client.get("/api/v1/tickets").json()
    numbers = {item["number"] for item in listed.get("items", listed)}
    assert ticket.pk not in numbers
    _unchanged(ticket)
