"""Optional second factor: a TOTP authenticator app (django-otp's device, its token check and
its own throttle), required of admins when TACTFUL_REQUIRE_2FA_FOR_ADMINS is on.

The state rides in the session, set once at login: "verify" (a code is owed) or "setup" (an
admin must add an authenticator first). The middleware reads only that key, so pages cost no
extra query; API tokens are a separate door and are unaffected (docs/security.md).
"""

from __future__ import annotations

import base64
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tactful.accounts import security
from tactful.accounts.models import Agent, AuditKind

SESSION_KEY = "tactful_2fa"
VERIFY = "verify"
SETUP = "setup"
DEVICE_NAME = "Authenticator"


def confirmed_device(agent: Agent) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=agent, confirmed=True).first()


def required(agent: Agent) -> bool:
    return settings.TACTFUL_REQUIRE_2FA_FOR_ADMINS and agent.is_admin


def at_login(session: SessionBase, agent: Agent) -> None:
    """What the fresh session owes before the desk opens."""
    if confirmed_device(agent) is not None:
        session[SESSION_KEY] = VERIFY
    elif required(agent):
        session[SESSION_KEY] = SETUP
    else:
        session.pop(SESSION_KEY, None)


def on_login(sender: Any, request: HttpRequest | None, user: Agent, **kwargs: Any) -> None:
    """Receiver of ``user_logged_in``: every login door tells its session what is owed."""
    if request is not None and hasattr(request, "session"):
        at_login(request.session, user)


def pending(session: SessionBase) -> str:
    return str(session.get(SESSION_KEY, ""))


def new_device(agent: Agent) -> TOTPDevice:
    """The agent's unconfirmed device (one at a time), made on first use."""
    device = TOTPDevice.objects.filter(user=agent, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=agent, name=DEVICE_NAME, confirmed=False)
    return device


def secret_for_humans(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in (base32, in groups of four)."""
    text = base64.b32encode(unhexlify(device.key)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _clean(code: str) -> str:
    return "".join(code.split())[:12]


@transaction.atomic
def confirm(*, session: SessionBase, agent: Agent, code: str) -> bool:
    """Turn the new device on once the agent typed a right code from it."""
    device = new_device(agent)
    if not device.verify_token(_clean(code)):
        return False
    TOTPDevice.objects.filter(user=agent).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    session.pop(SESSION_KEY, None)
    security.record(AuditKind.TWO_FACTOR_ON, agent=agent, actor=agent)
    return True


def verify(*, session: SessionBase, agent: Agent, code: str, address: str) -> bool:
    """Check the code owed after the password; wrong codes are audited and throttled."""
    device = confirmed_device(agent)
    if device is not None and device.verify_token(_clean(code)):
        session.pop(SESSION_KEY, None)
        return True
    security.record(AuditKind.TWO_FACTOR_FAILED, agent=agent, address=address)
    return False


def turn_off(*, session: SessionBase, agent: Agent, code: str) -> bool:
    """Remove the second factor (a right code first; admins who must keep one cannot)."""
    device = confirmed_device(agent)
    if device is None or required(agent) or not device.verify_token(_clean(code)):
        return False
    TOTPDevice.objects.filter(user=agent).delete()
    security.record(AuditKind.TWO_FACTOR_OFF, agent=agent, actor=agent)
    return True
