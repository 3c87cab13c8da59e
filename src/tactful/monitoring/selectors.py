"""What is waiting: the backlogs a scrape reports (each an indexed count)."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db.models import Count

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets.models import DeliveryState, Message

#: Delivery states worth watching (sent replies are not a backlog). ``uncertain`` and
#: ``failed`` replies wait for an agent to check and press "Send again": a backlog only a human
#: clears, so it belongs on the dashboard beside the one the workers clear.
WATCHED_DELIVERIES = (
    DeliveryState.QUEUED,
    DeliveryState.RETRYING,
    DeliveryState.SENDING,
    DeliveryState.UNCERTAIN,
    DeliveryState.FAILED,
)


def analyses_waiting() -> dict[str, int]:
    """Customer messages the coach has not read yet (``pending``) or could not (``failed``)."""
    rows = (
        MessageAnalysis.objects.exclude(status=AnalysisStatus.DONE)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {str(status): 0 for status in (AnalysisStatus.PENDING, AnalysisStatus.FAILED)}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def deliveries_waiting() -> dict[str, int]:
    """Replies not delivered yet, by state (the partial index ``message_delivery_due`` holds
    exactly these states, so the count never reads the table's delivered replies)."""
    rows = (
        Message.objects.filter(delivery_state__in=WATCHED_DELIVERIES)
        .values("delivery_state")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {str(state): 0 for state in WATCHED_DELIVERIES}
    counts.update({row["delivery_state"]: row["n"] for row in rows})
    return counts


def broker_queue_length(queue: str = "celery") -> int | None:
    """Tasks waiting in the Redis broker's queue (``None``: no Redis broker, or unreachable)."""
    url = settings.CELERY_BROKER_URL or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return int(client.llen(queue))
    except Exception:  # the metrics page must answer even when the broker does not
        return None


def broker_status() -> str | None:
    """``"ok"`` or why the Redis broker does not answer (``None``: tasks run in-process or
    the broker is not Redis, nothing to ask)."""
    url = settings.CELERY_BROKER_URL or ""
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except Exception as exc:  # readiness reports it; it never raises
        return f"{type(exc).__name__}: {exc}"[:200]
    return "ok"
