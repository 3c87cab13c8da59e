"""The one door in: every customer message, from every channel, enters through :func:`receive`.

E-mail, the API-fed channels, live chat, the contact form, agents logging a call and the demo
all call it, and keep only what is theirs (parsing, refusals, transport details). The door
owns what they would otherwise each get slightly wrong:

* **once only** — a message the channel already delivered (same ``channel`` and
  ``external_id``) returns the stored one, whether it was stored long ago or by a concurrent
  request a moment ago (the unique constraint settles the race); when the channel also gives
  a ``fingerprint`` of the content, a *different* message under a reused id (some mailers
  reuse Message-IDs) is stored under a derived id instead of being dropped, and the result
  names the message it collided with;
* **one customer at a time** — the customer's row is locked for the length of the
  transaction, so two messages opening the same new thread see each other instead of opening
  two tickets;
* **threading** — the channel says how it finds the conversation (``thread``: e-mail headers,
  an external thread id, the chat session's ticket); a merged ticket continues in the ticket
  it went into;
* **open or append** — a new ticket (assigned by its team's mode) or the next message of the
  found one (a solved or pending ticket reopens); ``TicketOpened`` or ``CustomerWrote`` is
  recorded and everything else — the coach, rules, search — hears about it from there;
* **blocked customers** — a lead blocked or suspended the customer (``CustomerBlock``, one
  indexed lookup under the customer's lock, its expiry read now): the message is stored all
  the same and marked (``metadata["held_by_block"]``), a new ticket is ``held`` (out of every
  queue and count, never assigned) and ``MessageHeld`` is recorded instead of the usual
  events, so no rule, auto-reply, notification, coach reading or SLA clock answers it; an
  existing ticket is neither reopened nor moved up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.customers import selectors as customer_selectors
from tactful.customers import services as customer_services
from tactful.customers.models import Channel, Customer, CustomerBlock, normalize_language
from tactful.tickets import assignment, events, permissions, rendering, services, timeline
from tactful.tickets.models import Message, MessageKind, Priority, Status, Ticket

ReceiveStatus = Literal["created", "appended", "duplicate"]


@dataclass(frozen=True)
class Sender:
    """Who wrote, as the channel knows them (an address, a handle, a chat session)."""

    handle: str
    name: str = ""
    email: str = ""
    language: str | None = None


#: The channel's way of finding the conversation a message continues, given its author:
#: a ticket, its id, or ``None`` for a new conversation. It may raise to refuse the message
#: (the API answers 409 for a ticket of another customer).
ThreadFinder = Callable[[Customer], Ticket | int | None]


@dataclass(frozen=True)
class Received:
    """What became of one incoming message."""

    ticket: Ticket
    message: Message
    status: ReceiveStatus
    #: The stored message whose external id this (different) message reused, if any.
    collided_with: Message | None = None
    #: Stored but held back: the customer is blocked or suspended (no acknowledgement, no
    #: auto-reply should go to them).
    held: bool = False

    @property
    def stored(self) -> bool:
        """Stored now (``False``: the channel had delivered it before)."""
        return self.status != "duplicate"


#: PostgreSQL's "deadlock detected" and "could not serialize": the transaction was rolled back
#: whole, so running it again is safe.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
_ATTEMPTS = 3


def _is_transient(exc: OperationalError) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return sqlstate in _TRANSIENT_SQLSTATES


def receive(
    *,
    channel: str,
    sender: Sender | Customer,
    body: str,
    external_id: str = "",
    subject: str = "",
    thread: ThreadFinder | None = None,
    screen: Callable[[], None] | None = None,
    team: Team | Callable[[], Team | None] | None = None,
    language: str | None = None,
    by: Agent | None = None,
    attachments: Sequence[UploadedFile] = (),
    metadata: dict[str, Any] | None = None,
    original_body: str = "",
    priority: int = Priority.NORMAL,
    tags: Iterable[str] = (),
    fingerprint: str = "",
) -> Received:
    """Store one customer message: a new ticket, the next message of one, or a repeat.

    Args:
        channel: where it came from (``Channel``).
        sender: who wrote (found or created as a customer on ``channel``), or the customer.
        body: the message exactly as received (HTML is kept and sanitised when shown).
        external_id: the channel's id for the message; a repeat returns the stored one.
        subject: for a new ticket; defaults to the body's first sentence.
        thread: how the channel finds the conversation (``None``: always a new ticket).
        screen: the channel's own checks, run once the message is known to be new and before
            anything is stored; it raises to refuse the message (e-mail refuses bounces,
            loops and automatic replies this way).
        team: the queue of a new ticket, or a function that finds it (asked only when a new
            ticket is opened).
        language: en/es/ru for a new ticket (else ``und``); ``None`` uses the customer's
            preferred language until the coach reads the message.
        by: the agent who logged it for the customer (phone, video call), or ``None``.
        attachments: files sent with it.
        metadata: channel details kept on the message (e-mail headers, chat session…).
        original_body: the message before quotes and signatures were stripped from ``body``.
        priority, tags: for a new ticket.
        fingerprint: a digest of what the message says (the channel decides what counts),
            kept in ``metadata``; a stored message with the same ``external_id`` and another
            fingerprint is a different message, stored under a derived id (``collided_with``
            names the one it collided with). Empty: the id alone decides.

    Raises:
        ValidationError: bad text, channel, attachments or tags; nothing is stored.
    """
    services.check_text(body, field=_("Message"), max_chars=services.MAX_BODY_CHARS)
    services.check_text(
        external_id, field=_("External id"), max_chars=services.MAX_EXTERNAL_ID, required=False
    )
    services.check_choice(channel, Channel.values, field=_("channel"))
    services.check_choice(priority, Priority.values, field=_("priority"))
    services.check_attachments(attachments)
    tag_names = services.normalize_tags(tags)
    if subject:
        subject = subject.strip()
        services.check_text(subject, field=_("Subject"), max_chars=services.MAX_SUBJECT_CHARS)
    screened = False
    key, collided_with = external_id, None
    for attempt in range(1, _ATTEMPTS + 1):
        if external_id:
            stored, key, collided_with = _resolve(channel, external_id, fingerprint, body)
            if stored is not None:
                return stored
        if screen is not None and not screened:
            screen()
            screened = True
        incoming = _Incoming(
            channel=channel,
            body=body,
            external_id=key,
            subject=subject,
            team=team,
            language=language,
            by=by,
            attachments=attachments,
            metadata=_with_fingerprint(metadata, fingerprint, collided_with),
            original_body=original_body,
            priority=priority,
            tags=tag_names,
        )
        try:
            received = _receive(incoming, sender=sender, thread=thread)
        except IntegrityError:
            # The same delivery (or another message under the same reused id) was stored by a
            # concurrent request a moment ago. The door's own savepoint rolled back, so the
            # caller's transaction is usable: look again and either answer the duplicate or
            # store this one under its derived id.
            if not external_id:
                raise
            stored, again_key, _collided = _resolve(channel, external_id, fingerprint, body)
            if stored is not None:
                return stored
            if again_key == key or attempt == _ATTEMPTS:
                raise
            continue
        except OperationalError as exc:
            # Other work on the same tickets (the coach, rules) locks rows in its own order;
            # when PostgreSQL breaks a deadlock by rolling this back, nothing was stored.
            if attempt == _ATTEMPTS or connection.in_atomic_block or not _is_transient(exc):
                raise
            continue
        if collided_with is not None:
            return Received(
                received.ticket,
                received.message,
                received.status,
                collided_with=collided_with,
                held=received.held,
            )
        return received
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Incoming:
    channel: str
    body: str
    external_id: str
    subject: str
    team: Team | Callable[[], Team | None] | None
    language: str | None
    by: Agent | None
    attachments: Sequence[UploadedFile]
    metadata: dict[str, Any]
    original_body: str
    priority: int
    tags: list[str]


#: Where the fingerprint of a message's content is kept (``Message.metadata``).
FINGERPRINT_KEY = "content_digest"
#: Set on a message stored under a derived id: the primary key of the one it collided with.
COLLIDED_KEY = "reused_external_id_of"


def derived_external_id(external_id: str, fingerprint: str) -> str:
    """The id a different message under a reused ``external_id`` is stored with (fits 255)."""
    derived = f"{external_id}#{fingerprint[:16]}"
    if len(derived) <= services.MAX_EXTERNAL_ID:
        return derived
    return "sha256-" + hashlib.sha256(derived.encode("utf-8", "replace")).hexdigest()[:48]


def _same_content(message: Message, fingerprint: str, body: str) -> bool:
    stored = message.metadata.get(FINGERPRINT_KEY) if isinstance(message.metadata, dict) else None
    if isinstance(stored, str) and stored:
        return stored == fingerprint
    # Stored before fingerprints were kept: the body is the best evidence left.
    return message.body == body


def _resolve(
    channel: str, external_id: str, fingerprint: str, body: str
) -> tuple[Received | None, str, Message | None]:
    """(the stored delivery or None, the id to store under, the message it collided with).

    One query: the id itself and, with a fingerprint, the id derived from it.
    """
    if not fingerprint:
        stored = _stored(channel, external_id)
        return stored, external_id, None
    derived = derived_external_id(external_id, fingerprint)
    found = {
        message.external_id: message
        for message in Message.objects.select_related("ticket").filter(
            channel=channel, external_id__in=[external_id, derived]
        )
    }
    if derived in found:
        message = found[derived]
        return Received(message.ticket, message, "duplicate"), derived, None
    first = found.get(external_id)
    if first is None:
        return None, external_id, None
    if _same_content(first, fingerprint, body):
        return Received(first.ticket, first, "duplicate"), external_id, None
    return None, derived, first


def _with_fingerprint(
    metadata: dict[str, Any] | None, fingerprint: str, collided_with: Message | None
) -> dict[str, Any]:
    kept = dict(metadata or {})
    if fingerprint:
        kept[FINGERPRINT_KEY] = fingerprint
    if collided_with is not None:
        kept[COLLIDED_KEY] = collided_with.pk
    return kept


def _stored(channel: str, external_id: str) -> Received | None:
    """The message already stored for this delivery, with its ticket (one query)."""
    message = (
        Message.objects.select_related("ticket")
        .filter(channel=channel, external_id=external_id)
        .first()
    )
    if message is None:
        return None
    return Received(message.ticket, message, "duplicate")


def _receive(
    incoming: _Incoming, *, sender: Sender | Customer, thread: ThreadFinder | None
) -> Received:
    # A savepoint when the caller holds a transaction, so a lost race (IntegrityError) leaves
    # the caller's transaction usable.
    with events.atomic():
        # Messages of one customer take turns (a row lock), and a customer merged into another
        # writes as the kept one. (The same message delivered twice at once needs no lock: the
        # unique constraint on the external id refuses the second, and receive() answers it
        # as a duplicate.) A customer created for this message is locked without a query.
        if isinstance(sender, Customer):
            customer, created = customer_services.lock_customer(sender), False
        else:
            customer, created = customer_services.find_or_create_customer(
                channel=incoming.channel,
                handle=sender.handle,
                name=sender.name,
                email=sender.email,
                language=sender.language,
                lock=True,
            )
        # A customer created by this message is blocked by nobody: no other transaction can
        # see the row yet, let alone block it (one query fewer for every newcomer).
        block = None if created else customer_selectors.active_block(customer.pk)
        found = thread(customer) if thread is not None else None
        if found is None:
            ticket, message = _open(incoming, customer, block=block)
            return Received(ticket, message, "created", held=block is not None)
        ticket = found if isinstance(found, Ticket) else Ticket.objects.get(pk=found)
        ticket = _follow_merges(ticket)
        message = _append(incoming, ticket, author=customer, block=block)
        return Received(ticket, message, "appended", held=block is not None)


def _follow_merges(ticket: Ticket) -> Ticket:
    """The ticket that now holds the conversation (``merged_into``, followed)."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _held(incoming: _Incoming, block: CustomerBlock) -> _Incoming:
    """``incoming`` marked as held by ``block`` (the mark stays on the stored message)."""
    return replace(incoming, metadata={**incoming.metadata, HELD_KEY: block.pk})


#: Set on a message that arrived while its customer was blocked: the block's primary key.
HELD_KEY = "held_by_block"


def _open(
    incoming: _Incoming, customer: Customer, *, block: CustomerBlock | None = None
) -> tuple[Ticket, Message]:
    subject = incoming.subject or services.subject_from_body(
        rendering.message_plain_text(
            body=incoming.body,
            channel=incoming.channel,
            kind=MessageKind.INCOMING,
            metadata=incoming.metadata,
        )
    )
    services.check_text(subject, field=_("Subject"), max_chars=services.MAX_SUBJECT_CHARS)
    language = (
        normalize_language(incoming.language)
        if incoming.language
        else customer.preferred_language or "und"
    )
    team = incoming.team() if callable(incoming.team) else incoming.team
    ticket = Ticket.objects.create(
        subject=subject,
        channel=incoming.channel,
        language=language,
        priority=incoming.priority,
        customer=customer,
        team=team,
        held=block is not None,
    )
    if block is not None:
        message = _message(_held(incoming, block), ticket, author=customer)
        timeline.record(
            events.MessageHeld(
                ticket=ticket,
                by=incoming.by,
                message=message,
                block_id=block.pk,
                block_kind=block.kind,
                opened=True,
            )
        )
        if incoming.tags:
            # Kept as sent (nothing is lost); tags start no rule.
            services.add_tags_to_new_ticket(ticket=ticket, names=incoming.tags, by=incoming.by)
        return ticket, message
    message = _message(incoming, ticket, author=customer)
    timeline.record(
        events.TicketOpened(
            ticket=ticket,
            by=incoming.by,
            message=message,
            channel=incoming.channel,
            subject=subject,
        )
    )
    if incoming.tags:
        services.add_tags_to_new_ticket(ticket=ticket, names=incoming.tags, by=incoming.by)
    assignment.assigned_on_arrival(ticket)
    return ticket, message


def _append(
    incoming: _Incoming, ticket: Ticket, *, author: Customer, block: CustomerBlock | None = None
) -> Message:
    if block is not None:
        # Stored and shown on the ticket, but the ticket is not reopened nor moved up, and
        # nobody is told: the owner of an open ticket sees it when they next look.
        message = _message(_held(incoming, block), ticket, author=author)
        timeline.record(
            events.MessageHeld(
                ticket=ticket,
                by=incoming.by,
                message=message,
                block_id=block.pk,
                block_kind=block.kind,
            )
        )
        return message
    message = _message(incoming, ticket, author=author)
    if ticket.held:
        # The block was lifted or ran out and the customer carries on: the conversation
        # joins the queue now, as a new one would.
        Ticket.objects.filter(pk=ticket.pk).update(held=False)
        ticket.held = False
        assignment.assigned_on_arrival(ticket)
    timeline.record(events.CustomerWrote(ticket=ticket, by=incoming.by, message=message))
    if ticket.status in {Status.PENDING, Status.SOLVED, Status.CLOSED}:
        services.set_status(ticket, Status.OPEN, by=None)
    else:
        services.touch(ticket)
    return message


def _message(incoming: _Incoming, ticket: Ticket, *, author: Customer) -> Message:
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.INCOMING,
        channel=incoming.channel,
        author_customer=author,
        body=incoming.body,
        external_id=incoming.external_id,
        metadata=incoming.metadata,
        original_body=incoming.original_body,
    )
    services.store_attachments(message, incoming.attachments)
    return message


# --- the same door, for callers that know the customer or the ticket ---------------------------


def create_ticket(
    *,
    customer: Customer,
    body: str,
    channel: str,
    subject: str = "",
    language: str | None = None,
    priority: int = Priority.NORMAL,
    team: Team | None = None,
    tags: Iterable[str] = (),
    by: Agent | None = None,
    external_id: str = "",
    attachments: Sequence[UploadedFile] = (),
    metadata: dict[str, Any] | None = None,
    original_body: str = "",
) -> Ticket:
    """Open a ticket with ``customer``'s first message (an agent logging a call, the API).

    A repeated ``external_id`` on ``channel`` returns the ticket already holding it.
    """
    return receive(
        channel=channel,
        sender=customer,
        body=body,
        external_id=external_id,
        subject=subject,
        team=team,
        language=language,
        by=by,
        attachments=attachments,
        metadata=metadata,
        original_body=original_body,
        priority=priority,
        tags=tags,
    ).ticket


def record_incoming_message(
    *,
    ticket: Ticket,
    body: str,
    channel: str | None = None,
    external_id: str = "",
    attachments: Sequence[UploadedFile] = (),
    by: Agent | None = None,
    metadata: dict[str, Any] | None = None,
    original_body: str = "",
    author: Customer | None = None,
) -> Message:
    """Add the customer's next message to ``ticket`` (a solved or pending ticket reopens).

    ``author``: who wrote it when it is not the ticket's customer (a colleague copied on the
    e-mail thread); the conversation stays the customer's. ``by``: the agent who logged it,
    who must be able to see the ticket.
    """
    permissions.check_can_view(by, ticket)
    return receive(
        channel=channel or ticket.channel,
        sender=author or ticket.customer,
        body=body,
        external_id=external_id,
        thread=lambda _customer: ticket,
        by=by,
        attachments=attachments,
        metadata=metadata,
        original_body=original_body,
    ).message
