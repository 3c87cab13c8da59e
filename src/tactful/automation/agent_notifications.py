"""Notifications for the agent who owns a ticket: it was assigned to them, its customer wrote.

Written in the recipient's interface language (the notification keeps its text). At most one
unread notification per agent and ticket: a customer writing five times in a row is one thing
to look at, and a lead whom the "Protect agents" rule both alerted and gave the ticket has
the rule's alert already.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.automation.models import Notification, NotificationKind
from tactful.tickets import events
from tactful.tickets.models import Ticket


def _notify(*, agent_id: int, ticket: Ticket, kind: str) -> Notification | None:
    if Notification.objects.filter(
        recipient_id=agent_id, ticket_id=ticket.pk, read_at__isnull=True
    ).exists():
        return None
    agent = Agent.objects.filter(pk=agent_id, is_active=True).only("id", "language").first()
    if agent is None:
        return None
    with translation.override(agent.language or "en"):
        if kind == NotificationKind.ASSIGNED:
            text = _("#%(n)s was assigned to you: %(subject)s")
        else:
            text = _("The customer wrote again on #%(n)s: %(subject)s")
        text %= {"n": ticket.pk, "subject": ticket.subject}
    return Notification.objects.create(recipient=agent, ticket=ticket, kind=kind, text=text[:500])


def tell_the_new_assignee(event: events.Assigned) -> None:
    """Tell the new assignee, unless they took the ticket themselves or it was handed over
    (the hand-over sends its own notification, with the note)."""
    if event.assignee_id is None or event.handover:
        return
    if event.by is not None and event.by.pk == event.assignee_id:
        return
    _notify(agent_id=event.assignee_id, ticket=event.ticket, kind=NotificationKind.ASSIGNED)


def tell_the_owner_the_customer_wrote(event: events.CustomerWrote) -> None:
    """Tell the ticket's owner that the customer wrote again."""
    assignee_id = event.ticket.assignee_id
    if assignee_id is None:
        return
    _notify(agent_id=assignee_id, ticket=event.ticket, kind=NotificationKind.CUSTOMER)


def register() -> None:
    events.subscribe(events.Assigned)(tell_the_new_assignee)
    events.subscribe(events.CustomerWrote)(tell_the_owner_the_customer_wrote)
