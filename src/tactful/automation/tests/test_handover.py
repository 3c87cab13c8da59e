"""Hand-over in one click with a note: the service, the ticket-page panel, and bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tactful.automation import handover
from tactful.automation.models import Notification, NotificationKind
from tactful.coach.tests.cases import ABUSIVE
from tactful.tickets import services as ticket_services
from tactful.tickets.models import EventKind, MessageKind, Ticket

pytestmark = pytest.mark.django_db


def client_for(agent):
    client = Client()
    client.force_login(agent)
    return client


def give_load(desk, agent, weight_signals):
    ticket = desk.ticket()
    Ticket.objects.filter(pk=ticket.pk).update(**weight_signals)
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Answered.")


def test_hand_over_to_the_least_loaded_lead_with_a_note(desk, crew):
    agent, lena, leo = crew["agent"], crew["lead"], crew["lead2"]
    give_load(desk, lena, {"abuse": True})  # Lena already carries an abusive conversation
    ticket = desk.ticket(team=crew["team"])
    assert ticket.assignee == agent
    event = handover.hand_over(ticket=ticket, by=agent, note="Third refund request; he insults me.")
    ticket.refresh_from_db()
    assert ticket.assignee == leo
    assert event.kind == EventKind.HANDED_OVER and event.actor == agent
    assert event.data == {
        "from": agent.pk,
        "to": leo.pk,
        "to_name": str(leo),
        "note": "Third refund request; he insults me.",
        "by": agent.pk,
    }
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert note.author_agent == agent and "Third refund request" in note.body
    assert event.message == note
    assigned = ticket.events.filter(kind=EventKind.ASSIGNED).last()
    assert assigned.actor == agent and assigned.data["handover"] is True
    [notification] = Notification.objects.filter(recipient=leo)
    assert notification.kind == NotificationKind.HANDOVER and "Third refund" in notification.text
    # The hand-over counts in the new owner's emotional load only if the ticket is heavy.
    assert not Notification.objects.filter(recipient=lena).exists()


def test_hand_over_to_a_teammate_and_the_refusals(desk, crew):
    agent, lena = crew["agent"], crew["lead"]
    ticket = desk.ticket(team=crew["team"])
    handover.hand_over(ticket=ticket, by=agent, to=lena)
    ticket.refresh_from_db()
    assert ticket.assignee == lena
    with pytest.raises(PermissionDenied):
        handover.hand_over(ticket=ticket, by=lena, to=crew["outsider"])
    with pytest.raises(ValidationError):
        handover.hand_over(ticket=ticket, by=lena, to=lena)
    with pytest.raises(ValidationError):
        handover.hand_over(ticket=ticket, by=lena, note="x" * 5001)
    with pytest.raises(ValidationError):
        handover.hand_over(ticket=ticket, by=lena, note="bad\x00note")
    with pytest.raises(PermissionDenied):
        handover.hand_over(ticket=ticket, by=crew["outsider"])
    sales = desk.ticket(team=crew["other"])
    with pytest.raises(ValidationError):  # Sales has no lead
        handover.hand_over(ticket=sales, by=crew["outsider"])
    ticket.refresh_from_db()
    assert ticket.assignee == lena
    assert ticket.events.filter(kind=EventKind.HANDED_OVER).count() == 1


def test_one_click_from_the_ticket_page(desk, crew):
    agent = crew["agent"]
    ticket = desk.ticket(team=crew["team"])
    response = client_for(agent).post(
        reverse("automation:handover", args=[ticket.pk]),
        {"note": "<script>alert(1)</script> over to you", "to": ""},
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "inbox:ticket", args=[ticket.pk]
    )
    ticket.refresh_from_db()
    assert ticket.assignee.is_lead
    lead_page = (
        client_for(ticket.assignee).get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    )
    assert "<script>alert(1)</script>" not in lead_page
    assert "over to you" in lead_page
    notifications = (
        client_for(ticket.assignee).get(reverse("automation:notifications")).content.decode()
    )
    assert "&lt;script&gt;" in notifications and "<script>alert" not in notifications


@pytest.mark.parametrize(
    "payload",
    [
        {"note": "x" * 6000},
        {"to": "not-a-number"},
        {"to": "999999"},
        {"to": "1; DROP TABLE tickets_ticket"},
        {"to": "self"},
    ],
)
def test_bad_hand_over_input_changes_nothing(desk, crew, payload):
    ticket = desk.ticket(team=crew["team"])
    if payload.get("to") == "self":  # not among the targets: you cannot hand over to yourself
        payload = {"to": str(crew["agent"].pk)}
    response = client_for(crew["agent"]).post(
        reverse("automation:handover", args=[ticket.pk]), payload, follow=True
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == crew["agent"]
    assert not ticket.events.filter(kind=EventKind.HANDED_OVER).exists()
    assert b'class="error' in response.content or b"flash" in response.content


def test_outsider_handing_over_to_a_teammate_of_another_team(desk, crew):
    ticket = desk.ticket(team=crew["team"])
    response = client_for(crew["agent"]).post(
        reverse("automation:handover", args=[ticket.pk]), {"to": crew["outsider"].pk}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.assignee == crew["agent"]
    assert response.status_code == 200


def test_tickets_out_of_sight_are_404(desk, crew):
    hidden = desk.ticket(team=crew["other"])
    client = client_for(crew["agent"])
    assert client.get(reverse("automation:handover", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("automation:handover", args=[hidden.pk]), {}).status_code == 404
    assert Client().get(reverse("automation:handover", args=[hidden.pk])).status_code == 302


def test_the_panel_offers_teammates_and_boundary_templates_when_abusive(
    desk, crew, django_capture_on_commit_callbacks
):
    from tactful.canned.models import CannedVariant

    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=crew["team"], body=ABUSIVE["es"], language="es")
    client = client_for(crew["agent"])
    url = reverse("automation:handover", args=[ticket.pk])
    panel = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in panel and 'id="handover-panel"' in panel
    assert "Lena" in panel and "Leo" in panel and "Otto" not in panel
    assert "abusive or threatening" in panel
    spanish_boundaries = CannedVariant.objects.filter(
        language="es", response__category__in=["boundary", "closing"], response__team__isnull=True
    )
    assert spanish_boundaries.exists()  # the starter library ships them
    assert 'class="link canned-insert"' in panel
    assert (
        f'data-variant-id="{spanish_boundaries.order_by("response__category", "response__title", "id").first().pk}"'
        in panel
    )
    page = client.get(url).content.decode()
    assert "<html" in page and 'id="handover-panel"' in page


def test_the_panel_for_a_calm_ticket_has_no_templates(desk, crew):
    ticket = desk.ticket(team=crew["team"])
    panel = client_for(crew["agent"]).get(
        reverse("automation:handover", args=[ticket.pk]), HTTP_HX_REQUEST="true"
    )
    assert panel.status_code == 200
    assert b"canned-insert" not in panel.content


def test_the_ticket_page_loads_the_panel_lazily(desk, crew):
    ticket = desk.ticket(team=crew["team"])
    page = client_for(crew["agent"]).get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert f'hx-get="{reverse("automation:handover", args=[ticket.pk])}"' in page


def test_panel_query_count_does_not_grow_with_the_team(desk, crew):
    from tactful.desk.testing import assert_same_query_count

    ticket = desk.ticket(team=crew["team"])
    Ticket.objects.filter(pk=ticket.pk).update(abuse=True)
    client = client_for(crew["agent"])
    url = reverse("automation:handover", args=[ticket.pk])

    def grow():
        for _ in range(15):
            desk.agent(teams=[crew["team"]])
        for _ in range(5):
            desk.ticket(team=crew["team"])

    count = assert_same_query_count(lambda: client.get(url, HTTP_HX_REQUEST="true"), grow)
    assert count <= 8
