"""The one writer of the timeline: every ``TicketEvent`` row is written here, and emitted.

The row (who, what, when: the timeline, the audit trail) and the event the other apps hear
about are one thing: :func:`record` writes the row and hands the same change to
:func:`tactful.tickets.events.emit`, so nothing can happen to a ticket that the timeline does
not show or that a subscriber misses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from django.db import connection

from tactful.tickets import events, history
from tactful.tickets.models import TicketEvent

C = TypeVar("C", bound=events.TicketChange)


def record(change: events.TicketChange) -> TicketEvent:
    """Write ``change`` on the ticket's timeline and tell its subscribers.

    Returns:
        The stored row (``change.row`` in what the subscribers receive).
    """
    row = TicketEvent.objects.create(
        ticket=change.ticket,
        kind=change.kind,
        actor=change.by,
        message=change.message,
        data=change.data(),
    )
    events.emit(replace(change, row=row))
    return row


def record_together(changes: Sequence[events.TicketChange]) -> list[TicketEvent]:
    """:func:`record` for several changes made at once, their rows written in one INSERT
    (where the database returns the new ids from it; elsewhere one by one) and emitted in
    order."""
    if len(changes) < 2 or not connection.features.can_return_rows_from_bulk_insert:
        return [record(change) for change in changes]
    rows = TicketEvent.objects.bulk_create(
        [
            TicketEvent(
                ticket=change.ticket,
                kind=change.kind,
                actor=change.by,
                message=change.message,
                data=change.data(),
            )
            for change in changes
        ]
    )
    for change, row in zip(changes, rows, strict=True):
        events.emit(replace(change, row=row))
    return rows


def record_history(rows: Iterable[TicketEvent], *, batch_size: int = 2000) -> list[TicketEvent]:
    """Write events that happened elsewhere or long ago (an import, seeded data), emitting
    nothing: history must not send notifications, run rules or start clocks.

    ``rows`` are unsaved ``TicketEvent`` instances (their ``created_at`` is kept when set:
    ``bulk_create`` would stamp the time of the import on them).
    """
    return history.insert_rows(TicketEvent, list(rows), batch_size=batch_size)
