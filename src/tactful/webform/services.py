"""Contact form submissions: rate limits per client and per address, bot checks, then a
customer and a ticket."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from tactful.accounts import security
from tactful.accounts.models import Team
from tactful.customers.models import Channel
from tactful.tickets import inbound
from tactful.tickets.models import Ticket

_TOKEN_SALT = "tactful.webform.started"
#: A page left open longer than this asks the visitor to send again (the token expired).
TOKEN_MAX_AGE = 24 * 3600


@dataclass(frozen=True)
class FormToken:
    """When the visitor opened the form, and a one-time id that makes a double submit one ticket."""

    started_at: float
    nonce: str


def issue_form_token() -> str:
    return signing.dumps({"t": time.time(), "n": uuid.uuid4().hex}, salt=_TOKEN_SALT)


def read_form_token(value: str) -> FormToken | None:
    """The token the page carried, or ``None`` when it is forged, malformed or expired."""
    try:
        data = signing.loads(value, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    started_at, nonce = data.get("t"), data.get("n")
    if not isinstance(started_at, int | float) or not isinstance(nonce, str) or not nonce:
        return None
    return FormToken(started_at=float(started_at), nonce=nonce[:64])


def filled_too_fast(token: FormToken, *, now: float | None = None) -> bool:
    """Sent sooner after the page loaded than a person could type: likely a bot."""
    elapsed = (time.time() if now is None else now) - token.started_at
    return elapsed < settings.TACTFUL_CONTACT_MIN_SECONDS


def client_ip(request: HttpRequest) -> str:
    """The visitor's address: the socket's, or the one the trusted proxies appended.

    With N proxies in front (``TACTFUL_CONTACT_PROXY_HOPS``), the client is the Nth address
    from the right of X-Forwarded-For; anything further left is whatever the client claimed.
    """
    hops = settings.TACTFUL_CONTACT_PROXY_HOPS
    address = request.META.get("REMOTE_ADDR", "") or ""
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address


def rate_limited(address: str) -> bool:
    """Count one submission from ``address``; whether it is over the limit for the window.

    A fixed window in the shared cache (Redis in production): the first submission starts
    it, and it ends ``TACTFUL_CONTACT_RATE_WINDOW`` seconds later.
    """
    count = security.count_in_window(
        "webform", security.network_key(address), window=settings.TACTFUL_CONTACT_RATE_WINDOW
    )
    return count > settings.TACTFUL_CONTACT_RATE_LIMIT


def address_rate_limited(email: str) -> bool:
    """Count one submission for the sender's e-mail address; whether it is over its limit.

    The per-IP limit alone lets one sender rotate through addresses (proxies, a botnet) to
    flood the team under one name; this one counts the address whatever the IP, in the same
    window (``TACTFUL_CONTACT_RATE_PER_ADDRESS`` submissions).
    """
    count = security.count_in_window(
        "contact-address",
        email.strip().lower(),
        window=settings.TACTFUL_CONTACT_RATE_WINDOW,
    )
    return count > settings.TACTFUL_CONTACT_RATE_PER_ADDRESS


def team_for_slug(slug: str) -> Team | None:
    """The team whose public contact form lives at ``/contact/<slug>/``."""
    if not slug:
        return None
    return Team.objects.filter(slug=slug).first()


def submit_contact_form(
    *,
    team: Team,
    name: str,
    email: str,
    subject: str,
    message: str,
    language: str,
    nonce: str,
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """File the visitor's message as a new web ticket for ``team``.

    The customer is found (or created) by e-mail address on the web channel, and is answered
    by e-mail. ``nonce`` comes from the page's token: the same form sent twice (a double
    click, a resent POST) is one ticket.
    """
    return inbound.receive(
        channel=Channel.WEB,
        sender=inbound.Sender(handle=email, name=name, email=email, language=language),
        body=message,
        subject=subject,
        language=language,
        team=team,
        external_id=f"webform:{nonce}",
        attachments=attachments,
        metadata={"form": team.slug},
    ).ticket
