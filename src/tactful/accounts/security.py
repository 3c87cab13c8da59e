"""Throttled logins and API tokens, lockouts an admin can lift, and the audit log.

Failures are counted from the audit log itself (one indexed count when a login fails), so every
process sees the same figures without a shared cache, and an admin reads exactly what was
counted. A lockout is a row with an expiry; lifting it stamps ``lifted_at`` and later counts
start after it. Unknown usernames are counted and locked like real ones, and the messages are
the same, so neither the throttle nor its wording tells an attacker which accounts exist.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, AuditEvent, AuditKind, Lockout, LockoutScope

USERNAME_MAX = 150


def client_ip(request: HttpRequest | None) -> str:
    """The client's address: the socket's, or the one the trusted proxies appended.

    With N proxies in front (``TACTFUL_PROXY_HOPS``), the client is the Nth address from the
    right of X-Forwarded-For; anything further left is whatever the client claimed. Anything
    that is not an IP address reads as "" (not throttled by address, still by account).
    """
    if request is None:
        return ""
    return address_behind_proxies(
        request.META.get("REMOTE_ADDR", "") or "", request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


def address_behind_proxies(remote: str, forwarded_for: str) -> str:
    """:func:`client_ip` from the socket's address and the X-Forwarded-For header (a
    WebSocket's scope has no request)."""
    hops = settings.TACTFUL_PROXY_HOPS
    address = remote
    if hops > 0:
        forwarded = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def account_key(username: str) -> str:
    return username.strip().lower()[:USERNAME_MAX]


def record(
    kind: str,
    *,
    actor: Agent | None = None,
    agent: Agent | None = None,
    username: str = "",
    address: str = "",
    **detail: Any,
) -> AuditEvent:
    """Write one audit event (the only writer of AuditEvent)."""
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        agent=agent,
        username=account_key(username or (agent.username if agent else "")),
        address=address or None,
        detail=detail,
    )


def _active(now: datetime) -> QuerySet[Lockout]:
    return Lockout.objects.filter(lifted_at__isnull=True, until__gt=now)


def active_lockouts() -> QuerySet[Lockout]:
    return _active(timezone.now()).select_related("lifted_by")


def login_locked(*, username: str, address: str) -> bool:
    """Whether this account or this address may not log in now (one query)."""
    match = Q(scope=LockoutScope.ACCOUNT, key=account_key(username))
    if address:
        match |= Q(scope=LockoutScope.LOGIN_ADDRESS, key=address)
    return _active(timezone.now()).filter(match).exists()


def token_address_locked(address: str) -> bool:
    return bool(address) and (
        _active(timezone.now()).filter(scope=LockoutScope.TOKEN_ADDRESS, key=address).exists()
    )


def token_lock_filter(address: str) -> QuerySet[Lockout]:
    """Active token lockouts of ``address``, to fold into the token's own query (Exists)."""
    return _active(timezone.now()).filter(scope=LockoutScope.TOKEN_ADDRESS, key=address or "-")


def _failures_since(scope: str, key: str, now: datetime) -> datetime:
    """Count from the window's start, or from the last lockout of this key if later (a lifted
    or expired lockout starts the count again)."""
    since = now - timedelta(seconds=settings.TACTFUL_LOCKOUT_WINDOW_SECONDS)
    last = (
        Lockout.objects.filter(scope=scope, key=key)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return max(since, last) if last else since


def _lock_if_over(
    *, scope: str, key: str, kind: str, field: str, limit: int, now: datetime
) -> Lockout | None:
    since = _failures_since(scope, key, now)
    failures = AuditEvent.objects.filter(kind=kind, at__gte=since, **{field: key}).count()
    if failures < limit:
        return None
    lockout = Lockout.objects.create(
        scope=scope,
        key=key,
        created_at=now,
        until=now + timedelta(seconds=settings.TACTFUL_LOCKOUT_SECONDS),
        failures=failures,
    )
    record(
        AuditKind.LOCKOUT,
        username=key if scope == LockoutScope.ACCOUNT else "",
        address="" if scope == LockoutScope.ACCOUNT else key,
        scope=scope,
        failures=failures,
        until=lockout.until.isoformat(),
    )
    return lockout


def record_login_failure(*, username: str, address: str) -> bool:
    """Count a wrong password; returns whether the account or the address is now locked."""
    now = timezone.now()
    key = account_key(username)
    record(AuditKind.LOGIN_FAILED, username=key, address=address)
    locked = (
        _lock_if_over(
            scope=LockoutScope.ACCOUNT,
            key=key,
            kind=AuditKind.LOGIN_FAILED,
            field="username",
            limit=settings.TACTFUL_LOGIN_ACCOUNT_FAILURES,
            now=now,
        )
        is not None
    )
    if address:
        locked = (
            _lock_if_over(
                scope=LockoutScope.LOGIN_ADDRESS,
                key=address,
                kind=AuditKind.LOGIN_FAILED,
                field="address",
                limit=settings.TACTFUL_LOGIN_ADDRESS_FAILURES,
                now=now,
            )
            is not None
            or locked
        )
    return locked


def record_login_refused(*, username: str, address: str) -> None:
    record(AuditKind.LOGIN_REFUSED, username=username, address=address)


def record_login(*, agent: Agent, address: str) -> None:
    record(AuditKind.LOGIN, agent=agent, address=address)


def record_token_failure(*, address: str, prefix: str) -> bool:
    """Count a wrong API token from ``address``; returns whether the address is now locked."""
    record(AuditKind.TOKEN_FAILED, address=address, prefix=prefix[:12])
    if not address:
        return False
    lockout = _lock_if_over(
        scope=LockoutScope.TOKEN_ADDRESS,
        key=address,
        kind=AuditKind.TOKEN_FAILED,
        field="address",
        limit=settings.TACTFUL_TOKEN_ADDRESS_FAILURES,
        now=timezone.now(),
    )
    return lockout is not None


def record_token_refused(*, address: str) -> None:
    record(AuditKind.TOKEN_REFUSED, address=address)


def lift_lockout(*, lockout: Lockout, by: Agent) -> Lockout:
    """End a lockout now (admins only); failures before it no longer count."""
    if not by.is_admin:
        raise PermissionDenied(_("Only admins can lift a lockout."))
    if lockout.lifted_at is None:
        lockout.lifted_at = timezone.now()
        lockout.lifted_by = by
        lockout.save(update_fields=["lifted_at", "lifted_by"])
        record(
            AuditKind.LOCKOUT_LIFTED,
            actor=by,
            username=lockout.key if lockout.scope == LockoutScope.ACCOUNT else "",
            address="" if lockout.scope == LockoutScope.ACCOUNT else lockout.key,
            scope=lockout.scope,
        )
    return lockout


def audit_log() -> QuerySet[AuditEvent]:
    """The log, newest first, with the agents it names (for the admins' page)."""
    return AuditEvent.objects.select_related("actor", "agent").order_by("-at", "-pk")


def locked_message() -> str:
    # The same words whether the account, the address or nothing real is locked.
    return _(
        "Too many failed attempts. Wait a while and try again, or ask an admin to lift the lock."
    )


def audit_login(sender: Any, request: HttpRequest | None, user: Agent, **kwargs: Any) -> None:
    """Receiver of Django's ``user_logged_in``: desk, admin and any later door alike."""
    record_login(agent=user, address=client_ip(request))


# --- fixed-window counters for public doors (contact form, chat) ------------------------------


def count_in_window(scope: str, key: str, *, window: int) -> int:
    """Count one more hit of ``key`` in ``scope``'s fixed window; the count so far.

    In the shared cache (Redis in production), so every process and socket counts the same
    hits. The key is hashed: e-mail addresses and visitor ids never appear in the cache.
    """
    digest = salted_hmac("tactful.security.window", key, algorithm="sha256").hexdigest()[:32]
    cache_key = f"tactful:window:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window)
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # the window ended between add and incr
        cache.set(cache_key, 1, timeout=window)
        return 1


def network_key(address: str) -> str:
    """What an address is counted as: itself, or its /64 for IPv6 (one customer holds a /64,
    so counting single addresses would let one sender rotate through billions of them)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)
