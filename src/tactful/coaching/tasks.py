"""Background analysis of customer messages (in-process when no broker is configured)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

# services imports this module as well: the module, not its names, so either may load first.
from tactful.coaching import services
from tactful.coaching.analysis import (
    AnalysisError,
    analyze_incoming_message,
    analyze_incoming_messages,
)
from tactful.tickets.models import Message
from tactful.tickets.transient import is_transient

logger = logging.getLogger(__name__)

#: Times a reading rolled back as a deadlock's victim is tried again.
TRANSIENT_RETRIES = 5


@shared_task(bind=True, acks_late=True, name="tactful.coaching.analyze_message")
def analyze_message_task(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Analyse one incoming message; transient failures retry with a growing delay."""
    # With its analysis row in the same query (analyze_incoming_message reads it).
    message = Message.objects.select_related("analysis").filter(pk=message_id).first()
    if message is None:
        return "missing"
    try:
        analysis = analyze_incoming_message(message=message)
    except OperationalError as exc:
        # A deadlock's victim (two workers storing readings of one ticket or one day's
        # figures): the transaction was rolled back whole, so the same reading runs again.
        if not is_transient(exc) or self.request.is_eager:
            raise
        raise self.retry(countdown=1 + self.request.retries, max_retries=TRANSIENT_RETRIES) from exc
    except AnalysisError as exc:
        if exc.permanent or self.request.is_eager:
            return "failed"
        retries = self.request.retries
        if retries >= settings.TACTFUL_ANALYSIS_MAX_RETRIES:
            return "failed"
        delay = settings.TACTFUL_ANALYSIS_RETRY_DELAY * (2**retries)
        raise self.retry(
            countdown=delay, max_retries=settings.TACTFUL_ANALYSIS_MAX_RETRIES
        ) from exc
    return str(analysis.status)


@shared_task(acks_late=True, name="tactful.coaching.analyze_messages")
def analyze_messages_task(message_ids: list[int]) -> dict[str, int]:
    """Analyse a batch of incoming messages with one encoder call for all their texts; a
    message the batch could not read goes on to its own task (which retries)."""
    ids = [pk for pk in message_ids if isinstance(pk, int) and not isinstance(pk, bool)]
    ids = ids[:MAX_BATCH]
    messages = list(Message.objects.select_related("analysis").filter(pk__in=ids).order_by("pk"))
    try:
        outcome = analyze_incoming_messages(messages)
    except OperationalError as exc:
        if not is_transient(exc):
            raise
        # Rolled back as a deadlock's victim: each message goes to its own task, which
        # retries (readings already stored are skipped there).
        for message in messages:
            enqueue_analysis(message.pk)
        return {"done": 0, "unread": len(messages)}
    for message_id in outcome.unread:
        enqueue_analysis(message_id)
    return {"done": outcome.done, "unread": len(outcome.unread)}


#: The most messages one batch task reads (a fetched group of mail is smaller).
MAX_BATCH = 200

_collecting: ContextVar[list[int] | None] = ContextVar("tactful_analyses", default=None)


@contextmanager
def analyses_in_batches() -> Iterator[None]:
    """Inside the block, the analyses each commit queues are collected; when it ends they go
    to the workers as batches (``analyze_messages_task``), so the coach encodes a fetched
    group of mail in one call instead of one call per message.

    The batch is sent even when the block raises (the messages stored before stay stored),
    and a message left unread by a crash stays ``pending`` until beat's sweep of stuck readings
    queues it again (``services.sweep_stuck_analyses``).
    """
    collected: list[int] = []
    token = _collecting.set(collected)
    try:
        yield
    finally:
        _collecting.reset(token)
        for start in range(0, len(collected), MAX_BATCH):
            _send_batch(collected[start : start + MAX_BATCH])


@shared_task(name="tactful.coaching.sweep_stuck_analyses")
def sweep_stuck_analyses_task() -> int:
    """Beat's periodic pass over readings left pending or failed (see the service)."""
    return services.sweep_stuck_analyses()


def queue_batch(message_ids: list[int]) -> None:
    """Send one batch to a worker now (outside :func:`analyses_in_batches`)."""
    _send_batch(message_ids)


def _send_batch(message_ids: list[int]) -> None:
    try:
        analyze_messages_task.delay(message_ids)
    except Exception:  # a broker outage: the rows stay pending for a retry
        logger.exception("could not queue the analysis of %s messages", len(message_ids))


def enqueue_analysis(message_id: int) -> None:
    """Send the analysis to a worker; if the broker is down, the row stays pending for a retry.

    Inside :func:`analyses_in_batches` it joins the block's batch instead."""
    collected = _collecting.get()
    if collected is not None:
        collected.append(message_id)
        return
    try:
        analyze_message_task.delay(message_id)
    except Exception:  # a broker outage must not break the request that saved the message
        logger.exception("could not queue analysis of message %s", message_id)
