"""What the SLA clocks do when something happens to a ticket: replay it, once per change.

A batch subscriber: however many rows one change wrote (a reply that also opens the ticket
and assigns it), each ticket is replayed once, after the other handlers, so it sees the
finished change. Internal notes are not subscribed: they never move a clock.
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
    ticket_ids = sorted({change.ticket_id for change in changes})
    setup = services.Setup.load()
    for ticket_id in ticket_ids:
        ticket = next(change.ticket for change in changes if change.ticket_id == ticket_id)
        services.refresh_ticket(ticket, setup=setup)


def register() -> None:
    events.subscribe_batch(*MOVES_CLOCKS)(retime_tickets)
