"""What the reports count as it happens: each reply with the coach's verdict, each customer
message, and each one the coach found abusive or threatening (on the day it was written)."""

from __future__ import annotations

from tactful.coaching.events import MessageAnalysed
from tactful.reports import rollup
from tactful.tickets import events


def count_reply(event: events.ReplyRecorded) -> None:
    message, ticket = event.message, event.ticket
    if message is None or event.by is None:
        return  # Tactful's own automatic replies are not the team's replies
    key = rollup.key_for(
        at=message.created_at,
        team_id=ticket.team_id,
        agent_id=event.by.pk,
        channel=message.channel,
        language=ticket.language,
    )
    rollup.add(key, rollup.review_counts(message.review))


def count_customer_message(event: events.TicketOpened | events.CustomerWrote) -> None:
    message, ticket = event.message, event.ticket
    if message is None:
        return
    key = rollup.key_for(
        at=message.created_at,
        team_id=ticket.team_id,
        agent_id=ticket.assignee_id,
        channel=message.channel,
        language=ticket.language,
    )
    rollup.add(key, {"customer_messages": 1})


def count_abuse(event: MessageAnalysed) -> None:
    message, ticket = event.message, event.ticket
    if message is None or not (event.abuse or event.threat):
        return
    key = rollup.key_for(
        at=message.created_at,
        team_id=ticket.team_id,
        agent_id=ticket.assignee_id,
        channel=message.channel,
        language=ticket.language,
    )
    rollup.add(key, {"abusive_messages": 1})


def register() -> None:
    events.subscribe(events.ReplyRecorded)(count_reply)
    events.subscribe(events.TicketOpened, events.CustomerWrote)(count_customer_message)
    events.subscribe(MessageAnalysed)(count_abuse)
