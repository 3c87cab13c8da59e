"""Threading: which ticket an incoming e-mail belongs to.

1. ``In-Reply-To`` / ``References`` name a message we stored (a customer's earlier mail, by its
   external id) or one we sent (our Message-IDs carry the message's primary key and an HMAC, so
   they are matched without a JSON query and cannot be forged).
2. Else a ticket tag in the subject (``[#123]``) — only when that ticket exists and the sender
   is its customer, so nobody can post into someone else's ticket by guessing a number.
3. Else a new ticket.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

from tactful.customers.models import Channel, Customer
from tactful.tickets.models import Message, Ticket

#: External ids are at most this long (``Message.external_id``); longer Message-IDs are hashed.
MAX_EXTERNAL_ID = 255


def external_id_for(message_id: str) -> str:
    """The ``Message.external_id`` stored for an e-mail's (normalised) Message-ID."""
    if len(message_id) <= MAX_EXTERNAL_ID:
        return message_id
    return "sha256-" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()[:48]


# --- our own Message-IDs ----------------------------------------------------------------------

_OUR_ID_RE = re.compile(r"^tactful\.(\d{1,18})\.([0-9a-f]{16})@", re.IGNORECASE)


def _signature(pk: int) -> str:
    key = ("tactful.mail.message-id:" + settings.SECRET_KEY).encode("utf-8")
    return hmac.new(key, str(pk).encode("ascii"), hashlib.sha256).hexdigest()[:16]


def our_message_id(pk: int, *, domain: str) -> str:
    """The Message-ID (without ``<>``) our reply with primary key ``pk`` is sent with."""
    return f"tactful.{pk}.{_signature(pk)}@{domain}"


def our_message_pk(message_id: str) -> int | None:
    """The primary key of our reply behind ``message_id``, or None when it is not ours."""
    match = _OUR_ID_RE.match(message_id or "")
    if match is None:
        return None
    pk = int(match.group(1))
    return pk if hmac.compare_digest(match.group(2).lower(), _signature(pk)) else None


# --- matching ---------------------------------------------------------------------------------


def ticket_tag_pattern() -> re.Pattern[str]:
    prefix = re.escape(settings.TACTFUL_MAIL_TICKET_TAG_PREFIX)
    return re.compile(r"\[" + prefix + r"(\d{1,18})\]")


def ticket_tag(number: int) -> str:
    """The tag added to reply subjects, e.g. ``[#123]``."""
    return f"[{settings.TACTFUL_MAIL_TICKET_TAG_PREFIX}{number}]"


def ticket_for_references(ids: list[str]) -> Ticket | None:
    """The ticket of the newest stored message among ``ids`` (In-Reply-To first)."""
    if not ids:
        return None
    our_rank: dict[int, int] = {}
    # Ids shaped like ours whose HMAC does not check out (SECRET_KEY rotated since they were
    # sent): trusted only if the message really went out with exactly that id.
    unsigned: dict[int, str] = {}
    for index, item in enumerate(ids):
        pk = our_message_pk(item)
        if pk is not None:
            our_rank.setdefault(pk, index)
        elif (shaped := _OUR_ID_RE.match(item)) is not None:
            unsigned.setdefault(int(shaped.group(1)), item)
            our_rank.setdefault(int(shaped.group(1)), index)
    external = [external_id_for(item) for item in ids]
    external_rank: dict[str, int] = {}
    for index, value in enumerate(external):
        external_rank.setdefault(value, index)
    candidates = [
        (pk, ticket_id, external_id)
        for pk, ticket_id, external_id, metadata in Message.objects.filter(
            pk__in=list(our_rank)
        ).values_list("pk", "ticket_id", "external_id", "metadata")
        if pk not in unsigned
        or (isinstance(metadata, dict) and metadata.get("message_id") == unsigned[pk])
    ] + list(
        Message.objects.filter(
            channel__in=[Channel.EMAIL, Channel.WEB], external_id__in=external
        ).values_list("pk", "ticket_id", "external_id")
    )
    if not candidates:
        return None

    def position(row: tuple[int, int, str]) -> int:
        # The order of ``ids`` is newest first (In-Reply-To, then References from the end).
        pk, _ticket_id, external_id = row
        if pk in our_rank:
            return our_rank[pk]
        return external_rank.get(external_id, len(ids))

    best = min(candidates, key=position)
    return Ticket.objects.filter(pk=best[1]).select_related("customer").first()


def ticket_for_subject(subject: str, *, sender: Customer) -> Ticket | None:
    """The ticket tagged in ``subject``, if it exists and ``sender`` is its customer."""
    match = ticket_tag_pattern().search(subject or "")
    if match is None:
        return None
    return (
        Ticket.objects.filter(pk=int(match.group(1)), customer=sender)
        .select_related("customer")
        .first()
    )


def find_ticket(
    *, in_reply_to: list[str], references: list[str], subject: str, sender: Customer
) -> Ticket | None:
    """The ticket an incoming e-mail continues, or None for a new conversation."""
    ids = list(dict.fromkeys([*in_reply_to, *reversed(references)]))[:60]
    return ticket_for_references(ids) or ticket_for_subject(subject, sender=sender)
