"""Outgoing webhooks: replies on API-fed channels leave as signed JSON POSTs, retried by outbound.

Each API-fed channel (social, forum, phone, video, api) may have one active
:class:`~tactful.outbound.models.ChannelWebhook`. An agent's reply on such a channel is POSTed
to its URL as JSON; the integration that fed the customer's message in (a social-media
bridge, the forum, the phone system) posts it where the customer wrote. Without an active
webhook the reply is kept as a note in Tactful and not delivered (``delivery_state`` stays
empty): a phone agent who logs what they said on the call needs nothing sent.

Every request carries::

    X-Tactful-Timestamp: <unix seconds>
    X-Tactful-Signature: sha256=<hex HMAC-SHA256 of f"{timestamp}.{raw body}" with the secret>
    X-Tactful-Delivery: <message id>   (the same on every retry: receivers dedupe on it)

A 2xx answer means delivered; 408, 429, 5xx, timeouts and connection errors are retried with
backoff (:mod:`tactful.outbound.services`); any other answer, a redirect included, fails the
delivery and asks an agent to act. Redirects are never followed: a signed reply must not be
re-sent to a host nobody configured.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from tactful.customers.models import CustomerIdentity
from tactful.outbound import transports
from tactful.outbound.models import ChannelWebhook
from tactful.tickets.models import Message, MessageKind

#: Channels whose replies leave through an outgoing webhook.
WEBHOOK_CHANNELS: tuple[str, ...] = ("social", "forum", "phone", "video", "api")
SIGNATURE_PREFIX = "sha256="
USER_AGENT = "Tactful-Webhook/1"
#: Read at most this much of a receiver's answer (we only look for its ``id``).
MAX_RESPONSE_BYTES = 64 * 1024


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Tactful-Signature`` value: HMAC-SHA256 over ``b"{timestamp}." + body``."""
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (constant-time comparison); used by the tests and the docs."""
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature)


def active_webhook(channel: str) -> ChannelWebhook | None:
    return ChannelWebhook.objects.filter(channel=channel, active=True).first()


def has_active_webhook(message: Message) -> bool:
    """Whether Tactful delivers replies on the message's channel at all."""
    return ChannelWebhook.objects.filter(channel=message.channel, active=True).exists()


def build_payload(message: Message) -> dict[str, Any]:
    """The JSON a receiver gets for one reply."""
    ticket = message.ticket
    customer = ticket.customer
    # The customer's latest message on this channel is the one the reply answers; the thread
    # (post, call, conversation) is the latest one the customer named.
    latest = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.INCOMING, channel=message.channel)
        .order_by("-created_at", "-id")
        .only("external_id", "metadata")
        .first()
    )
    thread_id = ""
    if latest is not None and isinstance(latest.metadata, dict):
        thread_id = str(latest.metadata.get("thread_id") or "")
    handle = (
        CustomerIdentity.objects.filter(customer=customer, channel=message.channel)
        .order_by("id")
        .values_list("handle", flat=True)
        .first()
    )
    agent = message.author_agent
    payload: dict[str, Any] = {
        "event": "reply",
        "delivery_id": message.pk,
        "channel": message.channel,
        "ticket": ticket.pk,
        "thread_id": thread_id or None,
        "in_reply_to": (latest.external_id or None) if latest is not None else None,
        "customer": {"handle": handle or "", "name": customer.name},
        "body": message.body,
        "agent": {"name": str(agent) if agent is not None else ""},
        "created_at": message.created_at.isoformat(),
    }
    survey = message.metadata.get("survey") if message.author_agent_id is None else None
    if isinstance(survey, dict):
        # A satisfaction survey: the integration may post the page link or answer through
        # ``answer`` itself (JSON ``{"rating": …, "comment": …}``).
        payload["survey"] = {
            key: survey.get(key) for key in ("page", "answer", "scale", "choices", "question")
        }
    return payload


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Turn every redirect into an error answer instead of following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date); ``None`` if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _classify(status: int, reason: str, retry_after: str | None = None) -> transports.DeliveryError:
    text = f"The webhook answered HTTP {status} {reason}".strip()
    if status in {408, 429} or status >= 500:
        return transports.TemporaryDeliveryError(text, retry_after=_retry_after(retry_after))
    if 300 <= status < 400:
        return transports.PermanentDeliveryError(
            text + " (a redirect: set the final URL in the webhook settings)"
        )
    return transports.PermanentDeliveryError(text)


def _provider_id(raw: bytes) -> str:
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if isinstance(answer, dict) and isinstance(answer.get("id"), str | int):
        return str(answer["id"])[:255]
    return ""


def send_webhook(message: Message) -> str:
    """POST the reply to its channel's webhook; returns the receiver's ``id``, if it gave one.

    Raises:
        TemporaryDeliveryError: worth retrying (408, 429, 5xx, timeout, connection refused).
        PermanentDeliveryError: no active webhook, or the receiver refused (other 4xx, 3xx).
    """
    webhook = active_webhook(message.channel)
    if webhook is None:
        raise transports.PermanentDeliveryError(
            f"No active outgoing webhook for the {message.channel} channel."
        )
    if urllib.parse.urlsplit(webhook.url).scheme not in {"http", "https"}:
        # urllib also opens file:// and ftp:// URLs; a webhook is only ever HTTP(S).
        raise transports.PermanentDeliveryError("The webhook URL must start with http or https.")
    body = json.dumps(build_payload(message), ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Tactful-Timestamp": timestamp,
            "X-Tactful-Signature": sign(secret=webhook.secret, timestamp=timestamp, body=body),
            "X-Tactful-Delivery": str(message.pk),
        },
    )
    try:
        with _opener.open(request, timeout=settings.TACTFUL_WEBHOOK_TIMEOUT) as response:
            raw = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        exc.close()
        raise _classify(exc.code, str(exc.reason or ""), retry_after) from exc
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise transports.TemporaryDeliveryError(
            f"The webhook could not be reached: {reason}"
        ) from exc
    return _provider_id(raw)


def register_webhook_transports() -> None:
    """Register the webhook transport for each API-fed channel (from OutboundConfig.ready)."""
    for channel in WEBHOOK_CHANNELS:
        transports.register(channel, send_webhook, applies=has_active_webhook)
