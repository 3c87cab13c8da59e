"""Agents hear about their own tickets: assigned to them, the customer wrote again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tactful.accounts import services as account_services
from tactful.automation.models import Notification, NotificationKind
from tactful.inbox.services import apply_bulk_action
from tactful.tickets import assignment, inbound, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(desk):
    team = desk.team("Billing")
    return {
        "team": team,
        "ana": desk.agent("ana", teams=[team]),
        "lead": desk.lead("lee", teams=[team]),
        "ticket": desk.ticket(team=team, subject="Charged twice"),
    }


def notes(agent, kind):
    return list(Notification.objects.filter(recipient=agent, kind=kind))


def test_a_lead_assigning_a_ticket_tells_the_agent(world):
    assignment.assign_ticket(ticket=world["ticket"], assignee=world["ana"], by=world["lead"])
    (note,) = notes(world["ana"], NotificationKind.ASSIGNED)
    assert note.ticket_id == world["ticket"].pk
    assert note.text == f"#{world['ticket'].pk} was assigned to you: Charged twice"


def test_taking_a_ticket_yourself_tells_nobody(world):
    assignment.assign_ticket(ticket=world["ticket"], assignee=world["ana"], by=world["ana"])
    services.record_reply(ticket=world["ticket"], agent=world["lead"], body="On it.")
    assert Notification.objects.filter(kind=NotificationKind.ASSIGNED).count() == 0


def test_round_robin_on_arrival_tells_the_agent(desk):
    team = desk.team("Desk", auto_assign=True)
    agent = desk.agent("solo", teams=[team])
    ticket = desk.ticket(team=team)
    assert ticket.assignee_id == agent.pk
    assert len(notes(agent, NotificationKind.ASSIGNED)) == 1


def test_the_customer_writing_tells_the_owner_once_until_read(world):
    ticket, ana = world["ticket"], world["ana"]
    inbound.record_incoming_message(ticket=ticket, body="Anyone there?")
    assert notes(ana, NotificationKind.CUSTOMER) == []  # nobody owns it yet
    assignment.assign_ticket(ticket=ticket, assignee=ana, by=ana)
    inbound.record_incoming_message(ticket=ticket, body="Hello?")
    inbound.record_incoming_message(ticket=ticket, body="Hello??")
    (note,) = notes(ana, NotificationKind.CUSTOMER)
    note.read_at = note.created_at
    note.save()
    inbound.record_incoming_message(ticket=ticket, body="Still waiting.")
    assert len(notes(ana, NotificationKind.CUSTOMER)) == 2


def test_written_in_the_recipients_language(world):
    account_services.set_language(agent=world["ana"], language="es")
    assignment.assign_ticket(ticket=world["ticket"], assignee=world["ana"], by=world["lead"])
    (note,) = notes(world["ana"], NotificationKind.ASSIGNED)
    assert note.text == f"Se le ha asignado el n.º {world['ticket'].pk}: Charged twice"


def test_bulk_assignment_tells_the_agent_once_per_ticket(world, desk):
    tickets = [world["ticket"], *[desk.ticket(team=world["team"]) for _ in range(4)]]
    apply_bulk_action(
        agent=world["lead"],
        ticket_ids=[t.pk for t in tickets],
        action="assign",
        value=str(world["ana"].pk),
    )
    assert len(notes(world["ana"], NotificationKind.ASSIGNED)) == 5


def test_the_agent_sees_them_on_the_notifications_page(world):
    assignment.assign_ticket(ticket=world["ticket"], assignee=world["ana"], by=world["lead"])
    client = Client()
    client.force_login(world["ana"])
    page = client.get(reverse("automation:notifications")).content.decode()
    assert "was assigned to you: Charged twice" in page
