"""Background analysis of customer messages (in-process when no broker is configured)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from tactful.coaching.analysis import AnalysisError, analyze_incoming_message
from tactful.tickets.models import Message

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, name="tactful.coaching.analyze_message")
def analyze_message_task(self, message_id: int) -> str:  # type: ignore[no-untyped-def]
    """Analyse one incoming message; transient failures retry with a growing delay."""
    # With its analysis row in the same query (analyze_incoming_message reads it).
    message = Message.objects.select_related("analysis").filter(pk=message_id).first()
    if message is None:
        return "missing"
    try:
        analysis = analyze_incoming_message(message=message)
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


def enqueue_analysis(message_id: int) -> None:
    """Send the analysis to a worker; if the broker is down, the row stays pending for a retry."""
    try:
        analyze_message_task.delay(message_id)
    except Exception:  # a broker outage must not break the request that saved the message
        logger.exception("could not queue analysis of message %s", message_id)
