"""Actions on customers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tactful.customers.models import Channel, Customer, CustomerIdentity, normalize_language

MAX_HANDLE = 255
MAX_NAME = 200


def normalize_handle(*, channel: str, handle: str) -> str:
    """Identities compare case-insensitively for e-mail, exactly (trimmed) elsewhere."""
    handle = (handle or "").strip()
    if channel == Channel.EMAIL:
        handle = handle.lower()
    return handle


def _check(*, channel: str, handle: str, name: str, email: str) -> None:
    if channel not in Channel.values:
        raise ValidationError(_("Unknown channel: %(channel)s") % {"channel": channel})
    if not handle:
        raise ValidationError(_("A customer identity needs a handle."))
    if len(handle) > MAX_HANDLE:
        raise ValidationError(_("The handle is longer than %(n)d characters.") % {"n": MAX_HANDLE})
    if len(name) > MAX_NAME:
        raise ValidationError(_("The name is longer than %(n)d characters.") % {"n": MAX_NAME})
    if "\x00" in handle or "\x00" in name:
        raise ValidationError(_("Text may not contain NUL characters."))
    if email:
        validate_email(email)
    if channel == Channel.EMAIL:
        validate_email(handle)


def get_or_create_customer(
    *,
    channel: str,
    handle: str,
    name: str = "",
    email: str = "",
    language: str | None = None,
) -> Customer:
    """The customer behind ``handle`` on ``channel``, created (with that identity) if new.

    Known customers keep their data; a missing name, e-mail or language is filled in.
    """
    handle = normalize_handle(channel=channel, handle=handle)
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if channel == Channel.EMAIL and not email:
        email = handle
    _check(channel=channel, handle=handle, name=name, email=email)
    identity = (
        CustomerIdentity.objects.select_related("customer")
        .filter(channel=channel, handle=handle)
        .first()
    )
    if identity is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    name=name, email=email, preferred_language=normalize_language(language)
                )
                CustomerIdentity.objects.create(customer=customer, channel=channel, handle=handle)
                return customer
        except IntegrityError:  # a concurrent delivery created it first
            identity = CustomerIdentity.objects.select_related("customer").get(
                channel=channel, handle=handle
            )
    customer = identity.customer
    changed = []
    if name and not customer.name:
        customer.name = name
        changed.append("name")
    if email and not customer.email:
        customer.email = email
        changed.append("email")
    if language and customer.preferred_language == "und":
        customer.preferred_language = normalize_language(language)
        changed.append("preferred_language")
    if changed:
        customer.save(update_fields=changed)
    return customer


def add_identity(*, customer: Customer, channel: str, handle: str) -> CustomerIdentity:
    """Attach another channel identity to a customer (unique per channel)."""
    handle = normalize_handle(channel=channel, handle=handle)
    _check(channel=channel, handle=handle, name="", email="")
    if CustomerIdentity.objects.filter(channel=channel, handle=handle).exists():
        raise ValidationError(_("That identity already belongs to a customer."))
    return CustomerIdentity.objects.create(customer=customer, channel=channel, handle=handle)


def update_customer(
    *,
    customer: Customer,
    name: str | None = None,
    email: str | None = None,
    preferred_language: str | None = None,
    notes: str | None = None,
) -> Customer:
    """Change a customer's details; a language outside en/es/ru is stored as ``und``."""
    if name is not None:
        if len(name) > MAX_NAME:
            raise ValidationError(_("The name is longer than %(n)d characters.") % {"n": MAX_NAME})
        customer.name = name.strip()
    if email is not None:
        if email:
            validate_email(email)
        customer.email = email.strip().lower()
    if preferred_language is not None:
        customer.preferred_language = normalize_language(preferred_language)
    if notes is not None:
        customer.notes = notes
    customer.save()
    return customer
