"""The seam through which sampling reads customer satisfaction, if an app provides it.

Quality reviews work without CSAT; the app that runs the surveys plugs in a reader, either by
calling :func:`register_csat_reader` from its ``AppConfig.ready()`` or, when it sits below
quality in the layers and may not import it, by naming the function in the setting
``TACTFUL_QUALITY_CSAT_READER`` (a dotted path). The reader takes ticket ids and returns, for
the tickets that have an answer, ``"good"``, ``"neutral"`` or ``"bad"`` — or any object with
that in its ``sentiment`` attribute, so the satisfaction app's
``selectors.ratings_for`` (ticket id → its current ``TicketRating``) plugs in as it is: the
settings name it by default whenever ``tactful.satisfaction`` is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

CsatReader = Callable[[Sequence[int]], Mapping[int, Any]]
BUCKETS = frozenset({"good", "neutral", "bad"})

_registered: list[CsatReader] = []


def register_csat_reader(reader: CsatReader) -> None:
    """Use ``reader`` for CSAT from now on (the last one registered wins)."""
    _registered[:] = [reader]


def unregister_csat_reader() -> None:
    """Forget a registered reader (tests)."""
    _registered.clear()


def _reader() -> CsatReader | None:
    if _registered:
        return _registered[0]
    path = settings.TACTFUL_QUALITY_CSAT_READER
    if not path:
        return None
    try:
        reader: CsatReader = import_string(path)
    except ImportError:
        logger.warning(
            "TACTFUL_QUALITY_CSAT_READER %r cannot be imported; sampling ignores CSAT", path
        )
        return None
    return reader


def csat_buckets(ticket_ids: Sequence[int]) -> dict[int, str]:
    """Each ticket's CSAT answer as good/neutral/bad (tickets without one are left out).

    No provider, or one that fails: an empty answer, because sampling must go on without CSAT.
    """
    reader = _reader()
    if reader is None or not ticket_ids:
        return {}
    try:
        answers = reader(list(ticket_ids))
    except Exception:
        logger.exception("the CSAT reader failed; sampling goes on without CSAT")
        return {}
    buckets = {}
    for ticket_id, answer in dict(answers or {}).items():
        bucket = answer if isinstance(answer, str) else getattr(answer, "sentiment", None)
        if bucket in BUCKETS and isinstance(ticket_id, int):
            buckets[ticket_id] = str(bucket)
    return buckets
