"""STUN/TURN servers for calls, with TURN credentials made per call that coturn accepts.

``TACTFUL_ICE_SERVERS`` lists server URLs (``stun:``, ``turn:``, ``turns:``). TURN servers get
credentials made for one side of one call, in the scheme coturn checks under
``use-auth-secret`` / ``static-auth-secret`` (the "TURN REST API" of
draft-uberti-behave-turn-rest): the username is ``<expiry as Unix time>:<user>`` and the
password ``base64(HMAC-SHA1(secret, username))``. Nothing is stored: coturn recomputes the
password from the secret both know, and refuses the username once its time has passed.
With no servers at all, browsers connect over host candidates only (loopback, one LAN).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from typing import Any

from django.conf import settings
from django.core import checks

SCHEMES = ("stun", "stuns", "turn", "turns")
_URL_RE = re.compile(r"^(stuns?|turns?):[^\s,]{1,250}$")


def parse_urls(value: str) -> list[str]:
    """The URLs of a comma- or space-separated list (the environment variable's form)."""
    return [part for part in re.split(r"[\s,]+", value or "") if part]


def turn_credentials(*, secret: str, user: str, expires_at: int) -> tuple[str, str]:
    """coturn's ``use-auth-secret`` credentials: ``(username, password)``.

    Args:
        secret: coturn's ``static-auth-secret``.
        user: who the credential is for (kept in coturn's logs; no colon needed).
        expires_at: Unix time after which coturn refuses the credential.
    """
    username = f"{int(expires_at)}:{user}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(*, user: str, now: float | None = None) -> list[dict[str, Any]]:
    """``RTCConfiguration.iceServers`` for one side of one call (``[]``: host candidates only).

    STUN URLs need no credentials; TURN URLs share one credential that expires after
    ``TACTFUL_TURN_TTL`` seconds (long enough for the call and its reconnections).
    """
    urls = list(settings.TACTFUL_ICE_SERVERS)
    stun = [url for url in urls if url.startswith("stun")]
    turn = [url for url in urls if url.startswith("turn")]
    servers: list[dict[str, Any]] = []
    if stun:
        servers.append({"urls": stun})
    secret = settings.TACTFUL_TURN_SECRET
    if turn and secret:
        expires_at = int(now if now is not None else time.time()) + settings.TACTFUL_TURN_TTL
        username, password = turn_credentials(secret=secret, user=user, expires_at=expires_at)
        servers.append({"urls": turn, "username": username, "credential": password})
    return servers


def check_ice_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A misspelt URL or a TURN server without its secret would only fail inside browsers."""
    problems: list[checks.CheckMessage] = []
    urls = list(getattr(settings, "TACTFUL_ICE_SERVERS", []))
    for url in urls:
        if not _URL_RE.match(url):
            problems.append(
                checks.Error(
                    f"TACTFUL_ICE_SERVERS: {url!r} is not a stun:, stuns:, turn: or turns: URL.",
                    id="tactful.livechat.E001",
                )
            )
    if any(url.startswith("turn") for url in urls) and not settings.TACTFUL_TURN_SECRET:
        problems.append(
            checks.Warning(
                "TACTFUL_ICE_SERVERS lists a TURN server but TACTFUL_TURN_SECRET is empty: "
                "browsers will not be given credentials for it.",
                hint="Set it to coturn's static-auth-secret (see docs/calls.md).",
                id="tactful.livechat.W001",
            )
        )
    return problems
