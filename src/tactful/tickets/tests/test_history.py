"""History rows keep the dates they happened on and tell nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tactful.tickets import events, history, timeline
from tactful.tickets.models import Message, MessageKind, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2019, 5, 1, 12, 30, tzinfo=UTC)


def test_rows_keep_their_timestamps_and_get_primary_keys(desk):
    customer = desk.customer()
    [ticket] = history.insert_rows(
        Ticket,
        [
            Ticket(
                subject="From 2019",
                channel="email",
                customer=customer,
                created_at=LONG_AGO,
                updated_at=LONG_AGO,
            )
        ],
    )
    assert ticket.pk is not None and not ticket._state.adding
    [message] = history.insert_rows(
        Message,
        [
            Message(
                ticket=ticket,
                kind=MessageKind.INCOMING,
                channel="email",
                body="Hi",
                created_at=LONG_AGO,
            )
        ],
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.created_at, stored.updated_at) == (LONG_AGO, LONG_AGO)
    assert Message.objects.get(pk=message.pk).created_at == LONG_AGO
    assert stored.custom_fields == {}  # defaults still apply to what was left unset


def test_an_empty_timestamp_gets_the_current_time(desk):
    [row] = history.insert_rows(TicketEvent, [TicketEvent(ticket=desk.ticket(), kind="status")])
    assert TicketEvent.objects.get(pk=row.pk).created_at > LONG_AGO


def test_record_history_keeps_the_date_and_emits_nothing(desk):
    ticket = desk.ticket()
    heard: list[events.TicketChange] = []
    listener = heard.append  # one bound method, so that unsubscribing finds it
    events.subscribe(events.TicketChange)(listener)
    try:
        [row] = timeline.record_history(
            [TicketEvent(ticket=ticket, kind="status", data={}, created_at=LONG_AGO)]
        )
    finally:
        events.unsubscribe(listener)
    assert TicketEvent.objects.get(pk=row.pk).created_at == LONG_AGO
    assert heard == []


def test_rows_with_and_without_primary_keys_are_not_mixed(desk):
    customer = desk.customer()
    rows = [
        Ticket(pk=10_000, subject="a", channel="email", customer=customer),
        Ticket(subject="b", channel="email", customer=customer),
    ]
    with pytest.raises(ValueError):
        history.insert_rows(Ticket, rows)
