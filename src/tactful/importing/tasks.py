"""The coach's reading of imported history, in the background and silently."""

from __future__ import annotations

import logging

from celery import shared_task

from tactful.coaching.analysis import AnalysisError, analyze_incoming_message
from tactful.tickets.models import Message, MessageKind

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, name="tactful.importing.analyse_history")
def analyse_history_task(message_ids: list[int]) -> int:
    """Read a batch of imported customer messages; idempotent (done ones are skipped).

    Silent: what the coach reads about the past fills the reports and the emotional load,
    and no rule, notification or reassignment acts on it. A message the coach cannot read is
    marked failed (with a Retry button on its ticket) and the batch goes on.
    """
    done = 0
    messages = Message.objects.select_related("analysis").filter(
        pk__in=message_ids, kind=MessageKind.INCOMING
    )
    for message in messages.order_by("id"):
        try:
            analyze_incoming_message(message=message, silent=True)
        except AnalysisError:
            continue
        done += 1
    return done


def queue_history_analysis(message_ids: list[int]) -> None:
    """Send a batch to a worker; if the broker is down the rows stay pending (Retry finds them)."""
    try:
        analyse_history_task.delay(message_ids)
    except Exception:  # an outage must not undo an import that already committed
        logger.exception("could not queue the analysis of %d imported messages", len(message_ids))
