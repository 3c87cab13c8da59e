"""Read queries for coaching: the coach's reading of each customer message."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from tactful.coaching.models import MessageAnalysis
from tactful.tickets.models import Message


def with_analysis(messages: QuerySet[Message]) -> QuerySet[Message]:
    """``messages`` with each one's reading joined in (one query; see :func:`analysis_of`).

    The evidence spans are left out (the ticket page does not show them; they load on demand).
    """
    return messages.select_related("analysis").defer("analysis__spans")


def analysis_of(message: Message) -> MessageAnalysis | None:
    """The reading loaded by :func:`with_analysis` (``None`` when the message has none)."""
    try:
        return message.analysis  # type: ignore[no-any-return]
    except ObjectDoesNotExist:
        return None
