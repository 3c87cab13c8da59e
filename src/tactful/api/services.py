"""Issuing, checking and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.api.models import ApiToken

TOKEN_PREFIX = "tct_"
#: last_used_at is written at most this often per token (keeps reads cheap).
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(*, agent: Agent, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``agent``; returns it and the raw secret (shown only this once)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("A token needs a name of at most 100 characters."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(agent=agent, name=name, prefix=raw[:12], key_hash=_hash(raw))
    return token, raw


def authenticate_token(raw: str) -> Agent | None:
    """The active agent behind a raw token, or None."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("agent")
        .filter(key_hash=_hash(raw), revoked=False, agent__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.agent


def revoke_token(*, token: ApiToken) -> None:
    token.revoked = True
    token.save(update_fields=["revoked"])
