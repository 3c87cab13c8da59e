"""A fixed-window rate limit per client address for the public survey endpoints."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

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
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def limited(request: HttpRequest, *, scope: str) -> bool:
    """Count this request; whether the client is over the limit for the window."""
    key = f"tactful:survey:rate:{scope}:{client_key(request)}"
    cache.add(key, 0, timeout=WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=WINDOW)
        count = 1
    return count > settings.TACTFUL_SURVEY_RATE_LIMIT
