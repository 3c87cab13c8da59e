"""What automation does when something happens to a ticket: run the rules for it.

Six moments start rules (``Trigger``): a ticket was opened, the customer wrote again, the
coach read the customer, the customer answered the satisfaction survey, an SLA target will
breach soon, and one was breached. Load-aware assignment is offered to the teams as a strategy;
the rules' "breach within N minutes" leads are given to the SLA checker. The agent who owns a
ticket hears when it is assigned to them and when its customer writes.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from tactful.automation import agent_notifications, load, rules, selectors
from tactful.automation.models import Rule
from tactful.coaching.events import MessageAnalysed
from tactful.satisfaction.events import SurveyAnswered
from tactful.sla import services as sla_services
from tactful.sla.events import SlaBreached, SlaWarning
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


def on_sla_warning(event: SlaWarning) -> None:
    rules.run_rules(
        event.ticket,
        trigger="sla_warning",
        sla=rules.SlaSituation(
            clock_id=event.clock_id, target=event.target, minutes_left=event.minutes_left
        ),
    )


def on_sla_breached(event: SlaBreached) -> None:
    rules.run_rules(
        event.ticket,
        trigger="sla_breached",
        sla=rules.SlaSituation(clock_id=event.clock_id, target=event.target, minutes_left=0),
    )


def forget_the_rules_memo(**_kwargs: object) -> None:
    # A rule saved or deleted in this process: a transaction that goes on to run rules must
    # not use the fingerprint it read before the change (the cache itself follows the
    # fingerprint, so other processes need nothing).
    selectors.rules_changed()


def register() -> None:
    post_save.connect(forget_the_rules_memo, sender=Rule, dispatch_uid="automation.rules_memo")
    post_delete.connect(forget_the_rules_memo, sender=Rule, dispatch_uid="automation.rules_memo_d")
    events.subscribe(events.TicketOpened)(on_ticket_opened)
    events.subscribe(events.CustomerWrote)(on_customer_wrote)
    events.subscribe(MessageAnalysed)(on_message_analysed)
    events.subscribe(SurveyAnswered)(on_survey_answered)
    events.subscribe(SlaWarning)(on_sla_warning)
    events.subscribe(SlaBreached)(on_sla_breached)
    sla_services.register_lead_times(selectors.sla_lead_minutes)
    load.register()
    agent_notifications.register()
