"""Actions on tickets: every change is recorded on the timeline (and so emitted to subscribers).

New customer messages come in through :mod:`tactful.tickets.inbound`; assignment is written by
:mod:`tactful.tickets.assignment`. What other apps do about a change (the coach reads the
customer, rules run, replies are delivered, the search index follows) they do as subscribers of
:mod:`tactful.tickets.events`: nothing here knows them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.customers.models import normalize_language
from tactful.tickets import assignment, events, permissions, timeline
from tactful.tickets.models import (
    ACTIVE_STATUSES,
    VIEWING_WINDOW,
    Attachment,
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


def check_choice(value: Any, choices: Iterable[Any], *, field: str) -> None:
    """Refuse a value outside ``choices`` with a message naming the field."""
    if value not in set(choices):
        raise ValidationError(_("Unknown %(field)s: %(value)s") % {"field": field, "value": value})


#: Subjects made from a message body stop at the first sentence or this many characters.
SUBJECT_FROM_BODY_CHARS = 80
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s")


def subject_from_body(body: str) -> str:
    """A subject for messages that arrive without one (chat, social): the first sentence of the
    first line, cut at a word boundary so the inbox row stays readable.

    ``body`` is text, kept as the customer typed it (``<`` included: subjects are escaped
    wherever they are shown); an HTML body is turned into text by the caller first.
    """
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    first_line = first_line or _("(no subject)")
    first_sentence = _SENTENCE_END.split(first_line, maxsplit=1)[0]
    if len(first_sentence) <= SUBJECT_FROM_BODY_CHARS:
        return first_sentence
    cut = first_sentence[:SUBJECT_FROM_BODY_CHARS].rsplit(" ", 1)[0]
    return (
        cut if len(cut) > SUBJECT_FROM_BODY_CHARS // 2 else first_sentence[:SUBJECT_FROM_BODY_CHARS]
    ) + "…"


# --- helpers ----------------------------------------------------------------------------------


def touch(ticket: Ticket, *fields: str) -> None:
    """Save ``fields`` of the ticket (and its ``updated_at``: the inbox sorts by it)."""
    ticket.save(update_fields=[*fields, "updated_at"])


def store_attachments(message: Message, files: Sequence[UploadedFile]) -> list[Attachment]:
    """Keep the files sent with ``message`` in the default storage, under safe names."""
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


# --- replies and notes ------------------------------------------------------------------------


def record_reply(
    *,
    ticket: Ticket,
    agent: Agent | None,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    status: str | None = None,
    review: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Message:
    """A reply to the customer, by an agent or (``agent=None``) by Tactful itself.

    The reply goes back on the channel the customer last wrote from and is delivered after
    the commit (``tactful.outbound`` hears ``ReplyRecorded``). ``review`` is the coach's review
    at send time, kept with the message; the coach never blocks sending. A template variable
    left unfilled does.

    An agent's reply opens a new ticket (or sets ``status``), counts as the first response
    and makes an unassigned ticket theirs. Tactful's own reply (an automatic answer) changes
    none of that: a person has not answered yet.
    """
    permissions.check_can_view(agent, ticket)
    check_text(body, field=_("Reply"), max_chars=MAX_BODY_CHARS)
    check_unfilled_variables(body)
    check_attachments(attachments)
    if status is not None:
        check_choice(status, Status.values, field=_("status"))
    with events.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.OUTGOING,
            channel=reply_channel(ticket),
            author_agent=agent,
            body=body,
            review=review,
            metadata=metadata or {},
        )
        store_attachments(message, attachments)
        timeline.record(events.ReplyRecorded(ticket=ticket, by=agent, message=message))
        if agent is None:
            touch(ticket)
            return message
        fields = []
        if ticket.first_response_at is None:
            ticket.first_response_at = timezone.now()
            fields.append("first_response_at")
        touch(ticket, *fields)
        if ticket.assignee_id is None:
            # Whoever answers an unassigned ticket owns it from now on.
            assignment.set_assignee(ticket=ticket, assignee=agent, by=agent)
        target = status or (Status.OPEN if ticket.status == Status.NEW else None)
        if target and target != ticket.status:
            set_status(ticket, target, by=agent)
    return message


def add_internal_note(
    *,
    ticket: Ticket,
    agent: Agent | None,
    body: str,
    attachments: Sequence[UploadedFile] = (),
    metadata: dict[str, Any] | None = None,
) -> Message:
    """A note only agents see (``agent=None``: a note from Tactful itself).

    ``metadata`` says what the note is about beyond its text (``{CALL_NOTE_KEY: call id}``
    for an agent's notes after a call, which the coach reads).
    """
    permissions.check_can_view(agent, ticket)
    check_text(body, field=_("Note"), max_chars=MAX_BODY_CHARS)
    check_attachments(attachments)
    with events.atomic():
        message = Message.objects.create(
            ticket=ticket,
            kind=MessageKind.NOTE,
            channel=ticket.channel,
            author_agent=agent,
            body=body,
            metadata=metadata or {},
        )
        store_attachments(message, attachments)
        timeline.record(events.NoteAdded(ticket=ticket, by=agent, message=message))
        touch(ticket)
    return message


# --- changing tickets -------------------------------------------------------------------------


def set_status(ticket: Ticket, status: str, *, by: Agent | None) -> TicketEvent:
    """Write a status change (no checks: :func:`change_status` is the checked action)."""
    previous = ticket.status
    ticket.status = status
    fields = ["status"]
    if status in {Status.SOLVED, Status.CLOSED} and ticket.solved_at is None:
        ticket.solved_at = timezone.now()
        fields.append("solved_at")
    elif status in ACTIVE_STATUSES and ticket.solved_at is not None:
        ticket.solved_at = None
        fields.append("solved_at")
    touch(ticket, *fields)
    return timeline.record(
        events.StatusChanged(ticket=ticket, by=by, previous=previous, status=status)
    )


def change_status(*, ticket: Ticket, status: str, by: Agent | None) -> TicketEvent | None:
    """Move the ticket to ``status``; returns the event, or None when nothing changed."""
    permissions.check_can_view(by, ticket)
    check_choice(status, Status.values, field=_("status"))
    if ticket.merged_into_id is not None and status in ACTIVE_STATUSES:
        raise ValidationError(
            _("A merged ticket cannot be reopened; work on the ticket it went into.")
        )
    if status == ticket.status:
        return None
    with events.atomic():
        return set_status(ticket, status, by=by)


def change_priority(*, ticket: Ticket, priority: int, by: Agent | None) -> TicketEvent | None:
    permissions.check_can_view(by, ticket)
    check_choice(priority, Priority.values, field=_("priority"))
    if priority == ticket.priority:
        return None
    with events.atomic():
        previous = ticket.priority
        ticket.priority = priority
        touch(ticket, "priority")
        return timeline.record(
            events.PriorityChanged(ticket=ticket, by=by, previous=previous, priority=priority)
        )


def bump_priority(*, ticket: Ticket, to: int, by: Agent | None) -> TicketEvent | None:
    """Raise the priority to at least ``to`` (never lowers it)."""
    if ticket.priority >= to:
        return None
    return change_priority(ticket=ticket, priority=to, by=by)


def change_subject(*, ticket: Ticket, subject: str, by: Agent | None) -> TicketEvent | None:
    permissions.check_can_view(by, ticket)
    subject = subject.strip()
    check_text(subject, field=_("Subject"), max_chars=MAX_SUBJECT_CHARS)
    if subject == ticket.subject:
        return None
    with events.atomic():
        previous = ticket.subject
        ticket.subject = subject
        touch(ticket, "subject")
        return timeline.record(
            events.SubjectChanged(ticket=ticket, by=by, previous=previous, subject=subject)
        )


def change_language(*, ticket: Ticket, language: str, by: Agent | None) -> TicketEvent | None:
    """Set the ticket's language (en/es/ru; anything else ``und``); search follows it."""
    permissions.check_can_view(by, ticket)
    language = normalize_language(language)
    if language == ticket.language:
        return None
    with events.atomic():
        previous = ticket.language
        ticket.language = language
        touch(ticket, "language")
        return language_changed(ticket=ticket, previous=previous, by=by)


def language_changed(*, ticket: Ticket, previous: str, by: Agent | None) -> TicketEvent:
    """Record a language already saved on ``ticket`` (for a caller that saved it together
    with other fields in one UPDATE: the coach's bookkeeping)."""
    return timeline.record(
        events.LanguageChanged(ticket=ticket, by=by, previous=previous, language=ticket.language)
    )


def change_team(
    *, ticket: Ticket, team: Team | None, by: Agent | None, reassign: bool = True
) -> TicketEvent | None:
    """Move the ticket to another team's queue; the team's mode assigns it there."""
    permissions.check_can_change_team(by, ticket, team)
    new_id = team.pk if team is not None else None
    if new_id == ticket.team_id:
        return None
    with events.atomic():
        previous = ticket.team_id
        ticket.team = team
        touch(ticket, "team")
        event = timeline.record(
            events.TeamChanged(ticket=ticket, by=by, previous_id=previous, team_id=new_id)
        )
        if (
            ticket.assignee_id is not None
            and team is not None
            and not team.members.filter(pk=ticket.assignee_id).exists()
        ):
            assignment.set_assignee(ticket=ticket, assignee=None, by=by)
        if reassign and team is not None and team.auto_assign and ticket.assignee_id is None:
            assignment.assign_by_team(ticket=ticket, by=None)
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


def set_tags(*, ticket: Ticket, names: Iterable[str], by: Agent | None) -> TicketEvent | None:
    """Replace the ticket's tags."""
    permissions.check_can_view(by, ticket)
    wanted = normalize_tags(names)
    current = sorted(ticket.tags.values_list("name", flat=True))
    if sorted(wanted) == current:
        return None
    with events.atomic():
        ticket.tags.set(_tags_for(wanted))
        touch(ticket)
        return timeline.record(
            events.TagsChanged(ticket=ticket, by=by, previous=current, tags=sorted(wanted))
        )


def add_tags_to_new_ticket(*, ticket: Ticket, names: Sequence[str], by: Agent | None) -> None:
    """The tags a new ticket starts with (already normalised: see :func:`normalize_tags`)."""
    ticket.tags.set(_tags_for(names))
    timeline.record(events.TagsChanged(ticket=ticket, by=by, previous=[], tags=list(names)))


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
    with events.atomic():
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        source_tags = list(source.tags.values_list("name", flat=True))
        if source_tags:
            target.tags.add(*_tags_for(source_tags))
        previous_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        source.solved_at = source.solved_at or timezone.now()
        touch(source, "merged_into", "status", "solved_at")
        timeline.record(events.Merged(ticket=source, by=by, into_id=target.pk, messages=moved))
        if previous_status != Status.CLOSED:
            timeline.record(
                events.StatusChanged(
                    ticket=source, by=by, previous=previous_status, status=Status.CLOSED
                )
            )
        timeline.record(
            events.MergedFrom(ticket=target, by=by, source_id=source.pk, messages=moved)
        )
        if target.status in {Status.SOLVED, Status.CLOSED} and previous_status in ACTIVE_STATUSES:
            set_status(target, Status.OPEN, by=by)
        else:
            touch(target)
    return target


# --- who is looking ---------------------------------------------------------------------------


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
