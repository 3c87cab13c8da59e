"""Asking the coach to read customer messages: when they arrive, and again after a failure.

The reading itself runs in a worker (:mod:`tactful.coaching.tasks`, then
:mod:`tactful.coaching.analysis`) after the transaction commits, so a message is always
stored first and the coach never slows a request down.
"""

from __future__ import annotations

from django.db import transaction

from tactful.coaching import tasks
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets.models import CoachState, Message, Ticket


def request_analysis(*, message: Message, new_message: bool = False) -> MessageAnalysis:
    """Queue the coach's reading of an incoming message, to run after the transaction commits.

    Args:
        message: the customer's message.
        new_message: the message was created in this transaction, so it has no analysis row
            yet: the row is inserted without looking for one first.
    """
    if new_message:
        analysis = MessageAnalysis.objects.create(message=message)
    else:
        analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    Ticket.objects.filter(pk=message.ticket_id).exclude(coach_state=CoachState.PENDING).update(
        coach_state=CoachState.PENDING
    )
    if Message.ticket.is_cached(message):  # keep the caller's instance truthful
        message.ticket.coach_state = CoachState.PENDING
    message_id = message.pk
    transaction.on_commit(lambda: tasks.enqueue_analysis(message_id))
    return analysis


def retry_analysis(*, message: Message) -> MessageAnalysis:
    """Queue a failed (or stuck) analysis again; the button on the ticket page calls this."""
    analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    if analysis.status == AnalysisStatus.DONE:
        return analysis
    analysis.status = AnalysisStatus.PENDING
    analysis.save(update_fields=["status"])
    Ticket.objects.filter(pk=message.ticket_id).update(coach_state=CoachState.PENDING)
    message_id = message.pk
    transaction.on_commit(lambda: tasks.enqueue_analysis(message_id))
    return analysis


def retry_failed_analyses(*, limit: int = 500) -> int:
    """Queue every failed or pending analysis again (periodic job / management command)."""
    ids = list(
        MessageAnalysis.objects.exclude(status=AnalysisStatus.DONE)
        .order_by("id")
        .values_list("message_id", flat=True)[:limit]
    )
    for message_id in ids:
        tasks.enqueue_analysis(message_id)
    return len(ids)
