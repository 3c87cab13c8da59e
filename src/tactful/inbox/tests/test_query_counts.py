"""Every list view makes the same number of queries for 10 tickets as for 1,000."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.tickets import inbound, services
from tactful.tickets.models import Ticket

pytestmark = pytest.mark.django_db

#: Query budgets, kept next to the tests (NetBox-style): raise them only on purpose.
BUDGETS = {"inbox": 8, "inbox_search": 8, "ticket": 10, "counts": 4, "team_load": 5}


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    agent = desk.agent("ana", teams=[billing, shipping])
    lead = desk.lead("lee", teams=[billing, shipping])
    admin = desk.admin("root")
    bulk_tickets(10, teams=[billing, shipping], agents=[agent, lead])
    client = Client()
    client.force_login(agent)
    return {
        "teams": [billing, shipping],
        "agents": [agent, lead],
        "agent": agent,
        "lead": lead,
        "admin": admin,
        "client": client,
    }


def grow(world):
    return lambda: bulk_tickets(990, teams=world["teams"], agents=world["agents"], seed=11)


FILTERED = {
    "channel": "chat",
    "priority": 4,
    "language": "es",
    "emotion": "anger",
    "intensity": 0.8,
    "abuse": False,
    "threat": False,
    "status": "open",
}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?assignee=me",
        "?assignee=none&status=new&status=open",
        "?status=all&sort=-priority",
        "?channel=email&channel=chat&priority=3&priority=4",
        "?language=es&emotion=anger&intensity=0.5&abuse=no&sort=-intensity",
        "?team=none",
        "?status=all&page=2&size=25",
    ],
)
def test_inbox(world, desk, query):
    client = world["client"]
    agent = world["agent"]
    # Ten more tickets that match every filter above, so both runs render rows.
    bulk_tickets(10, teams=[], agents=[], seed=3, overrides={**FILTERED, "assignee": None})
    bulk_tickets(10, teams=[], agents=[], seed=4, overrides={**FILTERED, "assignee": agent})
    url = reverse("inbox:inbox") + (query or "?")
    count = assert_same_query_count(lambda: client.get(url), grow(world))
    assert count <= BUDGETS["inbox"]


def test_inbox_rows_for_htmx(world):
    client = world["client"]
    url = reverse("inbox:inbox") + "?sort=-created"
    headers = {"HX-Request": "true", "HX-Target": "ticket-list"}
    count = assert_same_query_count(lambda: client.get(url, headers=headers), grow(world))
    assert count <= BUDGETS["inbox"]


@pytest.mark.parametrize("text", ["charged twice", "cobraron", "списали", "order"])
def test_inbox_search(world, text):
    client = world["client"]
    url = reverse("inbox:inbox") + "?status=all&q=" + text
    count = assert_same_query_count(lambda: client.get(url), grow(world))
    assert count <= BUDGETS["inbox_search"]


def test_queue_counts(world):
    client = world["client"]
    count = assert_same_query_count(lambda: client.get(reverse("inbox:queue_counts")), grow(world))
    assert count <= BUDGETS["counts"]


def test_team_load(world):
    client = Client()
    client.force_login(world["lead"])
    count = assert_same_query_count(lambda: client.get(reverse("inbox:team_load")), grow(world))
    assert count <= BUDGETS["team_load"]


def test_ticket_page_with_a_long_thread(world, desk):
    agent = world["agent"]
    ticket = desk.ticket(team=world["teams"][0])
    services.record_reply(ticket=ticket, agent=agent, body="first reply")
    client = world["client"]
    url = reverse("inbox:ticket", args=[ticket.pk])

    def grow_thread():
        for i in range(40):
            inbound.record_incoming_message(ticket=ticket, body=f"message {i}")
            services.record_reply(ticket=ticket, agent=agent, body=f"reply {i}")
            services.set_tags(ticket=ticket, names=[f"t{i}"], by=agent)
        bulk_tickets(990, teams=world["teams"], agents=world["agents"], seed=12)

    count = assert_same_query_count(lambda: client.get(url), grow_thread)
    assert count <= BUDGETS["ticket"]
    assert Ticket.objects.count() > 1000


def test_admin_ticket_changelist(world):
    client = Client()
    client.force_login(world["admin"])
    url = reverse("admin:tickets_ticket_changelist")
    assert_same_query_count(lambda: client.get(url), grow(world))


def test_viewers_poll(world, desk):
    ticket = desk.ticket(team=world["teams"][0])
    client = world["client"]
    url = reverse("inbox:viewers", args=[ticket.pk])

    def grow_viewers():
        for i in range(30):
            viewer = desk.agent(f"viewer{i}", teams=world["teams"])
            services.mark_viewing(ticket=ticket, agent=viewer)
        bulk_tickets(990, teams=world["teams"], agents=world["agents"], seed=13)

    services.mark_viewing(ticket=ticket, agent=world["lead"])
    assert_same_query_count(lambda: client.get(url), grow_viewers)
