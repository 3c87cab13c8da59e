"""What automation does when something happens to a ticket: run the rules for it.

Three moments start rules (``Trigger``): a ticket was opened, the customer wrote again, and the
coach read the customer. Load-aware assignment is offered to the teams as a strategy. The
agent who owns a ticket hears when it is assigned to them and when its customer writes.
"""

from __future__ import annotations

from tactful.automation import agent_notifications, load, rules
from tactful.coaching.events import MessageAnalysed
from tactful.tickets import events


def on_ticket_opened(event: events.TicketOpened) -> None:
    rules.run_rules(event.ticket, trigger="ticket_created", message=event.message)


def on_customer_wrote(event: events.CustomerWrote) -> None:
    rules.run_rules(event.ticket, trigger="customer_message", message=event.message)


def on_message_analysed(event: MessageAnalysed) -> None:
    # Abuse and threats going to a lead is the default "Protect agents" rule, which leads
    # can adapt (see tactful.automation.defaults).
    rules.run_rules(event.ticket, trigger="analysed", message=event.message)


def register() -> None:
    events.subscribe(events.TicketOpened)(on_ticket_opened)
    events.subscribe(events.CustomerWrote)(on_customer_wrote)
    events.subscribe(MessageAnalysed)(on_message_analysed)
    load.register()
    agent_notifications.register()
