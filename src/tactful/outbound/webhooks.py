"""Outgoing webhooks for API-fed channels (signed, retried by tactful.outbound)."""

from __future__ import annotations


def register_webhook_transports() -> None:
    """Register the webhook transport for each API-fed channel (filled in with issue 4)."""
