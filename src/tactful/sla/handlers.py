"""What the SLA clocks do when something happens to a ticket: move them, once per change.

A batch subscriber: however many rows one change wrote (a reply that also opens the ticket
and assigns it), each ticket is retimed once, after the other handlers, so it sees the
finished change — incrementally where the change alone says what moves (a new ticket, a
customer message, a fact a policy reads), by replaying its history otherwise (see
``services.retime``). Internal notes are not subscribed: they never move a clock.
"""

from __future__ import annotations

from collections.abc import Sequence

from tactful.sla import services
from tactful.tickets import events

#: The changes that can move a clock: the conversation, the status, a merge, and what the
#: policies' conditions look at.
MOVES_CLOCKS: tuple[type[events.TicketChange], ...] = (
    events.TicketOpened,
    events.CustomerWrote,
    events.ReplyRecorded,
    events.StatusChanged,
    events.Merged,
    events.MergedFrom,
    events.PriorityChanged,
    events.TeamChanged,
    events.TagsChanged,
    events.LanguageChanged,
    events.ChannelChanged,
)


def retime_tickets(changes: Sequence[events.TicketChange]) -> None:
    by_ticket: dict[int, list[events.TicketChange]] = {}
    for change in changes:
        by_ticket.setdefault(change.ticket_id, []).append(change)
    for ticket_id in sorted(by_ticket):
        services.retime(ticket_id, by_ticket[ticket_id])


def register() -> None:
    events.subscribe_batch(*MOVES_CLOCKS)(retime_tickets)
