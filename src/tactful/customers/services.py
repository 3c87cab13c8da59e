"""Actions on customers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.customers.models import Channel, Customer, CustomerIdentity, normalize_language

MAX_HANDLE = 255
MAX_NAME = 200
MAX_EMAIL = 254


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
        check_address(email)
    if channel == Channel.EMAIL:
        validate_email(handle)


def check_address(email: str) -> None:
    """Refuse anything that is not one plausible e-mail address."""
    if not email:
        raise ValidationError(_("Enter an e-mail address."))
    if len(email) > MAX_EMAIL:
        raise ValidationError(
            _("The e-mail address is longer than %(n)d characters.") % {"n": MAX_EMAIL}
        )
    if "\x00" in email:
        raise ValidationError(_("Text may not contain NUL characters."))
    validate_email(email)


def get_or_create_customer(
    *,
    channel: str,
    handle: str,
    name: str = "",
    email: str = "",
    language: str | None = None,
    lock: bool = False,
) -> Customer:
    """The customer behind ``handle`` on ``channel`` (see :func:`find_or_create_customer`)."""
    customer, _created = find_or_create_customer(
        channel=channel, handle=handle, name=name, email=email, language=language, lock=lock
    )
    return customer


def find_or_create_customer(
    *,
    channel: str,
    handle: str,
    name: str = "",
    email: str = "",
    language: str | None = None,
    lock: bool = False,
) -> tuple[Customer, bool]:
    """The customer behind ``handle`` on ``channel``, created (with that identity) if new.

    A new identity that comes with an e-mail address joins the customer who already has that
    address (the e-mail customer who now uses the contact form, the chat visitor who gave
    their address): one person behind every channel. Known customers keep their data; a
    missing name, e-mail or language is filled in.

    ``lock``: also row-lock the customer for the rest of the transaction, the kept one if it
    was merged (:func:`lock_customer`) — without a query of its own when the customer was
    created here (nobody else sees the row yet) or joined here (found locked).

    Returns:
        The customer, and whether it was created in this transaction: a row no other
        transaction can see yet, so nothing else (a block, a merge) can refer to it.
    """
    handle = normalize_handle(channel=channel, handle=handle)
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if channel == Channel.EMAIL and not email:
        email = handle
    _check(channel=channel, handle=handle, name=name, email=email)
    identities = CustomerIdentity.objects.select_related("customer").filter(
        channel=channel, handle=handle
    )
    # A known customer is row-locked by the very read that finds them (FOR NO KEY UPDATE OF
    # the customer's row only): one round trip instead of a read, then a lock.
    lock_in_read = lock and connection.features.has_select_for_update_of
    if lock_in_read:
        identities = identities.select_for_update(of=("customer",), no_key=True)
    identity = identities.first()
    if identity is None:
        customer, locked, created = _join_or_create(
            channel=channel, handle=handle, name=name, email=email, language=language
        )
    else:
        customer, created = identity.customer, False
        # Read after the lock was granted, so ``merged_into`` is current: one merged away
        # meanwhile is followed to the kept customer by lock_customer() below.
        locked = lock_in_read and customer.merged_into_id is None
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
    if lock and not locked:
        customer = lock_customer(customer)
    return customer, created


def _join_or_create(
    *, channel: str, handle: str, name: str, email: str, language: str | None
) -> tuple[Customer, bool, bool]:
    """The customer a new identity belongs to: the one with its address, else a new one;
    whether it is row-locked for the transaction already (or new, so nobody else can lock
    or merge it before the commit); and whether it was created here."""
    # A transaction of its own only when the caller holds none: the address lock must last
    # to the end of one (no savepoint: nothing in here is expected to fail and be survived).
    with transaction.atomic(savepoint=False):
        return _join_or_create_in_transaction(
            channel=channel, handle=handle, name=name, email=email, language=language
        )


def _join_or_create_in_transaction(
    *, channel: str, handle: str, name: str, email: str, language: str | None
) -> tuple[Customer, bool, bool]:
    customer = None
    if email:
        # Two first messages from one address on two channels at once (the contact form and
        # an e-mail) would each find nobody and create two people: they take turns on the
        # address (a lock held to the end of the caller's transaction), and the customer
        # found is row-locked so a merge cannot move it away meanwhile.
        lock_address(email)
        customer = customer_with_address(email, lock=True)
    created = customer is None
    if customer is None:
        customer = Customer.objects.create(
            name=name, email=email, preferred_language=normalize_language(language)
        )
    if _insert_identity(customer, channel=channel, handle=handle):
        # Locked: found with FOR NO KEY UPDATE (PostgreSQL), or created in this transaction.
        # SQLite has no row locks: its writes take turns on the whole database.
        return customer, connection.features.has_select_for_update, created
    # A concurrent delivery created this identity first (the insert waited for its commit):
    # the customer it belongs to is the one; the one made for this message goes.
    if created:
        customer.delete()
    return (
        (
            CustomerIdentity.objects.select_related("customer").get(channel=channel, handle=handle)
        ).customer,
        False,
        False,
    )


def _insert_identity(customer: Customer, *, channel: str, handle: str) -> bool:
    """Insert the identity unless one exists (``False`` then): ``ON CONFLICT DO NOTHING``
    rather than a savepoint around an insert that may fail, two round trips fewer for every
    new customer (PostgreSQL, and SQLite ≥ 3.24)."""
    meta = CustomerIdentity._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in ("customer", "channel", "handle")]
    created_at = meta.get_field("created_at")
    values = [
        customer.pk,
        channel,
        handle,
        created_at.get_db_prep_value(timezone.now(), connection=connection),
    ]
    unique = [meta.get_field(name).column for name in ("channel", "handle")]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} "
            f"({', '.join(quote(c) for c in [*columns, created_at.column])}) "
            f"VALUES (%s, %s, %s, %s) ON CONFLICT ({', '.join(quote(c) for c in unique)}) "
            f"DO NOTHING RETURNING {quote(meta.pk.column)}",
            values,
        )
        return cursor.fetchone() is not None


def lock_customer(customer: Customer) -> Customer:
    """Row-lock ``customer`` for the rest of the transaction; the kept one if it was merged.

    Messages of one customer take turns (the lock waits for the other's commit), so two
    messages opening the same new thread see each other's ticket. NO KEY UPDATE: rows that
    merely reference the customer are not held up.
    """
    seen: set[int] = set()
    while True:
        queryset = Customer.objects.filter(pk=customer.pk)
        if connection.features.has_select_for_update:
            queryset = queryset.select_for_update(no_key=True)
        merged_into = queryset.values_list("merged_into_id", flat=True).get()
        if merged_into is None or merged_into in seen:
            return customer
        # Merged away since the channel found it (a portal session, an API client holding
        # the old id): the conversation belongs to the customer it was merged into.
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=merged_into)


def lock_address(email: str) -> None:
    """Hold a transaction-long lock on one e-mail address (PostgreSQL; elsewhere a no-op).

    An advisory lock, because the row that would be locked (the customer with this address)
    may not exist yet.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            ["tactful.customer-address:" + email.strip().lower()],
        )


def customer_with_address(email: str, *, lock: bool = False) -> Customer | None:
    """The (unmerged) customer who has ``email``, the first one when an older desk holds two.

    Whoever wrote from an address by e-mail has it (their e-mail identity set it), and so has
    whoever gave it on another channel. ``lock``: row-lock it for the rest of the transaction.
    One query: it runs for every new identity that comes with an address.
    """
    email = email.strip().lower()
    if not email:
        return None
    queryset = Customer.objects.filter(email=email, merged_into__isnull=True).order_by("id")
    if lock and connection.features.has_select_for_update:
        queryset = queryset.select_for_update(no_key=True)
    return queryset.first()


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
