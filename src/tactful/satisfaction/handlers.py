"""What satisfaction does when something happens to a ticket.

Solved: the customer is asked how it went. Reopened: the open question is withdrawn. The coach
read gratitude in a customer's message: it goes to the team's uplifting feed.
"""

from __future__ import annotations

from tactful.coaching.events import MessageAnalysed
from tactful.satisfaction import feed, services
from tactful.tickets import events


def on_status_changed(event: events.StatusChanged) -> None:
    services.on_status_changed(
        ticket=event.ticket,
        previous=event.previous,
        status=event.status,
        reopened=event.reopened,
    )


def on_message_analysed(event: MessageAnalysed) -> None:
    if event.message is None or event.emotion != "gratitude":
        return
    feed.thanks_received(
        message=event.message,
        emotion=event.emotion,
        intensity=event.intensity,
        known=services.known_identities(event.ticket.customer),
    )


def register() -> None:
    events.subscribe(events.StatusChanged)(on_status_changed)
    events.subscribe(MessageAnalysed)(on_message_analysed)
