"""Erasing personal data: one customer on request, and old closed tickets by retention.

What goes: names, addresses, handles, phone numbers, the text of subjects and messages (a
neutral placeholder in the desk's language takes its place), attachments (the files too),
kept raw e-mails, survey comments, chat visitor details, the coach's evidence spans (offsets
into the text that is gone) and the search index entries. What stays: the rows themselves with
their timestamps, statuses, channels, languages, team and agent, the SLA clocks, CSAT ratings,
the coach's labels and the reports' daily rows, so every statistic reads the same afterwards.

It lives in the profiles app because it reaches every app that keeps a customer's words
(mail, live chat, satisfaction, quality, webhooks), and only the top layers may import them.
Updates go through querysets, not the services: an erasure is not a change agents should see
as activity (no events, no webhooks, no reopened tickets, no recomputed figures).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.accounts.models import Agent, AuditEvent, AuditKind
from tactful.automation.models import Notification
from tactful.coaching.models import MessageAnalysis
from tactful.customers.models import Customer, CustomerBlock, CustomerIdentity, CustomerMerge
from tactful.importing.models import SourceKey, SourceKind
from tactful.livechat.models import ChatSession
from tactful.mail.models import RefusedMail
from tactful.portal.models import PortalCode
from tactful.quality.models import Rating
from tactful.satisfaction.models import FeedItem, MonthlyReport, Survey
from tactful.tickets import search
from tactful.tickets.models import Attachment, Message, Status, Ticket, TicketEvent
from tactful.webhooks.models import EventDelivery

log = logging.getLogger(__name__)

#: Tickets erased per transaction: a long erasure commits as it goes, and a rerun finishes it.
BATCH = 200
#: Keys of the coach's JSON (reply reviews, survey snapshots, quality evidence) that hold text
#: quoted from a conversation or written for it; the labels and scores beside them stay.
QUOTING_KEYS = frozenset(
    {"text", "quote", "quotes", "suggestions", "suggestion", "excerpt", "snippet", "body"}
)
#: Keys of a webhook payload that carry the ticket's own text besides the quoting ones.
PAYLOAD_TEXT_KEYS = frozenset({"subject", "comment", "name", "email", "custom_fields"})
#: Ticket events whose data quotes the ticket's text (the subject before and after).
TEXT_EVENT_KINDS = frozenset({"subject"})


def placeholder() -> str:
    """What an erased text reads, in the desk's language (not the viewer's: it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("[personal data erased]")


@dataclass
class Erased:
    """How much one erasure removed (the audit event and the command print these)."""

    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    surveys: int = 0
    raw_mails: int = 0
    identities: int = 0
    customers: int = 0

    def add(self, other: Erased) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Needles:
    """The strings that identify a person: any stored string containing one is erased."""

    words: set[str] = field(default_factory=set)

    def add(self, *values: str) -> None:
        for value in values:
            value = (value or "").strip().casefold()
            # Very short strings ("Al", "+1") would match everywhere; they are erased where
            # they are stored as such (the name column) but do not drive the JSON scrub.
            if len(value) >= 4:
                self.words.add(value)

    def found_in(self, text: str) -> bool:
        folded = text.casefold()
        return any(word in folded for word in self.words)


def _needles_for(customer_ids: Iterable[int]) -> _Needles:
    needles = _Needles()
    ids = list(customer_ids)
    for name, email in Customer.objects.filter(pk__in=ids).values_list("name", "email"):
        needles.add(name, email)
    needles.add(
        *CustomerIdentity.objects.filter(customer_id__in=ids).values_list("handle", flat=True)
    )
    return needles


def _scrub(
    value: Any, needles: _Needles, text: str, *, quoting: bool, extra: frozenset[str] = frozenset()
) -> Any:
    """``value`` (JSON) with identifying strings replaced; ``quoting``: drop quoting keys (and
    the ``extra`` ones) too."""
    if isinstance(value, dict):
        scrubbed: dict[str, Any] = {}
        for key, item in value.items():
            if key in extra:
                scrubbed[key] = type(item)() if isinstance(item, list | dict) else text
            elif quoting and key in QUOTING_KEYS and isinstance(item, str | list):
                scrubbed[key] = [] if isinstance(item, list) else text
            elif quoting and key == "spans":
                scrubbed[key] = []  # offsets into text that is gone
            else:
                scrubbed[key] = _scrub(item, needles, text, quoting=quoting, extra=extra)
        return scrubbed
    if isinstance(value, list):
        return [_scrub(item, needles, text, quoting=quoting, extra=extra) for item in value]
    if isinstance(value, str) and needles.found_in(value):
        return text
    return value


def _replace(
    value: Any, strings: set[str], text: str, ticket_ids: list[int], needles: _Needles
) -> Any:
    """``value`` (JSON) with every string equal to one of ``strings`` replaced by ``text``, and
    the quotes of any item about one of ``ticket_ids`` (``{"ticket": id, …}``) removed."""
    if isinstance(value, dict):
        if value.get("ticket") in ticket_ids:
            return _scrub(value, needles, text, quoting=True)
        return {
            key: _replace(item, strings, text, ticket_ids, needles) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace(item, strings, text, ticket_ids, needles) for item in value]
    return text if isinstance(value, str) and value in strings else value


def _rewrite_json(
    queryset: Any, column: str, rewrite: Callable[[Any], Any], *, batch: int = 500
) -> None:
    """Apply ``rewrite`` to one JSON column of every row of ``queryset`` that it changes."""
    changed = []
    for row in queryset.only("pk", column).iterator(chunk_size=batch):
        before = getattr(row, column)
        after = rewrite(before)
        if after != before:
            setattr(row, column, after)
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, [column], batch_size=batch)


def _delete_files(rows: Sequence[Any], column: str) -> None:
    """Delete the stored files of ``rows`` (a file already gone is not an error)."""
    for row in rows:
        stored = getattr(row, column)
        if stored and stored.name:
            try:
                stored.storage.delete(stored.name)
            except OSError:
                log.warning("erasure: could not delete %s", stored.name)


def _erase_messages(messages: Any, needles: _Needles, text: str, erased: Erased) -> None:
    """Erase the text of ``messages`` (a queryset), their attachments and the coach's spans."""
    ids = list(messages.values_list("pk", flat=True))
    if not ids:
        return
    attachments = list(Attachment.objects.filter(message_id__in=ids).only("pk", "file"))
    _delete_files(attachments, "file")
    erased.attachments += Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()[0]
    selected = Message.objects.filter(pk__in=ids)
    # The reply review stays for its labels (the reports count balance and findings from it).
    _rewrite_json(
        selected.exclude(review=None), "review", lambda v: _scrub(v, needles, text, quoting=True)
    )
    erased.messages += selected.update(body=text, original_body="", metadata={}, delivery_error="")
    MessageAnalysis.objects.filter(message_id__in=ids).update(spans={}, error="")


def erase_tickets(ticket_ids: Iterable[int], *, now: datetime | None = None) -> Erased:
    """Erase the personal data of these tickets, keeping every figure; safe to run again."""
    now = now or timezone.now()
    ids = sorted({int(pk) for pk in ticket_ids})
    erased = Erased()
    text = placeholder()
    for start in range(0, len(ids), BATCH):
        part = ids[start : start + BATCH]
        with transaction.atomic():
            customer_ids = set(
                Ticket.objects.filter(pk__in=part).values_list("customer_id", flat=True)
            )
            erased.add(_erase_ticket_batch(part, _needles_for(customer_ids), text, now))
    return erased


def _erase_ticket_batch(ids: list[int], needles: _Needles, text: str, now: datetime) -> Erased:
    erased = Erased()
    erased.tickets = Ticket.objects.filter(pk__in=ids).update(
        subject=text, custom_fields={}, erased_at=now
    )
    _erase_messages(Message.objects.filter(ticket_id__in=ids), needles, text, erased)
    events = TicketEvent.objects.filter(ticket_id__in=ids)
    _rewrite_json(
        events.filter(kind__in=TEXT_EVENT_KINDS),
        "data",
        lambda v: dict.fromkeys(v, text) if isinstance(v, dict) else {},
    )
    _rewrite_json(events, "data", lambda v: _scrub(v, needles, text, quoting=False))
    surveys = Survey.objects.filter(ticket_id__in=ids)
    # Stored monthly CSAT reports quote anonymised comments: those quotes go too (their
    # figures, and the PDF drawn when the month closed, stay as they were).
    quoted = set(surveys.exclude(comment_redacted="").values_list("comment_redacted", flat=True))
    if quoted:
        _rewrite_json(
            MonthlyReport.objects.all(), "data", lambda v: _replace(v, quoted, text, ids, needles)
        )
    _rewrite_json(surveys, "coach_replies", lambda v: _scrub(v, needles, text, quoting=True))
    erased.surveys = surveys.exclude(comment="", comment_redacted="").update(
        comment="", comment_redacted=""
    )
    FeedItem.objects.filter(ticket_id__in=ids).update(text=text, last_error="")
    Rating.objects.filter(review__ticket_id__in=ids).update(comment="")
    _rewrite_json(
        Rating.objects.filter(review__ticket_id__in=ids),
        "evidence",
        lambda v: _scrub(v, needles, text, quoting=True),
    )
    Notification.objects.filter(ticket_id__in=ids).update(text=text[:500])
    ChatSession.objects.filter(ticket_id__in=ids).update(
        visitor_name="", visitor_email="", origin=""
    )
    _rewrite_json(
        EventDelivery.objects.filter(ticket_id__in=ids),
        "payload",
        lambda v: _scrub(v, needles, text, quoting=True, extra=PAYLOAD_TEXT_KEYS),
    )
    search.reindex_tickets(ids)
    return erased


def check_can_erase(by: Agent | None) -> None:
    """Only admins erase: it cannot be undone and it reaches every team's tickets and reports.

    Leads merge customers because a merge can be undone; an erasure cannot, so it stays with
    the people who answer for the whole desk's data.
    """
    if by is None or not by.is_active or not by.is_admin:
        raise PermissionDenied(_("Only admins can erase a customer's personal data."))


def confirmation_matches(customer: Customer, typed: str) -> bool:
    """Whether ``typed`` is the customer's e-mail address or name (case and spaces aside)."""
    typed = " ".join((typed or "").split()).casefold()
    if not typed:
        return False
    expected = {
        " ".join(value.split()).casefold() for value in (customer.email, customer.name) if value
    }
    if not expected:  # a customer known only by a handle: the handle confirms
        expected = {h.casefold() for h in customer.identities.values_list("handle", flat=True)}
    return typed in expected


def erase_customer(
    *,
    customer: Customer,
    by: Agent | None,
    confirmation: str,
    progress: Callable[[int, int], None] | None = None,
) -> Erased:
    """Erase everything personal about ``customer`` and those merged into them; irreversible.

    ``by`` is the admin (``None``: the command line, whose ``--yes`` is the confirmation and
    whose operator has the database anyway). ``confirmation`` must be the customer's e-mail
    address or name. ``progress(done, total)`` is told after each batch of tickets.
    """
    if by is not None:
        check_can_erase(by)
    if customer.erased_at is not None:
        raise ValidationError(_("This customer's personal data was already erased."))
    if customer.merged_into_id is not None:
        raise ValidationError(
            _("This customer was merged into customer #%(kept)s: erase that one.")
            % {"kept": customer.merged_into_id}
        )
    if by is not None and not confirmation_matches(customer, confirmation):
        raise ValidationError(
            _("Type the customer's e-mail address or name exactly to confirm the erasure.")
        )
    now = timezone.now()
    merged = Customer.objects.filter(merged_into=customer).values_list("pk", flat=True)
    people = [customer.pk, *merged]
    needles = _needles_for(people)
    addresses = {
        value.strip().lower()
        for value in [
            *Customer.objects.filter(pk__in=people).values_list("email", flat=True),
            *CustomerIdentity.objects.filter(customer_id__in=people).values_list(
                "handle", flat=True
            ),
        ]
        if "@" in (value or "")
    }
    text = placeholder()
    ticket_ids = sorted(Ticket.objects.filter(customer_id__in=people).values_list("pk", flat=True))
    erased = Erased()
    for start in range(0, len(ticket_ids), BATCH):
        part = ticket_ids[start : start + BATCH]
        with transaction.atomic():
            erased.add(_erase_ticket_batch(part, needles, text, now))
        if progress is not None:
            progress(min(start + BATCH, len(ticket_ids)), len(ticket_ids))
    with transaction.atomic():
        # Messages the person wrote in someone else's conversation (copied on a thread).
        _erase_messages(
            Message.objects.filter(author_customer_id__in=people).exclude(ticket_id__in=ticket_ids),
            needles,
            text,
            erased,
        )
        raw = list(
            RefusedMail.objects.filter(sender__iregex=_any_of(addresses)).only("pk", "raw")
            if addresses
            else []
        )
        _delete_files(raw, "raw")
        erased.raw_mails = RefusedMail.objects.filter(pk__in=[r.pk for r in raw]).delete()[0]
        PortalCode.objects.filter(Q(customer_id__in=people) | Q(address__in=addresses)).delete()
        ChatSession.objects.filter(visitor_email__in=addresses).update(
            visitor_name="", visitor_email="", origin=""
        )
        merges = CustomerMerge.objects.filter(Q(kept_id__in=people) | Q(merged_id__in=people))
        _rewrite_json(merges, "moved", lambda v: _scrub(v, needles, text, quoting=False))
        # An import may have keyed the customer by their address: the key stays (the row is
        # still the imported one) without the address. Importing an old export again brings
        # the person back, as restoring an old backup would.
        for key in SourceKey.objects.filter(kind=SourceKind.CUSTOMER, object_id__in=people):
            if needles.found_in(key.external_id):
                key.external_id = f"erased-{key.pk}"
                key.save(update_fields=["external_id"])
        # A lead's reason for blocking someone is written about that person: it goes whole,
        # from the block and from the audit event that recorded it.
        CustomerBlock.objects.filter(customer_id__in=people).update(reason=text)
        for event in AuditEvent.objects.filter(
            kind=AuditKind.CUSTOMER_BLOCKED, detail__customer__in=people
        ):
            event.detail = {**event.detail, "reason": text}
            event.save(update_fields=["detail"])
        erased.identities = CustomerIdentity.objects.filter(customer_id__in=people).delete()[0]
        erased.customers = Customer.objects.filter(pk__in=people).update(
            name="", email="", notes="", erased_at=now
        )
        # Again, now that the name and addresses are gone: the index holds them too.
        search.reindex_tickets(ticket_ids)
        security.record(
            AuditKind.CUSTOMER_ERASED,
            actor=by,
            customer=customer.pk,
            **erased.as_dict(),
        )
    customer.refresh_from_db()
    log.info("erased customer %s: %s", customer.pk, erased.as_dict())
    return erased


def _any_of(addresses: Iterable[str]) -> str:
    """A regular expression for a From header that contains one of ``addresses``."""
    return "|".join(re.escape(address) for address in sorted(addresses))


@dataclass
class RetentionRun:
    """What one retention pass did (logged, and returned by the task)."""

    tickets: int = 0
    attachments: int = 0


def _cutoff(days: int | None, now: datetime) -> datetime | None:
    return None if not days or days <= 0 else now - timedelta(days=days)


def apply_retention(*, now: datetime | None = None, limit: int = 5000) -> RetentionRun:
    """Erase closed tickets and delete attachments past the desk's retention periods.

    ``TACTFUL_RETENTION_CLOSED_TICKETS_DAYS``: tickets solved or closed that long ago (and not
    touched since) lose their personal data like an erased customer's tickets.
    ``TACTFUL_RETENTION_ATTACHMENTS_DAYS``: files older than that are deleted, whatever the
    ticket's state. Both are off (0) by default. At most ``limit`` tickets and files per pass,
    in batches; erased tickets are skipped, so a rerun continues where the last one stopped.
    """
    now = now or timezone.now()
    run = RetentionRun()
    ticket_cutoff = _cutoff(settings.TACTFUL_RETENTION_CLOSED_TICKETS_DAYS, now)
    if ticket_cutoff is not None:
        due = list(
            Ticket.objects.filter(
                status__in=(Status.SOLVED, Status.CLOSED),
                erased_at__isnull=True,
                updated_at__lt=ticket_cutoff,
            )
            .filter(Q(solved_at__lt=ticket_cutoff) | Q(solved_at__isnull=True))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        erased = erase_tickets(due, now=now)
        run.tickets, run.attachments = erased.tickets, erased.attachments
    files_cutoff = _cutoff(settings.TACTFUL_RETENTION_ATTACHMENTS_DAYS, now)
    if files_cutoff is not None:
        old = Attachment.objects.filter(message__created_at__lt=files_cutoff).order_by("pk")
        while run.attachments < limit:
            batch = list(old.only("pk", "file")[: min(BATCH, limit - run.attachments)])
            if not batch:
                break
            with transaction.atomic():
                _delete_files(batch, "file")
                run.attachments += Attachment.objects.filter(pk__in=[a.pk for a in batch]).delete()[
                    0
                ]
    if run.tickets or run.attachments:
        security.record(
            AuditKind.RETENTION_ERASED, tickets=run.tickets, attachments=run.attachments
        )
    log.info("retention: %d tickets erased, %d attachments deleted", run.tickets, run.attachments)
    return run
