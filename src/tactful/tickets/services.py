"""Actions on tickets: every change writes a TicketEvent, side effects run after commit."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, AssignmentMode, Team
from tactful.coaching import services as coaching_services
from tactful.customers.models import Channel, Customer, normalize_language
from tactful.outbound import services as outbound_services
from tactful.tickets import permissions, search
from tactful.tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    CoachState,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketViewer,
)

#: Longest message body accepted, in characters (a long e-mail thread fits; a dump does not).
MAX_BODY_CHARS = 100_000
MAX_SUBJECT_CHARS = 200
MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_ATTACHMENTS = 10
MAX_EXTERNAL_ID = 255
_TAG_RE = re.compile(r"^[\w][\w\-.:/ ]*$", re.UNICODE)


# --- checks -----------------------------------------------------------------------------------


def check_text(value: str, *, field: str, max_chars: int, required: bool = True) -> str:
    """Reject empty, oversized or NUL-bearing text with a clear message; return it unchanged."""
    if not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text.") % {"field": field})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate from JSON ("\ud800") cannot be stored
        raise ValidationError(_("%(field)s is not valid text.") % {"field": field}) from exc
    if required and not value.strip():
        raise ValidationError(_("%(field)s may not be empty.") % {"field": field})
    if len(value) > max_chars:
        raise ValidationError(
            _("%(field)s is too long: %(n)d characters, at most %(max)d.")
            % {"field": field, "n": len(value), "max": max_chars}
        )
    if "\x00" in value:
        raise ValidationError(_("%(field)s may not contain NUL characters.") % {"field": field})
    return value


def check_attachments(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(_("At most %(n)d attachments per message.") % {"n": MAX_ATTACHMENTS})
    limit = settings.TACTFUL_MAX_ATTACHMENT_BYTES
    for upload in files:
        if upload.size is not None and upload.size > limit:
            raise ValidationError(
                _("%(name)s is too large (at most %(max)d bytes).")
                % {"name": upload.name, "max": limit}
            )


#: A template variable such as ``{{ customer.first_name }}`` still in the text.
_UNFILLED_RE = re.compile(r"\{\{\s*([^{}\s][^{}]{0,80}?)\s*\}\}")


def check_unfilled_variables(body: str) -> None:
    """A reply that still contains ``{{ variable }}`` must not reach the customer."""
    names = sorted({match.group(1).strip() for match in _UNFILLED_RE.finditer(body)})
    if names:
        raise ValidationError(
            _("Fill in %(names)s before sending.")
            % {"names": ", ".join("{{ " + name + " }}" for name in names[:5])}
        )


def reply_channel(ticket: Ticket) -> str:
    """Replies go back the way the customer last wrote (a chat that became e-mail: e-mail)."""
    latest = (
        Message.objects.filter(ticket=ticket, kind=MessageKind.INCOMING)
        .order_by("-created_at", "-id")
        .values_list("channel", flat=True)
        .first()
    )
    return latest or ticket.channel


def _check_choice(value: Any, choices: Iterable[Any], *, field: str) -> None:
    if value not in set(choices):
        raise ValidationError(_("Unknown %(field)s: %(value)s") % {"field": field, "value": value})


#: Subjects made from a message body stop at the first sentence or this many characters.
SUBJECT_FROM_BODY_CHARS = 80
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")


def subject_from_body(body: str) -> str:
    """A subject for messages that arrive without one (chat, social): the first sentence of the
    first line, cut at a word boundary so the inbox row stays readable."""
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    first_line = re.sub(r"<[^>]*>", "", first_line).strip() or _("(no subject)")
    first_sentence = _SENTENCE_END.split(first_line, maxsplit=1)[0]
    if len(first_sentence) <= SUBJECT_FROM_BODY_CHARS:
        return first_sentence
    cut = first_sentence[:SUBJECT_FROM_BODY_CHARS].rsplit(" ", 1)[0]
    return (
        cut if len(cut) > SUBJECT_FROM_BODY_CHARS // 2 else first_sentence[:SUBJECT_FROM_BODY_CHARS]
    ) + "…"


# --- helpers ----------------------------------------------------------------------------------


def _event(
    ticket: Ticket,
    kind: str,
    *,
    by: Agent | None,
    data: dict[str, Any] | None = None,
    message: Message | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=by, data=data or {}, message=message
    )


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.save(update_fields=[*fields, "updated_at"])


def _store_attachments(message: Message, files: Sequence[UploadedFile]) -> list[Attachment]:
    stored = []
    for upload in files:
        name = get_valid_filename(upload.name or "attachment")[:200] or "attachment"
        attachment = Attachment(
            message=message,
            filename=name,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            size=upload.size or 0,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _resolve_merged(ticket: Ticket) -> Ticket:
    """Follow ``merged_into`` to the ticket that now holds the conversation."""
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def _stored_message(channel: str, external_id: str) -> Message | None:
    """The message already stored for this delivery, with its ticket (one query)."""
    return (
        Message.objects.select_related("ticket")
        .filter(channel=channel, external_id=external_id)
        .first()
    )


def _run_rules(ticket: Ticket, *, trigger: str, message: Message) -> None:
    """Automation rules for this event (tactful.automation), inside the caller's transaction."""
    from tactful.automation import services as automation_services

    automation_services.run_rules(ticket, trigger=trigger, message=message)


# --- creating tickets and messages ------------------------------------------------------------


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
    """Open a ticket with the customer's first message; route and analyse it.

    Args:
        customer: who wrote.
        body: the message exactly as received (HTML is kept and sanitised when shown).
        channel: where it came from (``Channel``).
        subject: defaults to the body's first line.
        language: en/es/ru; anything else is stored as ``und``; ``None`` uses the customer's
            preferred language until the coach reads the message.
        team: the queue; a team with round-robin on assigns the ticket to its next member.
        by: the agent who logged it for the customer (phone, video call), or ``None``.
        external_id: the sender's id for the message; a repeat delivery returns the same ticket.
        metadata: channel details kept on the message (e-mail headers, chat session…).
        original_body: the message before quotes and signatures were stripped from ``body``.

    Returns:
        The new ticket (or the existing one for a repeated ``external_id``).
    """
    ticket, _message = open_ticket(
        customer=customer,
        body=body,
        channel=channel,
        subject=subject,
        language=language,
        priority=priority,
        team=team,
        tags=tags,
        by=by,
        external_id=external_id,
        attachments=attachments,
        metadata=metadata,
        original_body=original_body,
    )
    return ticket


def open_ticket(
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
    duplicate_checked: bool = False,
) -> tuple[Ticket, Message]:
    """:func:`create_ticket`, returning the first message too (the stored one for a repeat).

    Ingest paths use it so they need no second query to find the message they stored.
    ``duplicate_checked``: the caller has just looked for ``external_id`` on ``channel`` and
    found nothing, so it is not looked up again (a concurrent delivery still ends in the
    unique constraint, handled below).
    """
    check_text(body, field=_("Message"), max_chars=MAX_BODY_CHARS)
    subject = (subject or "").strip() or subject_from_body(body)
    check_text(subject, field=_("Subject"), max_chars=MAX_SUBJECT_CHARS)
    check_text(external_id, field=_("External id"), max_chars=MAX_EXTERNAL_ID, required=False)
    _check_choice(channel, Channel.values, field=_("channel"))
    _check_choice(priority, Priority.values, field=_("priority"))
    check_attachments(attachments)
    tag_names = normalize_tags(tags)
    if external_id and not duplicate_checked:
        existing = _stored_message(channel, external_id)
        if existing is not None:
            return existing.ticket, existing
    ticket_language = (
        normalize_language(language) if language else customer.preferred_language or "und"
    )
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                subject=subject,
                channel=channel,
                language=ticket_language,
                priority=priority,
                customer=customer,
                team=team,
                # The analysis is requested below, in this transaction: saying so now spares
                # request_analysis an UPDATE of the row just inserted.
                coach_state=CoachState.PENDING,
            )
            message = Message.objects.create(
                ticket=ticket,
                kind=MessageKind.INCOMING,
                channel=channel,
                author_customer=customer,
                body=body,
                external_id=external_id,
                metadata=metadata or {},
                original_body=original_body,
            )
            _store_attachments(message, attachments)
            _event(
                ticket,
                EventKind.CREATED,
                by=by,
                message=message,
                data={"channel": channel, "subject": subject},
            )
            if tag_names:
                ticket.tags.set(_tags_for(tag_names))
                _event(ticket, EventKind.TAGS_CHANGED, by=by, data={"from": [], "to": tag_names})
            if team is not None and team.auto_assign:
                assign_round_robin(ticket=ticket, by=None)
            _run_rules(ticket, trigger="ticket_created", message=message)
            search.reindex_ticket(ticket.pk)
            coaching_services.request_analysis(
                message=message, new_message=True, ticket_saved_pending=True
            )
    except IntegrityError:
        # A concurrent delivery of the same external id won the race.
        if external_id:
            existing = _stored_message(channel, external_id)
            if existing is not None:
                return existing.ticket, existing
        raise
    return ticket, message


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
    duplicate_checked: bool = False,
    author: Customer | None = None,
) -> Message:
    """Add the customer's next message; a solved or pending ticket reopens.

    ``author``: who wrote it when it is not the ticket's customer (a colleague copied on the
    e-mail thread answers); the conversation stays the customer's.

    A repeated ``external_id`` on the same channel returns the message already stored
    (``duplicate_checked``: the caller has just looked and found none; the unique constraint
    still refuses a concurrent repeat).
    """
    permissions.check_can_view(by, ticket)
    ticket = _resolve_merged(ticket)
    channel = channel or ticket.channel
    check_text(body, field=_("Message"), max_chars=MAX_BODY_CHARS)
    check_text(external_id, field=_("External id"), max_chars=MAX_EXTERNAL_ID, required=False)
    _check_choice(channel, Channel.values, field=_("channel"))
    check_attachments(attachments)
    if external_id and not duplicate_checked:
        existing = _stored_message(channel, external_id)
        if existing is not None:
            return existing
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.INCOMING,
            channel=channel,
            author_customer=author or ticket.customer,
            body=body,
            external_id=external_id,
            metadata=metadata or {},
            original_body=original_body,
        )
        _store_attachments(message, attachments)
        _event(ticket, EventKind.MESSAGE_RECEIVED, by=by, message=message)
        # The analysis is requested below; the ticket says "analysing" in this same UPDATE.
        ticket.coach_state = CoachState.PENDING
        if ticket.status in {Status.PENDING, Status.SOLVED, Status.CLOSED}:
            _set_status(ticket, Status.OPEN, by=None, extra_fields=["coach_state"])
        else:
            _save(ticket, "coach_state")
        _run_rules(ticket, trigger="customer_message", message=message)
        search.reindex_ticket(ticket.pk)
        coaching_services.request_analysis(
            message=message, new_message=True, ticket_saved_pending=True
        )
    return message


@transaction.atomic
def record_reply(
    *,
    ticket: Ticket,
    agent: Agent,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    status: str | None = None,
    review: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Message:
    """An agent's reply to the customer; the ticket becomes open (or ``status``).

    The reply goes back on the channel the customer last wrote from and is delivered after
    the commit (tactful.outbound). ``review`` is the coach's review at send time, kept with the
    message; the coach never blocks sending. A template variable left unfilled does.
    """
    permissions.check_can_view(agent, ticket)
    check_text(body, field=_("Reply"), max_chars=MAX_BODY_CHARS)
    check_unfilled_variables(body)
    check_attachments(attachments)
    if status is not None:
        _check_choice(status, Status.values, field=_("status"))
    message = Message.objects.create(
        ticket=ticket,
        kind=MessageKind.OUTGOING,
        channel=reply_channel(ticket),
        author_agent=agent,
        body=body,
        review=review,
        metadata=metadata or {},
    )
    _store_attachments(message, attachments)
    _event(ticket, EventKind.REPLIED, by=agent, message=message)
    outbound_services.queue_delivery(message)
    fields = []
    if ticket.first_response_at is None:
        ticket.first_response_at = timezone.now()
        fields.append("first_response_at")
    if ticket.assignee_id is None:
        # Whoever answers an unassigned ticket owns it from now on.
        ticket.assignee = agent
        fields.append("assignee")
        _event(ticket, EventKind.ASSIGNED, by=agent, data={"from": None, "to": agent.pk})
    target = status or (Status.OPEN if ticket.status == Status.NEW else None)
    if target and target != ticket.status:
        _set_status(ticket, target, by=agent, extra_fields=fields)
    else:
        _save(ticket, *fields)
    search.reindex_ticket(ticket.pk)
    return message


@transaction.atomic
def add_internal_note(
    *, ticket: Ticket, agent: Agent, body: str, attachments: Sequence[UploadedFile] = ()
) -> Message:
    """A note only agents see."""
    permissions.check_can_view(agent, ticket)
    check_text(body, field=_("Note"), max_chars=MAX_BODY_CHARS)
    check_attachments(attachments)
    message = Message.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, channel=ticket.channel, author_agent=agent, body=body
    )
    _store_attachments(message, attachments)
    _event(ticket, EventKind.NOTE_ADDED, by=agent, message=message)
    _save(ticket)
    search.reindex_ticket(ticket.pk)
    return message


# --- changing tickets -------------------------------------------------------------------------


def _set_status(
    ticket: Ticket, status: str, *, by: Agent | None, extra_fields: Sequence[str] = ()
) -> TicketEvent:
    previous = ticket.status
    ticket.status = status
    fields = ["status", *extra_fields]
    if status in {Status.SOLVED, Status.CLOSED} and ticket.solved_at is None:
        ticket.solved_at = timezone.now()
        fields.append("solved_at")
    elif status in ACTIVE_STATUSES and ticket.solved_at is not None:
        ticket.solved_at = None
        fields.append("solved_at")
    _save(ticket, *fields)
    return _event(ticket, EventKind.STATUS_CHANGED, by=by, data={"from": previous, "to": status})


@transaction.atomic
def change_status(*, ticket: Ticket, status: str, by: Agent | None) -> TicketEvent | None:
    """Move the ticket to ``status``; returns the event, or None when nothing changed."""
    permissions.check_can_view(by, ticket)
    _check_choice(status, Status.values, field=_("status"))
    if ticket.merged_into_id is not None and status in ACTIVE_STATUSES:
        raise ValidationError(
            _("A merged ticket cannot be reopened; work on the ticket it went into.")
        )
    if status == ticket.status:
        return None
    return _set_status(ticket, status, by=by)


@transaction.atomic
def change_priority(*, ticket: Ticket, priority: int, by: Agent | None) -> TicketEvent | None:
    permissions.check_can_view(by, ticket)
    _check_choice(priority, Priority.values, field=_("priority"))
    if priority == ticket.priority:
        return None
    previous = ticket.priority
    ticket.priority = priority
    _save(ticket, "priority")
    return _event(
        ticket, EventKind.PRIORITY_CHANGED, by=by, data={"from": previous, "to": priority}
    )


@transaction.atomic
def change_subject(*, ticket: Ticket, subject: str, by: Agent | None) -> TicketEvent | None:
    permissions.check_can_view(by, ticket)
    subject = subject.strip()
    check_text(subject, field=_("Subject"), max_chars=MAX_SUBJECT_CHARS)
    if subject == ticket.subject:
        return None
    previous = ticket.subject
    ticket.subject = subject
    _save(ticket, "subject")
    search.reindex_ticket(ticket.pk)
    return _event(ticket, EventKind.SUBJECT_CHANGED, by=by, data={"from": previous, "to": subject})


@transaction.atomic
def change_language(*, ticket: Ticket, language: str, by: Agent | None) -> TicketEvent | None:
    """Set the ticket's language (en/es/ru; anything else ``und``); search follows it."""
    permissions.check_can_view(by, ticket)
    language = normalize_language(language)
    if language == ticket.language:
        return None
    previous = ticket.language
    ticket.language = language
    _save(ticket, "language")
    return language_changed(ticket=ticket, previous=previous, by=by)


def language_changed(*, ticket: Ticket, previous: str, by: Agent | None) -> TicketEvent:
    """Follow up a language already saved on ``ticket``: search reindexes, the timeline says.

    For callers that save the language together with other fields in one UPDATE (the coach's
    bookkeeping); :func:`change_language` is the whole change.
    """
    search.reindex_ticket(ticket.pk)
    return _event(
        ticket, EventKind.LANGUAGE_CHANGED, by=by, data={"from": previous, "to": ticket.language}
    )


@transaction.atomic
def assign_ticket(
    *, ticket: Ticket, assignee: Agent | None, by: Agent | None
) -> TicketEvent | None:
    """Give the ticket to ``assignee`` (``None``: unassign). Agents may only take or give up."""
    permissions.check_can_assign(by, ticket, assignee)
    new_id = assignee.pk if assignee is not None else None
    if new_id == ticket.assignee_id:
        return None
    previous = ticket.assignee_id
    ticket.assignee = assignee
    _save(ticket, "assignee")
    return _event(ticket, EventKind.ASSIGNED, by=by, data={"from": previous, "to": new_id})


@transaction.atomic
def assign_round_robin(*, ticket: Ticket, by: Agent | None) -> Agent | None:
    """Assign the ticket to the next available member of its team, in turn.

    The team row is locked so two tickets arriving together go to different agents.
    Returns the chosen agent, or ``None`` when the team has nobody available.
    """
    if ticket.team_id is None:
        return None
    if by is not None:
        permissions.check_can_view(by, ticket)
        permissions.check_is_lead(by)
    team = Team.objects.select_for_update().get(pk=ticket.team_id)
    members = list(
        team.members.filter(is_active=True, available=True).order_by("id").only("id", "role")
    )
    if not members:
        return None
    after = team.last_assigned_id or 0
    chosen = next((member for member in members if member.pk > after), members[0])
    if team.assignment_mode == AssignmentMode.LOAD_AWARE:
        from tactful.automation import services as automation_services

        chosen = (
            automation_services.choose_load_aware_member(team=team, ticket=ticket, members=members)
            or chosen
        )
    team.last_assigned = chosen
    team.save(update_fields=["last_assigned"])
    if ticket.assignee_id != chosen.pk:
        previous = ticket.assignee_id
        ticket.assignee = chosen
        _save(ticket, "assignee")
        _event(
            ticket,
            EventKind.ASSIGNED,
            by=by,
            data={"from": previous, "to": chosen.pk, "round_robin": True},
        )
    return chosen


@transaction.atomic
def change_team(
    *, ticket: Ticket, team: Team | None, by: Agent | None, reassign: bool = True
) -> TicketEvent | None:
    """Move the ticket to another team's queue; round-robin there when the team assigns."""
    permissions.check_can_change_team(by, ticket, team)
    new_id = team.pk if team is not None else None
    if new_id == ticket.team_id:
        return None
    previous = ticket.team_id
    ticket.team = team
    _save(ticket, "team")
    event = _event(ticket, EventKind.TEAM_CHANGED, by=by, data={"from": previous, "to": new_id})
    if ticket.assignee_id is not None and team is not None:
        still_member = team.members.filter(pk=ticket.assignee_id).exists()
        if not still_member:
            old = ticket.assignee_id
            ticket.assignee = None
            _save(ticket, "assignee")
            _event(ticket, EventKind.ASSIGNED, by=by, data={"from": old, "to": None})
    if reassign and team is not None and team.auto_assign and ticket.assignee_id is None:
        assign_round_robin(ticket=ticket, by=None)
    return event


def normalize_tags(names: Iterable[str]) -> list[str]:
    """Lower-case, trimmed, de-duplicated tag names in order; bad names raise ValidationError."""
    result: list[str] = []
    for raw in names:
        if not isinstance(raw, str):
            raise ValidationError(_("Tags must be text."))
        name = unicodedata.normalize("NFC", raw).strip().lower()
        if not name:
            continue
        if len(name) > MAX_TAG_CHARS or not _TAG_RE.match(name):
            raise ValidationError(_("Invalid tag: %(tag)s") % {"tag": name[:60]})
        if name not in result:
            result.append(name)
    if len(result) > MAX_TAGS:
        raise ValidationError(_("At most %(n)d tags per ticket.") % {"n": MAX_TAGS})
    return result


def _tags_for(names: Sequence[str]) -> list[Tag]:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    return [existing[name] for name in names]


@transaction.atomic
def set_tags(*, ticket: Ticket, names: Iterable[str], by: Agent | None) -> TicketEvent | None:
    """Replace the ticket's tags."""
    permissions.check_can_view(by, ticket)
    wanted = normalize_tags(names)
    current = sorted(ticket.tags.values_list("name", flat=True))
    if sorted(wanted) == current:
        return None
    ticket.tags.set(_tags_for(wanted))
    _save(ticket)
    return _event(
        ticket, EventKind.TAGS_CHANGED, by=by, data={"from": current, "to": sorted(wanted)}
    )


@transaction.atomic
def merge_tickets(*, source: Ticket, target: Ticket, by: Agent | None) -> Ticket:
    """Move ``source``'s conversation into ``target`` and close ``source``.

    Messages keep their dates; tags are combined; both timelines record the merge.
    """
    permissions.check_can_view(by, source)
    permissions.check_can_view(by, target)
    if source.pk == target.pk:
        raise ValidationError(_("A ticket cannot be merged into itself."))
    if target.merged_into_id is not None:
        raise ValidationError(
            _("The target ticket was itself merged; pick the ticket it went into.")
        )
    if source.merged_into_id is not None:
        raise ValidationError(_("This ticket was already merged."))
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    source_tags = list(source.tags.values_list("name", flat=True))
    if source_tags:
        target.tags.add(*_tags_for(source_tags))
    previous_status = source.status
    source.merged_into = target
    source.status = Status.CLOSED
    source.solved_at = source.solved_at or timezone.now()
    _save(source, "merged_into", "status", "solved_at")
    _event(source, EventKind.MERGED, by=by, data={"into": target.pk, "messages": moved})
    if previous_status != Status.CLOSED:
        _event(
            source,
            EventKind.STATUS_CHANGED,
            by=by,
            data={"from": previous_status, "to": Status.CLOSED},
        )
    _event(target, EventKind.MERGED_FROM, by=by, data={"from": source.pk, "messages": moved})
    if target.status in {Status.SOLVED, Status.CLOSED} and previous_status in ACTIVE_STATUSES:
        _set_status(target, Status.OPEN, by=by)
    else:
        _save(target)
    search.reindex_tickets([source.pk, target.pk])
    return target


# --- who is looking ---------------------------------------------------------------------------

#: An agent counts as "viewing" for this long after the page last polled.
VIEWING_WINDOW = timedelta(seconds=45)


def mark_viewing(*, ticket: Ticket, agent: Agent) -> None:
    """Record that ``agent`` has the ticket open (the page refreshes this while open)."""
    now = timezone.now()
    updated = TicketViewer.objects.filter(ticket=ticket, agent=agent).update(last_seen=now)
    if not updated:
        try:
            with transaction.atomic():
                TicketViewer.objects.create(ticket=ticket, agent=agent, last_seen=now)
        except IntegrityError:
            TicketViewer.objects.filter(ticket=ticket, agent=agent).update(last_seen=now)


def stop_viewing(*, ticket: Ticket, agent: Agent) -> None:
    TicketViewer.objects.filter(ticket=ticket, agent=agent).delete()


def prune_viewers() -> int:
    """Forget viewers that stopped polling long ago; returns how many."""
    cutoff = timezone.now() - VIEWING_WINDOW * 10
    deleted, _ignored = TicketViewer.objects.filter(last_seen__lt=cutoff).delete()
    return deleted


def bump_priority(*, ticket: Ticket, to: int, by: Agent | None) -> TicketEvent | None:
    """Raise the priority to at least ``to`` (never lowers it)."""
    if ticket.priority >= to:
        return None
    return change_priority(ticket=ticket, priority=to, by=by)
