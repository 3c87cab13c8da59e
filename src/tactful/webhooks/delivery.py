"""Sending event deliveries: after commit, at most once, retried with backoff.

Like reply delivery (:mod:`tactful.outbound.delivery`): the task first *claims* the row
(``sending``, committed) and only then sends, so a task that runs twice, or one redelivered
after a worker died, finds the claim and sends nothing. A claim whose lease runs out becomes
``uncertain`` (the request may have left) and is never resent. Temporary failures (408, 429,
5xx, timeouts, refused connections) are retried with a doubling delay; other answers, a
redirect included, fail the delivery.

Every request carries, like the channel webhooks::

    X-Tactful-Event: ticket.solved
    X-Tactful-Delivery: <delivery id>   (the same on every retry: receivers dedupe on it)
    X-Tactful-Timestamp: <unix seconds>
    X-Tactful-Signature: sha256=<hex HMAC-SHA256 of f"{timestamp}.{raw body}" with the secret>
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tactful.outbound.webhooks import sign
from tactful.webhooks.models import DeliveryState, EventDelivery

logger = logging.getLogger(__name__)

USER_AGENT = "Tactful-Events/1"
MAX_ERROR_CHARS = 2000
PENDING = (DeliveryState.QUEUED, DeliveryState.RETRYING)


class TemporaryError(Exception):
    pass


class PermanentError(Exception):
    pass


@shared_task(acks_late=True, name="tactful.webhooks.deliver")
def deliver_task(delivery_id: int) -> str:
    return deliver(delivery_id)


@shared_task(name="tactful.webhooks.sweep")
def sweep_task() -> dict[str, int]:
    return sweep()


def enqueue(delivery_id: int, *, countdown: float | None = None) -> None:
    """Hand one delivery to a worker; with the broker down it waits for the sweep."""
    if settings.CELERY_TASK_ALWAYS_EAGER and countdown:
        return  # in-process mode cannot wait: the sweep retries when it is due
    try:
        if countdown:
            deliver_task.apply_async((delivery_id,), countdown=countdown)
        else:
            deliver_task.delay(delivery_id)
    except Exception:  # a broker outage must not break the request that made the change
        logger.exception("could not queue event delivery %s", delivery_id)


def enqueue_many(ids: Iterable[int]) -> None:
    for delivery_id in ids:
        enqueue(delivery_id)


def retry_delay(attempts: int) -> timedelta:
    base = settings.TACTFUL_DELIVERY_RETRY_DELAY
    return timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), 6 * 3600))


def _claim(delivery_id: int) -> EventDelivery | None:
    """Take the delivery for sending; committed before anything leaves."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            EventDelivery.objects.select_for_update(skip_locked=True)
            .select_related("webhook")
            .filter(pk=delivery_id, state__in=PENDING)
            .first()
        )
        if row is None:
            return None
        if row.next_attempt_at is not None and row.next_attempt_at > now:
            return None  # a retry that is not due yet
        row.state = DeliveryState.SENDING
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=settings.TACTFUL_DELIVERY_LEASE)
        row.save(update_fields=["state", "attempts", "next_attempt_at"])
    return row


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A signed request is never re-sent to a host nobody configured."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def send(row: EventDelivery) -> int:
    """POST the delivery; returns the HTTP status, or raises Temporary/PermanentError."""
    webhook = row.webhook
    if not webhook.active:
        raise PermanentError("The webhook was switched off.")
    if urllib.parse.urlsplit(webhook.url).scheme not in {"http", "https"}:
        raise PermanentError("The webhook URL must start with http or https.")
    body = json.dumps(
        {**row.payload, "delivery_id": row.pk}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Tactful-Event": row.event,
            "X-Tactful-Delivery": str(row.pk),
            "X-Tactful-Timestamp": timestamp,
            "X-Tactful-Signature": sign(secret=webhook.secret, timestamp=timestamp, body=body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.TACTFUL_WEBHOOK_TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
        text = f"HTTP {status} {exc.reason or ''}".strip()
        if status in {408, 429} or status >= 500:
            raise TemporaryError(text) from exc
        raise PermanentError(text) from exc
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise TemporaryError(f"could not be reached: {reason}") from exc


def _finish(row: EventDelivery, **fields: object) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    EventDelivery.objects.filter(pk=row.pk).update(**fields)


def deliver(delivery_id: int) -> str:
    """Send one due delivery; returns the state it ends in (``skipped``: not ours to send)."""
    row = _claim(delivery_id)
    if row is None:
        return "skipped"
    try:
        status = send(row)
    except PermanentError as exc:
        _finish(
            row,
            state=DeliveryState.FAILED,
            last_error=str(exc)[:MAX_ERROR_CHARS],
            next_attempt_at=None,
        )
        return DeliveryState.FAILED
    except Exception as exc:  # temporary: down, timeout, anything unexpected
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        logger.warning("event delivery %s failed: %s", row.pk, error)
        if row.attempts >= settings.TACTFUL_DELIVERY_MAX_ATTEMPTS:
            _finish(row, state=DeliveryState.FAILED, last_error=error, next_attempt_at=None)
            return DeliveryState.FAILED
        delay = retry_delay(row.attempts)
        _finish(
            row,
            state=DeliveryState.RETRYING,
            last_error=error,
            next_attempt_at=timezone.now() + delay,
        )
        enqueue(row.pk, countdown=delay.total_seconds())
        return DeliveryState.RETRYING
    _finish(
        row,
        state=DeliveryState.SENT,
        last_error="",
        response_status=status,
        delivered_at=timezone.now(),
        next_attempt_at=None,
    )
    return DeliveryState.SENT


def sweep(*, limit: int = 500) -> dict[str, int]:
    """Re-queue due deliveries whose task was lost; expired claims become ``uncertain``."""
    now = timezone.now()
    uncertain = EventDelivery.objects.filter(
        state=DeliveryState.SENDING, next_attempt_at__lt=now
    ).update(
        state=DeliveryState.UNCERTAIN,
        next_attempt_at=None,
        last_error="The worker stopped while sending; it may have arrived.",
    )
    due = list(
        EventDelivery.objects.filter(state__in=PENDING)
        .exclude(next_attempt_at__gt=now)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue_many(due)
    return {"requeued": len(due), "uncertain": uncertain}
