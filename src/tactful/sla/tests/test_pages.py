"""SLA pages: who may change policies, hostile form input, the ticket's targets panel, the
inbox's SLA filter, order and badges — with query budgets that do not grow with the data."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.sla.models import BusinessHours, Clock, Policy, Target, TicketSla
from tactful.tickets import services as ticket_services

pytestmark = pytest.mark.django_db

#: Query budgets for the pages this app adds or changes (raise only on purpose).
BUDGETS = {"policies": 6, "targets": 6, "inbox_sla": 8}


def client_for(agent):
    client = Client()
    client.force_login(agent)
    return client


def policy_data(**overrides):
    data = {
        "name": "Billing first replies",
        "active": "on",
        "position": "10",
        "channels": ["email", "chat"],
        "priorities": ["3", "4"],
        "tags": "VIP, refund",
        "first_response_minutes": "30",
        "next_response_minutes": "120",
        "resolution_minutes": "1440",
        "business_hours": "on",
        "warning_percent": "75",
    }
    data.update(overrides)
    return data


@pytest.fixture
def people(desk):
    team = desk.team("Billing")
    return {
        "team": team,
        "agent": desk.agent("ana", teams=[team]),
        "lead": desk.lead("lena", teams=[team]),
    }


def test_agents_cannot_change_policies(people):
    client = client_for(people["agent"])
    assert client.get(reverse("sla:policies")).status_code == 403
    assert client.post(reverse("sla:policy_new"), policy_data()).status_code == 403
    assert client.post(reverse("sla:hours_new"), {"name": "x"}).status_code == 403
    assert not Policy.objects.exists()


def test_a_lead_sets_a_policy_and_open_tickets_follow_it(
    people, desk, django_capture_on_commit_callbacks
):
    ticket = desk.ticket(team=people["team"], channel="chat", priority=4, tags=["vip"])
    assert Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE).due_at is None
    client = client_for(people["lead"])
    data = policy_data(teams=[str(people["team"].pk)], business_hours="")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sla:policy_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get()
    assert policy.tags == ["vip", "refund"] and policy.priorities == [3, 4]
    assert (policy.warning_percent, policy.created_by) == (75, people["lead"])
    first = Clock.objects.get(ticket=ticket, target=Target.FIRST_RESPONSE)
    assert first.policy == policy and first.target_seconds == 30 * 60
    page = client.get(reverse("sla:policies")).content.decode()
    assert "Billing first replies" in page and "30 min" in page
    edit = client.get(reverse("sla:policy_edit", args=[policy.pk])).content.decode()
    assert 'value="VIP' not in edit and "vip, refund" in edit


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "required"),
        ({"name": "x" * 500}, "at most 100 characters"),
        ({"first_response_minutes": "0"}, "greater than or equal to 1"),
        ({"first_response_minutes": "lots"}, "Enter a whole number"),
        ({"first_response_minutes": str(10**9)}, "less than or equal to"),
        ({"warning_percent": "150"}, "less than or equal to 100"),
        ({"channels": ["fax"]}, "Select a valid choice"),
        ({"priorities": ["9"]}, "Select a valid choice"),
        ({"teams": ["999999"]}, "Select a valid choice"),
        ({"customers": "nobody@example.com"}, "No customer with the address"),
        (
            {"first_response_minutes": "", "next_response_minutes": "", "resolution_minutes": ""},
            "Set at least one target",
        ),
    ],
)
def test_bad_policies_get_clear_errors_and_save_nothing(people, overrides, message):
    response = client_for(people["lead"]).post(reverse("sla:policy_new"), policy_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Policy.objects.exists()


def test_policy_names_are_rendered_inert(people):
    client = client_for(people["lead"])
    evil = "<script>alert(1)</script>"
    assert client.post(reverse("sla:policy_new"), policy_data(name=evil)).status_code == 302
    page = client.get(reverse("sla:policies")).content.decode()
    assert evil not in page and "&lt;script&gt;" in page


def test_business_hours_from_the_form(people):
    client = client_for(people["lead"])
    data = {
        "name": "Madrid office",
        "team": str(people["team"].pk),
        "time_zone": "Europe/Madrid",
        "day_0": "09:00-14:00, 15:00-18:00",
        "day_4": "09:00-15:00",
        "holidays": "2026-12-25\n2027-01-01",
    }
    assert client.post(reverse("sla:hours_new"), data).status_code == 302
    row = BusinessHours.objects.get()
    assert row.week == {"0": [["09:00", "14:00"], ["15:00", "18:00"]], "4": [["09:00", "15:00"]]}
    assert row.holidays == ["2026-12-25", "2027-01-01"]
    assert row.schedule().zone == "Europe/Madrid"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"day_0": "17:00-09:00"}, "write opening hours as 09:00-17:00"),
        ({"day_0": "nine to five"}, "write opening hours as 09:00-17:00"),
        ({"day_0": "25:00-26:00"}, "write opening hours as 09:00-17:00"),
        ({"day_0": ""}, "Open at least one day"),
        ({"holidays": "Christmas"}, "Not a date"),
    ],
)
def test_bad_business_hours_are_refused(people, overrides, message):
    data = {"name": "Office", "time_zone": "UTC", "day_0": "09:00-17:00", **overrides}
    response = client_for(people["lead"]).post(reverse("sla:hours_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BusinessHours.objects.exists()


def test_the_ticket_page_shows_its_running_targets(people, desk):
    Policy.objects.create(name="Hour", first_response_minutes=60, business_hours=False)
    ticket = desk.ticket(team=people["team"])
    client = client_for(people["agent"])
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert reverse("sla:ticket_targets", args=[ticket.pk]) in page
    panel = client.get(reverse("sla:ticket_targets", args=[ticket.pk])).content.decode()
    assert "First response" in panel
    assert "59 min left" in panel or "1 h 0 min left" in panel
    assert "Policy: Hour" in panel
    ticket_services.record_reply(ticket=ticket, agent=people["agent"], body="Refunded today.")
    panel = client.get(reverse("sla:ticket_targets", args=[ticket.pk])).content.decode()
    assert "met in" in panel


def test_the_targets_panel_is_hidden_from_who_cannot_see_the_ticket(people, desk):
    other = desk.team("Shipping")
    outsider = desk.agent("otto", teams=[other])
    ticket = desk.ticket(team=people["team"])
    response = client_for(outsider).get(reverse("sla:ticket_targets", args=[ticket.pk]))
    assert response.status_code == 404
    assert client_for(outsider).get("/sla/tickets/999999/targets/").status_code == 404


def test_the_inbox_sorts_by_breaches_soonest_and_badges_the_late(people, desk):
    Policy.objects.create(name="Hour", first_response_minutes=60, business_hours=False)
    later = desk.ticket(team=people["team"], subject="Later one")
    sooner = desk.ticket(team=people["team"], subject="Sooner one")
    TicketSla.objects.filter(ticket=sooner).update(due_at=later.sla.due_at.replace(year=2000))
    quiet = desk.ticket(team=people["team"], subject="Paused one")
    ticket_services.change_status(ticket=quiet, status="pending", by=None)
    client = client_for(people["agent"])
    page = client.get(reverse("inbox:inbox") + "?sort=sla_due").content.decode()
    assert page.index("Sooner one") < page.index("Later one")
    assert "Paused one" not in page
    assert "SLA breached" in page
    breached = client.get(reverse("inbox:inbox") + "?sla=breached").content.decode()
    assert "Sooner one" in breached and "Later one" not in breached
    assert client.get(reverse("inbox:inbox") + "?sla=soon").status_code == 400


@pytest.mark.parametrize(
    "query", ["?sort=sla_due", "?sla=at_risk", "?sla=breached&sort=sla_due", "?sla=running"]
)
def test_sla_inbox_views_cost_the_same_for_ten_or_a_thousand_tickets(people, query):
    teams, agents = [people["team"]], [people["agent"]]
    bulk_tickets(10, teams=teams, agents=agents, with_sla=True, seed=5)
    client = client_for(people["agent"])
    count = assert_same_query_count(
        lambda: client.get(reverse("inbox:inbox") + query),
        lambda: bulk_tickets(990, teams=teams, agents=agents, with_sla=True, seed=6),
    )
    assert count <= BUDGETS["inbox_sla"]


def test_policy_list_and_targets_panel_cost_the_same(people, desk):
    client = client_for(people["lead"])
    ticket = desk.ticket(team=people["team"])

    def more_policies():
        for n in range(30):
            Policy.objects.create(
                name=f"P{n}", teams=[people["team"].pk], first_response_minutes=10 + n
            )
        for _ in range(5):
            ticket_services.record_reply(ticket=ticket, agent=people["lead"], body="On it today.")
            from tactful.tickets import inbound

            inbound.record_incoming_message(ticket=ticket, body="And?")

    Policy.objects.create(name="First", teams=[people["team"].pk], first_response_minutes=60)
    policies = assert_same_query_count(lambda: client.get(reverse("sla:policies")), more_policies)
    assert policies <= BUDGETS["policies"]
    targets = assert_same_query_count(
        lambda: client.get(reverse("sla:ticket_targets", args=[ticket.pk])), lambda: None
    )
    assert targets <= BUDGETS["targets"]
