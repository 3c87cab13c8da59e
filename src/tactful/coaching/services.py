"""Asking the coach to read customer messages: when they arrive, and again after a failure.

The reading itself runs in a worker (:mod:`tactful.coaching.tasks`, then
:mod:`tactful.coaching.analysis`) after the transaction commits, so a message is always
stored first and the coach never slows a request down.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, sql
from django.db.models.functions import Coalesce
from django.utils import timezone

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
    if new_message and connection.vendor == "postgresql":
        analysis = _insert_marking_the_ticket_pending(message)
    else:
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


def _insert_marking_the_ticket_pending(message: Message) -> MessageAnalysis:
    """Insert ``message``'s pending analysis row and mark its ticket "analysing" in one
    round trip (PostgreSQL): the ticket's UPDATE rides in a ``WITH`` clause of the INSERT,
    which PostgreSQL runs to completion whether or not the INSERT reads it. Every customer
    message takes this path, so it is one statement fewer per message stored."""
    analysis = MessageAnalysis(message=message)
    meta = MessageAnalysis._meta
    # The INSERT as the ORM writes it (every column, defaults and created_at filled in).
    query = sql.InsertQuery(MessageAnalysis)
    query.insert_values(
        [f for f in meta.local_concrete_fields if f is not meta.pk], [analysis], raw=False
    )
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [meta.pk]
    [(insert_sql, insert_params)] = compiler.as_sql()
    quote = connection.ops.quote_name
    table = quote(Ticket._meta.db_table)
    state = quote(Ticket._meta.get_field("coach_state").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH marked AS (UPDATE {table} SET {state} = %s "
            f"WHERE {quote(Ticket._meta.pk.column)} = %s AND {state} <> %s) {insert_sql}",
            [CoachState.PENDING, message.ticket_id, CoachState.PENDING, *insert_params],
        )
        row = cursor.fetchone()
    assert row is not None  # an INSERT … RETURNING of one row
    analysis.pk = row[0]
    analysis._state.adding = False
    analysis._state.db = connection.alias
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


def sweep_stuck_analyses(*, now: datetime | None = None, limit: int = 1_000) -> int:
    """Queue again the readings that a crash, a lost task or a broker outage left behind.

    A reading is stuck when it is still *pending* (or *failed*, with fewer than
    ``TACTFUL_ANALYSIS_SWEEP_ATTEMPTS`` attempts) ``TACTFUL_ANALYSIS_STUCK_SECONDS`` after it
    was created or last queued by this sweep. Each is stamped before it is queued, so a worker
    that stays down gets each reading once per period, not once per sweep. Beat runs this
    every few minutes (``sweep-stuck-analyses``); one message's reading is retried at once
    with :func:`retry_analysis` (the ticket page's "Retry").
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TACTFUL_ANALYSIS_STUCK_SECONDS)
    stuck = (
        MessageAnalysis.objects.annotate(last_queued=Coalesce("requeued_at", "created_at"))
        .filter(last_queued__lt=cutoff)
        .filter(
            Q(status=AnalysisStatus.PENDING)
            | Q(
                status=AnalysisStatus.FAILED,
                attempts__lt=settings.TACTFUL_ANALYSIS_SWEEP_ATTEMPTS,
            )
        )
        .order_by("id")
    )
    rows = list(stuck.values_list("id", "message_id")[:limit])
    if not rows:
        return 0
    MessageAnalysis.objects.filter(id__in=[pk for pk, _m in rows]).update(requeued_at=now)
    message_ids = [message_id for _pk, message_id in rows]
    for start in range(0, len(message_ids), tasks.MAX_BATCH):
        tasks.queue_batch(message_ids[start : start + tasks.MAX_BATCH])
    return len(message_ids)
