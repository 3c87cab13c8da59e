"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.accounts.models import Agent, AuditKind
from tactful.api.models import ApiToken

TOKEN_PREFIX = "tct_"
#: last_used_at is written at most this often per token (keeps reads cheap).
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class TokenLocked(Exception):
    """Too many wrong tokens from this address: every token is refused until the lock ends."""


def issue_token(*, agent: Agent, name: str, by: Agent | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``agent``; returns it and the raw secret (shown only this once)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("A token needs a name of at most 100 characters."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(agent=agent, name=name, prefix=raw[:12], key_hash=_hash(raw))
    security.record(
        AuditKind.TOKEN_ISSUED, actor=by, agent=agent, token=token.pk, prefix=token.prefix
    )
    return token, raw


def authenticate_token(raw: str, *, address: str = "") -> Agent | None:
    """The active agent behind a raw token, or None; raises TokenLocked for a locked address.

    A locked address is refused even with a right token (else the lock would not slow a
    guesser); the lock check rides in the token's own query, so a good token costs no extra
    query. Wrong tokens are counted per address (docs/security.md).
    """
    if not raw:
        return None
    if len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        token = None
    else:
        token = (
            ApiToken.objects.select_related("agent")
            .annotate(address_locked=Exists(security.token_lock_filter(address)))
            .filter(key_hash=_hash(raw), revoked=False, agent__is_active=True)
            .first()
        )
    if token is None:
        if security.token_address_locked(address):
            security.record_token_refused(address=address)
            raise TokenLocked
        if security.record_token_failure(address=address, prefix=raw[:12]):
            raise TokenLocked
        return None
    if token.address_locked:  # type: ignore[attr-defined]
        security.record_token_refused(address=address)
        raise TokenLocked
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.agent


def revoke_token(*, token: ApiToken, by: Agent | None = None) -> None:
    token.revoked = True
    token.save(update_fields=["revoked"])
    security.record(
        AuditKind.TOKEN_REVOKED, actor=by, agent=token.agent, token=token.pk, prefix=token.prefix
    )
