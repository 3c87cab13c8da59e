"""How a reply leaves Tactful: one transport per channel, registered by the channel's app.

A transport is a function ``send(message) -> provider_id``. It raises
:class:`TemporaryDeliveryError` when trying again later may work (server down, timeout, 5xx)
and :class:`PermanentDeliveryError` when it cannot (no address, 4xx, refused recipient).
Any other exception counts as temporary. The e-mail app registers ``email`` and ``web`` (web
form customers are answered by e-mail), live chat registers ``chat``, and the outgoing
webhooks register the API-fed channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tactful.tickets.models import Message


class DeliveryError(Exception):
    """A reply could not be delivered."""


class TemporaryDeliveryError(DeliveryError):
    """Worth another try later (with backoff).

    ``retry_after``: seconds the other side asked us to wait (HTTP ``Retry-After``); the next
    try waits at least that long.
    """

    def __init__(self, message: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Another try would fail the same way; an agent must act."""


Send = Callable[["Message"], str]
Applies = Callable[["Message"], bool]


@dataclass(frozen=True)
class Transport:
    channel: str
    send: Send
    #: Whether Tactful delivers this message at all (a phone note with no webhook: no).
    applies: Applies


_registry: dict[str, Transport] = {}


def register(channel: str, send: Send, *, applies: Applies | None = None) -> None:
    """Make ``send`` deliver replies on ``channel`` (called from an AppConfig.ready)."""
    _registry[channel] = Transport(channel, send, applies or (lambda message: True))


def unregister(channel: str) -> None:
    _registry.pop(channel, None)


def transport_for(message: Message) -> Transport | None:
    """The transport that delivers ``message``, or ``None`` when Tactful does not deliver it."""
    transport = _registry.get(message.channel)
    if transport is None or not transport.applies(message):
        return None
    return transport
