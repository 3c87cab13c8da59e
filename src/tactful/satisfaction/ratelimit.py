"""A fixed-window rate limit per client address for the public survey endpoints."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from tactful.accounts import security

#: The window of ``TACTFUL_SURVEY_RATE_LIMIT``, in seconds.
WINDOW = 600


def client_key(request: HttpRequest) -> str:
    """The client's address (an IPv6 client counts as its /64), behind
    ``TACTFUL_CONTACT_PROXY_HOPS`` trusted proxies like the contact form."""
    hops = getattr(settings, "TACTFUL_CONTACT_PROXY_HOPS", 0)
    address = request.META.get("REMOTE_ADDR", "") or ""
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return security.network_key(address)


def limited(request: HttpRequest, *, scope: str) -> bool:
    """Count this request; whether the client is over the limit for the window."""
    count = security.count_in_window(f"survey:{scope}", client_key(request), window=WINDOW)
    return count > settings.TACTFUL_SURVEY_RATE_LIMIT
