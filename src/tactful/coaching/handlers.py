"""What coaching does when something happens to a ticket: read each new customer message."""

from __future__ import annotations

from tactful.coaching import services
from tactful.tickets import events


def read_the_customer(event: events.TicketOpened | events.CustomerWrote) -> None:
    """Every customer message is read by the coach, after the commit, in a worker."""
    if event.message is not None:
        services.request_analysis(message=event.message, new_message=True)


def register() -> None:
    events.subscribe(events.TicketOpened, events.CustomerWrote)(read_the_customer)
