"""The portal's logins (a code and a link by e-mail, no password), its session, and replies."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.customers import services as customer_services
from tactful.customers.models import Channel, Customer
from tactful.portal import tasks
from tactful.portal.models import PortalCode
from tactful.satisfaction import links as survey_links
from tactful.satisfaction.models import Survey, SurveyStatus
from tactful.tickets import inbound
from tactful.tickets.models import Message, MessageKind, Ticket

_LINK_SALT = "tactful.portal.login-link"
_SESSION_SALT = "tactful.portal.session"
_CODE_SALT = "tactful.portal.code"
#: The portal's own cookie: agents' logins (Django's session) and customers' never mix.
COOKIE = "tactful_portal"
#: Wrong codes one e-mailed code survives.
MAX_ATTEMPTS = 5
#: Longest token read before checking it (a real one is about 70 characters).
MAX_TOKEN_CHARS = 300

Refusal = Literal["invalid", "expired", "used", "rate"]


class LoginRefused(Exception):
    """A link or code that cannot log in, and why (shown to the customer in their words)."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason)
        self.reason: Refusal = reason


def rate_limited(kind: str, key: str, *, limit: int) -> bool:
    """Count one more try of ``kind`` by ``key`` in a fixed window; ``True`` once over ``limit``.

    In the shared cache (Redis in production), so every process counts the same tries.
    """
    count = security.count_in_window(
        f"portal:{kind}", key, window=settings.TACTFUL_PORTAL_RATE_WINDOW
    )
    return int(count) > limit


def _code_hash(code: str) -> str:
    return salted_hmac(_CODE_SALT, code, algorithm="sha256").hexdigest()


def normalize_address(value: str) -> str:
    return (value or "").strip().lower()[:254]


def send_login(*, address: str, language: str) -> None:
    """E-mail a login link and code to ``address`` if a customer has it (else do nothing, so
    the page never tells who is a customer)."""
    address = normalize_address(address)
    customer_services.check_address(address)
    customer = customer_services.customer_with_address(address)
    if customer is None:
        return
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        row = PortalCode.objects.create(
            customer=customer,
            address=address,
            code_hash=_code_hash(code),
            nonce=secrets.token_hex(16),
            expires_at=timezone.now() + timedelta(minutes=settings.TACTFUL_PORTAL_CODE_MINUTES),
        )
        link = settings.TACTFUL_PUBLIC_URL.rstrip("/") + reverse(
            "portal:link", args=[link_token(row)]
        )
        mail_language = (
            customer.preferred_language
            if customer.preferred_language in {"en", "es", "ru"}
            else language
        )
        # After the commit, in a worker: no network inside the request.
        transaction.on_commit(
            lambda: tasks.send_login_mail.delay(
                address=address,
                language=mail_language,
                link=link,
                code=code,
                minutes=settings.TACTFUL_PORTAL_CODE_MINUTES,
            )
        )


def link_token(row: PortalCode) -> str:
    return signing.Signer(salt=_LINK_SALT).sign_object([row.pk, row.nonce], compress=False)


def _read_link(token: str) -> tuple[int, str]:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise LoginRefused("invalid")
    try:
        value = signing.Signer(salt=_LINK_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise LoginRefused("invalid") from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or not isinstance(value[1], str)
    ):
        raise LoginRefused("invalid")
    return value[0], value[1]


def _usable(row: PortalCode) -> None:
    if row.used_at is not None or row.attempts >= MAX_ATTEMPTS:
        raise LoginRefused("used")
    if row.expires_at <= timezone.now():
        raise LoginRefused("expired")


def check_link(token: str) -> PortalCode:
    """The login offer behind a link, if it may still log in (nothing is used up yet)."""
    pk, nonce = _read_link(token)
    row = PortalCode.objects.filter(pk=pk).first()
    if row is None or not hmac.compare_digest(row.nonce, nonce):
        raise LoginRefused("invalid")
    _usable(row)
    return row


def use_link(token: str) -> Customer:
    """Log in with a link: it is used up (once only, even with two clicks at the same time)."""
    pk, _nonce = _read_link(token)
    with transaction.atomic():
        check_link(token)
        row = PortalCode.objects.select_for_update().select_related("customer").get(pk=pk)
        _usable(row)
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
        return _current(row.customer)


def use_code(*, address: str, code: str) -> Customer:
    """Log in with the code from the e-mail (the latest one sent to ``address``)."""
    address = normalize_address(address)
    code = (code or "").strip().replace(" ", "")
    with transaction.atomic():
        row = (
            PortalCode.objects.select_for_update()
            .select_related("customer")
            .filter(address=address)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            raise LoginRefused("invalid")
        _usable(row)
        right = (
            len(code) == 6
            and code.isdigit()
            and hmac.compare_digest(row.code_hash, _code_hash(code))
        )
        if right:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            return _current(row.customer)
        # Counted outside any rollback: guessing spends the code after a few tries.
        row.attempts += 1
        row.save(update_fields=["attempts"])
    raise LoginRefused("invalid")


def _current(customer: Customer) -> Customer:
    """The customer now holding this one's tickets (a lead may have merged them)."""
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


# --- the portal's session --------------------------------------------------------------------


def session_value(customer: Customer) -> str:
    return signing.TimestampSigner(salt=_SESSION_SALT).sign_object({"c": customer.pk})


def session_customer(value: str | None) -> Customer | None:
    """The logged-in customer from the portal cookie (``None``: absent, expired or forged)."""
    if not value or len(value) > MAX_TOKEN_CHARS:
        return None
    try:
        data = signing.TimestampSigner(salt=_SESSION_SALT).unsign_object(
            value, max_age=timedelta(hours=settings.TACTFUL_PORTAL_SESSION_HOURS)
        )
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    pk = data.get("c") if isinstance(data, dict) else None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    customer = Customer.objects.filter(pk=pk).first()
    return _current(customer) if customer is not None else None


# --- what a logged-in customer sees and does ---------------------------------------------------


def tickets(customer: Customer) -> list[Ticket]:
    """The customer's tickets, newest activity first (merged ones are followed elsewhere)."""
    return list(
        Ticket.objects.filter(customer=customer, merged_into__isnull=True)
        .only("pk", "subject", "status", "updated_at", "language")
        .order_by("-updated_at", "-pk")[:200]
    )


def ticket_for(customer: Customer, ticket_id: int) -> Ticket | None:
    return Ticket.objects.filter(pk=ticket_id, customer=customer).first()


def public_thread(ticket: Ticket) -> list[Message]:
    """What the customer may read: their messages and the replies, never internal notes."""
    return list(
        ticket.messages.filter(kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING])
        .select_related("author_agent")
        .order_by("created_at", "pk")
    )


def reply(*, customer: Customer, ticket: Ticket, body: str) -> Message:
    """The customer's reply from the portal: the next message of the ticket, through the one
    door every channel uses (a solved ticket reopens)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write a message first."))
    if ticket.customer_id != customer.pk:
        raise ValidationError(_("This is not your ticket."))
    return inbound.receive(
        channel=Channel.WEB,
        sender=customer,
        body=body,
        thread=lambda _customer: ticket,
        metadata={"via": "portal"},
    ).message


def open_surveys(customer: Customer) -> list[tuple[Survey, str]]:
    """Surveys still waiting for this customer's answer, with the link to each."""
    surveys = Survey.objects.filter(
        ticket__customer=customer, status=SurveyStatus.SENT, expires_at__gt=timezone.now()
    ).order_by("-sent_at", "-pk")[:20]
    return [(survey, survey_links.page_url(survey)) for survey in surveys]
