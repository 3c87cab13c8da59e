"""The bulk seeder's conversations (``bulk_tickets(messages_per_ticket=N)``): the benchmark
measures the desk on them, so they must look like what the desk itself writes."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.utils import timezone

from tactful.desk.seed_texts import conversation_text
from tactful.desk.testing import bulk_tickets
from tactful.tickets import search
from tactful.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_three_messages_per_ticket_alternate_customer_and_agent_in_time_and_keep_the_ticket_in_step(
    desk,
):
    team = desk.team("Billing")
    agents = [desk.agent("ana", teams=[team]), desk.agent("ben", teams=[team])]
    ids = bulk_tickets(60, teams=[team], agents=agents, messages_per_ticket=3, batch_size=25)

    messages = defaultdict(list)
    for message in Message.objects.filter(ticket_id__in=ids).order_by("created_at", "id"):
        messages[message.ticket_id].append(message)
    events = defaultdict(list)
    for event in TicketEvent.objects.filter(ticket_id__in=ids).order_by("created_at", "id"):
        events[event.ticket_id].append(event)
    now = timezone.now()
    for ticket in Ticket.objects.filter(pk__in=ids):
        first, reply, follow_up = messages[ticket.pk]
        assert [m.kind for m in messages[ticket.pk]] == [
            MessageKind.INCOMING,
            MessageKind.OUTGOING,
            MessageKind.INCOMING,
        ]
        assert ticket.created_at == first.created_at < reply.created_at < follow_up.created_at
        assert follow_up.created_at <= now
        assert first.author_customer_id == follow_up.author_customer_id == ticket.customer_id
        for position, message in enumerate(messages[ticket.pk]):
            assert message.body == conversation_text(ticket.language, position, ticket.pk)
        # What an agent's reply and the customer's answer leave on the ticket.
        assert ticket.updated_at == follow_up.created_at
        assert ticket.first_response_at == reply.created_at
        assert ticket.assignee_id == reply.author_agent_id is not None
        assert ticket.status != Status.NEW
        assert [(e.kind, e.message_id, e.actor_id, e.created_at) for e in events[ticket.pk]] == [
            ("created", first.pk, None, first.created_at),
            ("replied", reply.pk, reply.author_agent_id, reply.created_at),
            ("received", follow_up.pk, None, follow_up.created_at),
        ]
    # The search index holds the whole conversation: "statement" is only in the follow-up.
    english = set(Ticket.objects.filter(pk__in=ids, language="en").values_list("pk", flat=True))
    assert english
    found = set(
        search.search(Ticket.objects.filter(pk__in=ids), "statement").values_list("pk", flat=True)
    )
    assert english <= found


def test_one_message_per_ticket_is_still_the_default(desk):
    ids = bulk_tickets(20)

    assert Message.objects.filter(ticket_id__in=ids).count() == 20
    assert not Message.objects.filter(ticket_id__in=ids).exclude(kind=MessageKind.INCOMING).exists()
    assert TicketEvent.objects.filter(ticket_id__in=ids).count() == 20
