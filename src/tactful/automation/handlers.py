"""What automation does when something happens to a ticket: run the rules for it.

Four moments start rules (``Trigger``): a ticket was opened, the customer wrote again, the
coach read the customer, and the customer answered the satisfaction survey. Load-aware assignment is offered to the teams as a strategy.
"""

from __future__ import annotations

from tactful.automation import load, rules
from tactful.coaching.events import MessageAnalysed
from tactful.satisfaction.events import SurveyAnswered
from tactful.tickets import events


def on_ticket_opened(event: events.TicketOpened) -> None:
    rules.run_rules(event.ticket, trigger="ticket_created", message=event.message)


def on_customer_wrote(event: events.CustomerWrote) -> None:
    rules.run_rules(event.ticket, trigger="customer_message", message=event.message)


def on_message_analysed(event: MessageAnalysed) -> None:
    # Abuse and threats going to a lead is the default "Protect agents" rule, which leads
    # can adapt (see tactful.automation.defaults).
    rules.run_rules(event.ticket, trigger="analysed", message=event.message)


def on_survey_answered(event: SurveyAnswered) -> None:
    # A low rating with a comment can reopen the ticket or notify the lead: rules decide.
    rules.run_rules(
        event.ticket,
        trigger="survey_answered",
        message=event.message,
        csat=(event.sentiment, event.has_comment),
    )


def register() -> None:
    events.subscribe(events.TicketOpened)(on_ticket_opened)
    events.subscribe(events.CustomerWrote)(on_customer_wrote)
    events.subscribe(MessageAnalysed)(on_message_analysed)
    events.subscribe(SurveyAnswered)(on_survey_answered)
    load.register()
