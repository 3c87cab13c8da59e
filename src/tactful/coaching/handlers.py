"""What coaching does when something happens to a ticket: read each new customer message,
and an agent's notes after a call (the only record of what the customer said in it)."""

from __future__ import annotations

from tactful.coaching import services
from tactful.tickets import events


def read_the_customer(event: events.TicketOpened | events.CustomerWrote) -> None:
    """Every customer message is read by the coach, after the commit, in a worker."""
    if event.message is not None:
        services.request_analysis(message=event.message, new_message=True)


def read_the_call_note(event: events.NoteAdded) -> None:
    """A call's notes are read like a customer message, for the agent's emotional load."""
    if event.message is not None and event.message.is_call_note:
        services.request_analysis(message=event.message, new_message=True)


def register() -> None:
    events.subscribe(events.TicketOpened, events.CustomerWrote)(read_the_customer)
    events.subscribe(events.NoteAdded)(read_the_call_note)
