"""Ticket services: every change is an event; bad input is refused whole."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tactful.customers.models import Customer
from tactful.tickets import assignment, inbound, services
from tactful.tickets.models import (
    EventKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


def test_create_ticket_stores_message_event_and_language(desk):
    customer = desk.customer(language="es-MX")
    ticket = inbound.create_ticket(
        customer=customer,
        body="Hola, no llega mi pedido",
        channel="social",
        subject="",
        language=None,
    )
    assert ticket.status == Status.NEW
    assert ticket.language == "es"  # from the customer's preferred language
    assert ticket.subject == "Hola, no llega mi pedido"
    message = ticket.messages.get()
    assert message.kind == MessageKind.INCOMING and message.author_customer == customer
    assert kinds(ticket) == [EventKind.CREATED]
    assert ticket.coach_state == "pending"
    assert message.analysis.status == "pending"


def test_unknown_language_is_stored_as_und(desk):
    ticket = desk.ticket(language="fr")
    assert ticket.language == "und"
    ticket = desk.ticket(language="klingon-XX")
    assert ticket.language == "und"


def test_html_is_stored_exactly_as_received(desk):
    body = '<p onclick="x()">Hi</p><script>alert("x")</script>'
    ticket = desk.ticket(body=body)
    assert ticket.messages.get().body == body


@pytest.mark.parametrize(
    "body",
    ["", "   \n", "x" * (services.MAX_BODY_CHARS + 1), "nul\x00byte"],
    ids=["empty", "blank", "oversized", "nul"],
)
def test_bad_bodies_are_refused_and_nothing_is_saved(desk, body):
    customer = desk.customer()
    with pytest.raises(ValidationError):
        inbound.create_ticket(customer=customer, body=body, channel="email")
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0


def test_bad_channel_priority_subject_and_tags_are_refused(desk):
    customer = desk.customer()
    for kwargs in (
        {"channel": "pigeon"},
        {"priority": 99},
        {"subject": "s" * 201},
        {"tags": ["<script>"]},
        {"tags": [f"t{i}" for i in range(30)]},
        {"external_id": "e" * 300},
    ):
        args = {"customer": customer, "body": "hello", "channel": "email", **kwargs}
        with pytest.raises(ValidationError):
            inbound.create_ticket(**args)
    assert Ticket.objects.count() == 0


def test_repeated_external_id_is_idempotent(desk):
    customer = desk.customer()
    first = inbound.create_ticket(
        customer=customer, body="hi", channel="forum", external_id="post-1"
    )
    again = inbound.create_ticket(
        customer=customer, body="hi", channel="forum", external_id="post-1"
    )
    assert first.pk == again.pk
    assert Message.objects.count() == 1
    reply = inbound.record_incoming_message(ticket=first, body="more", external_id="post-2")
    repeat = inbound.record_incoming_message(ticket=first, body="more", external_id="post-2")
    assert reply.pk == repeat.pk
    assert first.messages.count() == 2


def test_incoming_message_reopens_a_solved_ticket(desk):
    agent = desk.agent()
    ticket = desk.ticket()
    services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)
    assert ticket.solved_at is not None
    inbound.record_incoming_message(ticket=ticket, body="It broke again")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None
    # (Satisfaction withdraws the open survey after the reopen: its own event kinds.)
    core = [kind for kind in kinds(ticket) if not kind.startswith("csat_")]
    assert core[-2:] == [EventKind.MESSAGE_RECEIVED, EventKind.STATUS_CHANGED]


def test_reply_opens_assigns_and_records_first_response(desk):
    agent = desk.agent()
    ticket = desk.ticket()
    message = services.record_reply(ticket=ticket, agent=agent, body="We are on it.")
    ticket.refresh_from_db()
    assert message.kind == MessageKind.OUTGOING
    assert ticket.status == Status.OPEN
    assert ticket.assignee == agent
    assert ticket.first_response_at is not None
    assert EventKind.REPLIED in kinds(ticket)
    services.record_reply(ticket=ticket, agent=agent, body="Done.", status=Status.SOLVED)
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_internal_note_is_a_note(desk):
    agent = desk.agent()
    ticket = desk.ticket()
    note = services.add_internal_note(ticket=ticket, agent=agent, body="VIP customer")
    assert note.kind == MessageKind.NOTE
    assert kinds(ticket)[-1] == EventKind.NOTE_ADDED


def test_attachments_are_stored_and_limited(desk):
    agent = desk.agent()
    ticket = desk.ticket()
    upload = SimpleUploadedFile("../../etc/passwd.txt", b"hello", content_type="text/plain")
    message = services.record_reply(
        ticket=ticket, agent=agent, body="see file", attachments=[upload]
    )
    attachment = message.attachments.get()
    assert attachment.filename == "passwd.txt"
    assert attachment.size == 5
    assert attachment.file.read() == b"hello"
    with override_settings(TACTFUL_MAX_ATTACHMENT_BYTES=3):
        big = SimpleUploadedFile("big.bin", b"12345")
        with pytest.raises(ValidationError):
            services.add_internal_note(ticket=ticket, agent=agent, body="x", attachments=[big])
    assert ticket.messages.count() == 2


def test_status_priority_subject_changes_are_events(desk):
    agent = desk.agent()
    ticket = desk.ticket()
    assert services.change_status(ticket=ticket, status=Status.PENDING, by=agent)
    assert services.change_status(ticket=ticket, status=Status.PENDING, by=agent) is None
    assert services.change_priority(ticket=ticket, priority=Priority.URGENT, by=agent)
    assert services.change_subject(ticket=ticket, subject="New subject", by=agent)
    with pytest.raises(ValidationError):
        services.change_status(ticket=ticket, status="lost", by=agent)
    events = list(ticket.events.filter(actor=agent).values_list("kind", "data"))
    assert events == [
        (EventKind.STATUS_CHANGED, {"from": "new", "to": "pending"}),
        (EventKind.PRIORITY_CHANGED, {"from": 2, "to": 4}),
        (EventKind.SUBJECT_CHANGED, {"from": "My order has not arrived yet.", "to": "New subject"}),
    ]


def test_agents_only_see_their_teams_tickets(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    theirs = desk.ticket(team=shipping)
    untriaged = desk.ticket(team=None)
    with pytest.raises(PermissionDenied):
        services.record_reply(ticket=theirs, agent=ana, body="hi")
    with pytest.raises(PermissionDenied):
        services.change_status(ticket=theirs, status="open", by=ana)
    services.record_reply(ticket=untriaged, agent=ana, body="hi")  # no team: triage is shared


def test_agents_take_or_give_up_leads_assign_anyone(desk):
    team = desk.team()
    ana, bo = desk.agent("ana", teams=[team]), desk.agent("bo", teams=[team])
    lead = desk.lead("lee", teams=[team])
    outsider = desk.agent("out")
    ticket = desk.ticket(team=team)
    assignment.assign_ticket(ticket=ticket, assignee=ana, by=ana)
    with pytest.raises(PermissionDenied):
        assignment.assign_ticket(ticket=ticket, assignee=bo, by=ana)
    with pytest.raises(PermissionDenied):
        assignment.assign_ticket(ticket=ticket, assignee=None, by=bo)  # not theirs to give up
    assignment.assign_ticket(ticket=ticket, assignee=bo, by=lead)
    with pytest.raises(PermissionDenied):
        assignment.assign_ticket(ticket=ticket, assignee=outsider, by=lead)  # not in the team
    assignment.assign_ticket(ticket=ticket, assignee=None, by=bo)
    assert [e.data for e in ticket.events.filter(kind=EventKind.ASSIGNED)] == [
        {"from": None, "to": ana.pk},
        {"from": ana.pk, "to": bo.pk},
        {"from": bo.pk, "to": None},
    ]


def test_round_robin_takes_turns_and_skips_unavailable(desk):
    team = desk.team("Support", auto_assign=True)
    a, b, c = (desk.agent(name, teams=[team]) for name in ("a1", "b1", "c1"))
    c.available = False
    c.save()
    assignees = [desk.ticket(team=team).assignee_id for _ in range(4)]
    assert assignees == [a.pk, b.pk, a.pk, b.pk]
    event = TicketEvent.objects.filter(kind=EventKind.ASSIGNED).first()
    assert event is not None
    assert event.data["round_robin"] is True and event.actor is None


def test_round_robin_by_hand_needs_a_lead(desk):
    team = desk.team()
    agent = desk.agent(teams=[team])
    lead = desk.lead(teams=[team])
    ticket = desk.ticket(team=team)
    with pytest.raises(PermissionDenied):
        assignment.assign_by_team(ticket=ticket, by=agent)
    assert assignment.assign_by_team(ticket=ticket, by=lead) in {agent, lead}


def test_change_team_is_for_leads_and_reroutes(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping", auto_assign=True)
    ana = desk.agent("ana", teams=[billing])
    sam = desk.agent("sam", teams=[shipping])
    lead = desk.lead(teams=[billing, shipping])
    ticket = desk.ticket(team=billing)
    assignment.assign_ticket(ticket=ticket, assignee=ana, by=ana)
    with pytest.raises(PermissionDenied):
        services.change_team(ticket=ticket, team=shipping, by=ana)
    services.change_team(ticket=ticket, team=shipping, by=lead)
    ticket.refresh_from_db()
    assert ticket.team == shipping
    assert ticket.assignee in {sam, lead}


def test_tags_are_normalised(desk):
    agent = desk.agent()
    ticket = desk.ticket()
    services.set_tags(
        ticket=ticket, names=[" Billing ", "billing", "Reembolso", "возврат"], by=agent
    )
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "reembolso", "возврат"]
    assert (
        services.set_tags(ticket=ticket, names=["billing", "reembolso", "возврат"], by=agent)
        is None
    )
    services.set_tags(ticket=ticket, names=[], by=agent)
    assert ticket.tags.count() == 0


def test_merge_moves_messages_and_closes_the_source(desk):
    agent = desk.agent()
    customer = desk.customer()
    target = desk.ticket(customer=customer, body="first")
    source = desk.ticket(customer=customer, body="second")
    services.set_tags(ticket=source, names=["dup"], by=agent)
    services.merge_tickets(source=source, target=target, by=agent)
    source.refresh_from_db()
    assert source.status == Status.CLOSED and source.merged_into == target
    assert list(target.messages.values_list("body", flat=True)) == ["first", "second"]
    assert list(target.tags.values_list("name", flat=True)) == ["dup"]
    assert EventKind.MERGED in kinds(source) and EventKind.MERGED_FROM in kinds(target)
    with pytest.raises(ValidationError):
        services.merge_tickets(source=target, target=target, by=agent)
    with pytest.raises(ValidationError):
        services.change_status(ticket=source, status=Status.OPEN, by=agent)
    # A late customer message on the merged ticket lands in the target.
    message = inbound.record_incoming_message(ticket=source, body="third")
    assert message.ticket_id == target.pk


def test_viewers(desk):
    from tactful.tickets.selectors import other_viewers

    a, b = desk.agent("a2"), desk.agent("b2")
    ticket = desk.ticket()
    services.mark_viewing(ticket=ticket, agent=a)
    services.mark_viewing(ticket=ticket, agent=a)
    services.mark_viewing(ticket=ticket, agent=b)
    assert other_viewers(ticket=ticket, agent=a) == [b]
    services.stop_viewing(ticket=ticket, agent=b)
    assert other_viewers(ticket=ticket, agent=a) == []


def test_customer_identities_are_shared_across_tickets(desk):
    from tactful.customers.services import get_or_create_customer

    first = get_or_create_customer(channel="email", handle="Ana@Example.com ", name="Ana")
    again = get_or_create_customer(channel="email", handle="ana@example.com")
    assert first.pk == again.pk
    other = get_or_create_customer(channel="social", handle="@ana")
    assert other.pk != first.pk
    assert Customer.objects.count() == 2
    with pytest.raises(ValidationError):
        get_or_create_customer(channel="email", handle="not-an-email")


def test_a_subject_made_from_the_body_is_its_first_sentence_cut_at_a_word() -> None:
    from tactful.tickets.services import SUBJECT_FROM_BODY_CHARS, subject_from_body

    assert (
        subject_from_body("Me cobraron dos veces. ¿Pueden revisarlo?") == "Me cobraron dos veces."
    )
    long_line = "Подарок для бабушки на девяностолетие так и не пришёл " * 4
    subject = subject_from_body(long_line)
    assert subject.endswith("…") and len(subject) <= SUBJECT_FROM_BODY_CHARS + 1
    assert long_line.startswith(subject[:-1])
    assert not subject[:-1].endswith(" ")
    assert subject_from_body("\n  ") == "(no subject)"
    # Text as the customer typed it, tags included (subjects are escaped where shown).
    assert subject_from_body("Help <img src=x> please") == "Help <img src=x> please"


def test_text_with_a_lone_surrogate_is_refused_clearly() -> None:
    """JSON can carry "\\ud800"; the database cannot store it: a clear error, not a crash."""
    from django.core.exceptions import ValidationError

    from tactful.tickets.services import check_text

    with pytest.raises(ValidationError, match="not valid text"):
        check_text("Hola \ud800", field="Message", max_chars=100)
