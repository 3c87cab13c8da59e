"""Turning a raw e-mail into a ticket message, or into a refusal the admin can see.

``ingest_email`` is the one door for incoming mail (IMAP polling, the inbound webhook, tests):
so threading, idempotency and refusals behave the same whichever way a mail arrives. It never
raises on bad input — a mail it cannot use becomes a ``RefusedMail`` row with the raw bytes —
and it is idempotent on the Message-ID *and the content*: a mailbox polled twice stores each
mail once, while a different mail that reuses a stored Message-ID (some mailers do) is stored
too, under a derived id, with a note on its ticket and a row the admin sees.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from prometheus_client import Counter

from tactful.accounts.models import Team
from tactful.customers.models import Channel, Customer
from tactful.mail import matching, quoting
from tactful.mail.models import Mailbox, RefusalReason, RefusedMail
from tactful.mail.parsing import (
    ParsedAttachment,
    ParsedEmail,
    addresses,
    header_text,
    normalize_message_id,
    parse_email,
    raw_digest,
)
from tactful.tickets import events, inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Ticket

logger = logging.getLogger(__name__)

REUSED_MESSAGE_IDS = Counter(
    "tactful_mail_reused_message_ids_total",
    "Different e-mails that arrived under a Message-ID already stored (each stored separately).",
)

IngestStatus = Literal["created", "appended", "duplicate", "refused"]

#: Shown where a body was cut to fit ``MAX_BODY_CHARS`` (the full text is attached).
TRUNCATED_MARKER = "\n\n[truncated]"
MAX_SUBJECT_CHARS = ticket_services.MAX_SUBJECT_CHARS
_HEADER_LIMIT = 256 * 1024


@dataclass(frozen=True)
class IngestResult:
    """What became of one e-mail."""

    status: IngestStatus
    ticket_id: int | None
    #: Our Message's primary key (None when refused).
    message_id: int | None
    #: Why it was refused (a ``RefusalReason`` value); empty for stored mail.
    reason: str = ""


# --- recognising mail that is not from a person -----------------------------------------------

_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}


def automatic_mail_reason(parsed: ParsedEmail) -> tuple[str, str] | None:
    """(reason, detail) when the mail is a bounce or an automatic reply, else None.

    ``X-Auto-Response-Suppress`` is deliberately ignored: Outlook sets it on ordinary mail to
    ask *others* not to auto-reply.
    """
    if parsed.has_delivery_status:
        return RefusalReason.BOUNCE, "delivery-status report"
    local_part = parsed.from_address.split("@", 1)[0].lower()
    if local_part in _BOUNCE_SENDERS:
        return RefusalReason.BOUNCE, f"sent by {parsed.from_address}"
    return_path = parsed.headers.get("return-path")
    if return_path is not None and return_path[0].strip() in {"<>", ""}:
        return RefusalReason.BOUNCE, "empty Return-Path (null sender)"
    auto_submitted = parsed.header("auto-submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return RefusalReason.AUTO_REPLY, f"Auto-Submitted: {auto_submitted[:60]}"
    precedence = parsed.header("precedence").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return RefusalReason.AUTO_REPLY, f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond"):
        if name in parsed.headers:
            return RefusalReason.AUTO_REPLY, f"{name} header"
    return None


def _is_our_address(address: str) -> bool:
    if not address:
        return False
    if address.lower() == settings.TACTFUL_MAIL_FROM.lower():
        return True
    return Team.objects.filter(email_address__iexact=address).exists()


# --- refusing ---------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Text the database accepts: no NUL characters, no lone surrogates."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _short(text: str, limit: int = 255) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _keep_raw(raw: bytes, *, label: str) -> ContentFile[bytes]:
    kept = raw[: settings.TACTFUL_MAIL_REFUSED_KEEP_BYTES]
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return ContentFile(kept, name=f"{stamp}-{label}-{digest}.eml")


def _record_refusal(
    raw: bytes,
    *,
    reason: str,
    detail: str,
    external_id: str,
    sender: str,
    subject: str,
    mailbox: Mailbox | None,
    content_digest: str = "",
) -> RefusedMail:
    refused = RefusedMail(
        mailbox=mailbox,
        message_id=_short(external_id),
        sender=_short(sender),
        subject=_short(subject),
        reason=reason,
        detail=_clean(detail),
        size=len(raw),
        content_digest=content_digest,
    )
    kept = _keep_raw(raw, label=reason)
    refused.raw.save(kept.name or "mail.eml", kept, save=False)
    refused.save()
    return refused


def _refuse(
    raw: bytes,
    *,
    reason: str,
    detail: str,
    external_id: str,
    sender: str = "",
    subject: str = "",
    mailbox: Mailbox | None,
    content_digest: str = "",
) -> IngestResult:
    """Record the refusal once per Message-ID and content (a re-polled mail is not recorded
    twice; a different mail under a reused Message-ID is). Rows from before digests were kept
    (empty digest) count as the same mail."""
    content_digest = content_digest or raw_digest(raw)
    already = bool(external_id) and (
        RefusedMail.objects.filter(
            message_id=_short(external_id),
            reason=reason,
            content_digest__in=[content_digest, ""],
        ).exists()
    )
    if not already:
        _record_refusal(
            raw,
            reason=reason,
            detail=detail,
            external_id=external_id,
            sender=sender,
            subject=subject,
            mailbox=mailbox,
            content_digest=content_digest,
        )
    logger.info("e-mail %s refused: %s (%s)", external_id, reason, detail[:200])
    return IngestResult("refused", None, None, reason)


def _headers_only(raw: bytes) -> ParsedEmail:
    """The headers of a mail too large to parse whole (for the refusal record)."""
    parsed = ParsedEmail()
    try:
        head = raw[:_HEADER_LIMIT]
        message = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
        for name, value in message.raw_items():
            parsed.headers.setdefault(str(name).lower(), []).append(header_text(str(value)))
        parsed.message_id = normalize_message_id(parsed.header("message-id"))
        parsed.subject = parsed.header("subject")
        parsed.from_address = parsed.header("from")
    except Exception:  # a refusal record must still be written
        logger.warning("could not read the headers of an oversized e-mail", exc_info=True)
    return parsed


# --- the body ---------------------------------------------------------------------------------


@dataclass
class _Body:
    body: str
    original: str
    extra_attachments: list[ParsedAttachment]
    truncated: bool


def _fit(text: str, *, extension: str, label: str) -> tuple[str, ParsedAttachment | None]:
    """``text`` cut to MAX_BODY_CHARS with a visible marker, plus the full text as a file."""
    limit = ticket_services.MAX_BODY_CHARS
    if len(text) <= limit:
        return text, None
    cut = text[: limit - len(TRUNCATED_MARKER)] + TRUNCATED_MARKER
    content_type = "text/html" if extension == "html" else "text/plain"
    full = ParsedAttachment(f"{label}.{extension}", content_type, text.encode("utf-8", "replace"))
    return cut, full


def _body_of(parsed: ParsedEmail) -> _Body:
    """The stored body (quotes and signature stripped) and the original text before stripping.

    Plain text is preferred; an HTML-only mail stays HTML (it is sanitised when rendered).
    """
    if parsed.text.strip():
        original = _clean(parsed.text)
        body = quoting.strip_quotes(original)
        extension = "txt"
    elif parsed.html.strip():
        original = _clean(parsed.html)
        body = quoting.strip_html_quotes(original)
        extension = "html"
    else:
        original = ""
        body = ""
        extension = "txt"
    if not body.strip():
        body = (
            _("(no text; see the attachments)")
            if parsed.attachments or parsed.incomplete
            else _("(empty message)")
        )
    extra: list[ParsedAttachment] = []
    body, full_body = _fit(body, extension=extension, label="message-full")
    if full_body is not None:
        extra.append(full_body)
    original, full_original = _fit(original, extension=extension, label="message-original")
    if full_original is not None and (
        full_body is None or full_original.payload != full_body.payload
    ):
        extra.append(full_original)
    return _Body(body, original if original != body else "", extra, truncated=bool(extra))


def _uploads(
    attachments: list[ParsedAttachment],
) -> tuple[list[SimpleUploadedFile], list[tuple[str, str]]]:
    """The attachments to store and the dropped ones as (file name, why)."""
    limit = settings.TACTFUL_MAX_ATTACHMENT_BYTES
    kept: list[SimpleUploadedFile] = []
    dropped: list[tuple[str, str]] = []
    for attachment in attachments:
        if attachment.size > limit:
            dropped.append(
                (
                    attachment.filename,
                    _("%(size)d bytes, over the limit of %(max)d bytes")
                    % {"size": attachment.size, "max": limit},
                )
            )
        elif len(kept) >= ticket_services.MAX_ATTACHMENTS:
            dropped.append(
                (
                    attachment.filename,
                    _("more than %(n)d attachments in one message")
                    % {"n": ticket_services.MAX_ATTACHMENTS},
                )
            )
        else:
            kept.append(
                SimpleUploadedFile(
                    attachment.filename,
                    attachment.payload,
                    content_type=attachment.content_type[:100] or "application/octet-stream",
                )
            )
    return kept, dropped


# --- ingest -----------------------------------------------------------------------------------


def _team_for(parsed: ParsedEmail, mailbox: Mailbox | None, team: Team | None) -> Team | None:
    if mailbox is not None and mailbox.team_id is not None:
        return mailbox.team
    if team is not None:
        return team
    recipients = [address for address in [*parsed.to, *parsed.cc] if address][:20]
    if not recipients:
        return None
    query = Q()
    for address in recipients:
        query |= Q(email_address__iexact=address)
    return Team.objects.filter(query).order_by("id").first()


def _sender(parsed: ParsedEmail) -> tuple[str, str]:
    """(address, display name): From, else Reply-To, else Sender."""
    if parsed.from_address:
        return parsed.from_address, parsed.from_name
    for header in ("reply-to", "sender"):
        for name, address in addresses(parsed.address_headers.get(header, [])):
            return address, name
    return "", ""


def _subject(parsed: ParsedEmail) -> str:
    # Runs of blanks collapsed: a subject of 30,000 spaces and tabs is one space.
    subject = " ".join(_clean(parsed.subject).split())
    if len(subject) > MAX_SUBJECT_CHARS:
        subject = subject[: MAX_SUBJECT_CHARS - 1] + "…"
    return subject


def ingest_email(
    raw: bytes, *, mailbox: Mailbox | None = None, team: Team | None = None
) -> IngestResult:
    """Store one raw e-mail as a new ticket or the next message of an existing one.

    Args:
        raw: the message exactly as received (RFC 5322 bytes).
        mailbox: the IMAP mailbox it came from; its team gets new tickets.
        team: the team for new tickets when the mailbox has none (else: a team whose address
            is among the recipients).

    Returns:
        ``created`` / ``appended`` with the ticket and message, ``duplicate`` (this Message-ID
        is already stored) with the stored ones, or ``refused`` with the reason (a
        ``RefusedMail`` row keeps the raw mail for the admin).

    Never raises on bad input; only database and storage errors (``DatabaseError``,
    ``OSError``) propagate: the caller retries those.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", "replace")
    raw = bytes(raw)
    if len(raw) > settings.TACTFUL_MAIL_MAX_BYTES:
        head = _headers_only(raw)
        return _refuse(
            raw,
            reason=RefusalReason.TOO_LARGE,
            detail=_("%(size)d bytes, over the limit of %(max)d bytes")
            % {"size": len(raw), "max": settings.TACTFUL_MAIL_MAX_BYTES},
            external_id=matching.external_id_for(head.message_id) if head.message_id else "",
            sender=head.from_address,
            subject=head.subject,
            mailbox=mailbox,
        )
    try:
        parsed = parse_email(raw)
    except DatabaseError:
        raise
    except Exception as exc:  # whatever the parser chokes on is refused, not lost
        logger.warning("unparseable e-mail", exc_info=True)
        return _refuse(
            raw,
            reason=RefusalReason.MALFORMED,
            detail=f"{type(exc).__name__}: {exc}"[:2000],
            external_id=raw_digest(raw),
            mailbox=mailbox,
        )
    try:
        return _ingest_parsed(raw, parsed, mailbox=mailbox, team=team)
    except (DatabaseError, OSError):
        # The database or the attachment storage (disk full, volume gone) failed, not the
        # mail: the caller retries it later. Refusing it here would keep only its first bytes
        # and, the IMAP poll moving past it, never store it whole.
        raise
    except Exception as exc:  # a bug must not crash the worker or lose the mail
        logger.exception("e-mail could not be ingested")
        external_id = (
            matching.external_id_for(parsed.message_id) if parsed.message_id else raw_digest(raw)
        )
        return _refuse(
            raw,
            reason=RefusalReason.MALFORMED,
            detail=f"{type(exc).__name__}: {exc}"[:2000],
            external_id=external_id,
            sender=parsed.from_address,
            subject=parsed.subject,
            mailbox=mailbox,
        )


def content_digest(parsed: ParsedEmail, *, sender: str) -> str:
    """What an e-mail says, as a digest: sender, date, subject, text (whitespace-normalised,
    so re-wrapping in transit does not matter) and every attachment's name and bytes.

    The same mail delivered twice (polled again, or by IMAP and the webhook) has the same
    digest; a different mail under a reused Message-ID has another.
    """
    digest = hashlib.sha256()
    text = parsed.text if parsed.text.strip() else parsed.html
    for value in (sender, parsed.date, " ".join(parsed.subject.split()), " ".join(text.split())):
        digest.update(value.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    for attachment in parsed.attachments:
        digest.update(attachment.filename.encode("utf-8", "surrogatepass"))
        digest.update(hashlib.sha256(attachment.payload).digest())
    return "sha256-" + digest.hexdigest()[:48]


def _ingest_parsed(
    raw: bytes, parsed: ParsedEmail, *, mailbox: Mailbox | None, team: Team | None
) -> IngestResult:
    external_id = (
        matching.external_id_for(parsed.message_id) if parsed.message_id else raw_digest(raw)
    )
    sender, sender_name = _sender(parsed)
    subject = _subject(parsed)
    fingerprint = content_digest(parsed, sender=sender)

    def refuse(reason: str, detail: str) -> IngestResult:
        return _refuse(
            raw,
            reason=reason,
            detail=detail,
            external_id=external_id,
            sender=sender,
            subject=subject,
            mailbox=mailbox,
            content_digest=fingerprint,
        )

    body = _body_of(parsed)
    # A mail whose structure was only partly read (a nesting or part bomb) is kept whole
    # beside what was read, first, so the attachment count cannot push it out.
    whole = (
        [ParsedAttachment("original-message.eml", "message/rfc822", raw)]
        if parsed.incomplete
        else []
    )
    uploads, dropped = _uploads([*whole, *body.extra_attachments, *parsed.attachments])
    metadata: dict[str, Any] = {
        "message_id": _clean(parsed.message_id),
        "in_reply_to": [_clean(item) for item in parsed.in_reply_to],
        "references": [_clean(item) for item in parsed.references],
        "from": _clean(sender),
        "to": [_clean(item) for item in parsed.to[:50]],
        "cc": [_clean(item) for item in parsed.cc[:50]],
        "subject": _clean(parsed.subject[:1000]),
        "date": parsed.date,
        # How the body reads: HTML only for an HTML-only mail (sanitised when shown); text
        # is shown escaped, exactly as written.
        "format": "html" if not parsed.text.strip() and parsed.html.strip() else "text",
    }
    if mailbox is not None:
        metadata["mailbox"] = mailbox.pk
    if parsed.problems:
        metadata["problems"] = [_clean(problem[:200]) for problem in parsed.problems[:20]]
    if body.truncated:
        metadata["truncated"] = True
    if dropped:
        metadata["dropped_attachments"] = [name for name, _why in dropped]

    def screen() -> None:
        """Refusals, once the door knows the mail is new (a repeat is just a duplicate)."""
        if matching.our_message_pk(parsed.message_id) is not None:
            raise _Refusal(RefusalReason.LOOP, _("The Message-ID is one of our own replies."))
        automatic = automatic_mail_reason(parsed)
        if automatic is not None:
            raise _Refusal(*automatic)
        if not sender:
            raise _Refusal(
                RefusalReason.NO_SENDER, _("No sender address in From, Reply-To or Sender.")
            )
        try:
            validate_email(sender)
        except ValidationError as exc:
            raise _Refusal(
                RefusalReason.NO_SENDER, _("%(a)s is not a usable address.") % {"a": sender[:200]}
            ) from exc
        if _is_our_address(sender):
            raise _Refusal(
                RefusalReason.LOOP, _("Sent from our own address %(a)s.") % {"a": sender}
            )

    def thread(customer: Customer) -> Ticket | None:
        return matching.find_ticket(
            in_reply_to=parsed.in_reply_to,
            references=parsed.references,
            subject=subject,
            sender=customer,
        )

    try:
        # The note about dropped attachments is stored with the message or not at all.
        with events.atomic() if dropped else nullcontext():
            received = inbound.receive(
                channel=Channel.EMAIL,
                # Whoever wrote it is its author: a colleague on Cc who answers the thread
                # stays themselves, and the conversation stays the customer's.
                sender=inbound.Sender(handle=sender, name=_short(sender_name, 200)),
                body=body.body,
                subject=subject,
                thread=thread,
                screen=screen,
                team=lambda: _team_for(parsed, mailbox, team),
                external_id=external_id,
                attachments=uploads,
                metadata=metadata,
                original_body=body.original,
                fingerprint=fingerprint,
            )
            if received.collided_with is not None:
                # Outside a transaction unless attachments were dropped: were this step lost
                # to a crash, the message itself still says so (``reused_external_id_of``).
                _note_reused_id(
                    raw,
                    received=received,
                    message_id=parsed.message_id,
                    sender=sender,
                    subject=subject,
                    mailbox=mailbox,
                    fingerprint=fingerprint,
                )
            if dropped and received.stored:
                _note_dropped(
                    raw,
                    ticket=received.ticket,
                    dropped=dropped,
                    external_id=received.message.external_id,
                    sender=sender,
                    subject=subject,
                    mailbox=mailbox,
                    content_digest=fingerprint,
                )
    except _Refusal as refusal:
        return refuse(refusal.reason, refusal.detail)
    except ValidationError as exc:
        return refuse(RefusalReason.INVALID, "; ".join(exc.messages)[:2000])
    return IngestResult(received.status, received.ticket.pk, received.message.pk)


class _Refusal(Exception):
    """The mail is not stored: why (a ``RefusalReason``) and the detail for the admin."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _note_reused_id(
    raw: bytes,
    *,
    received: inbound.Received,
    message_id: str,
    sender: str,
    subject: str,
    mailbox: Mailbox | None,
    fingerprint: str,
) -> None:
    """Tell the agents (a note on the ticket), the admin (a row under Refused e-mails, with
    the raw mail) and monitoring (a counter) that a Message-ID was reused."""
    first = received.collided_with
    assert first is not None
    REUSED_MESSAGE_IDS.inc()
    detail = _(
        "This e-mail reuses the Message-ID <%(id)s> of a different message already stored "
        "(message %(message)d on ticket #%(ticket)d). It was stored separately; nothing was "
        "dropped."
    ) % {"id": message_id[:300], "message": first.pk, "ticket": first.ticket_id}
    logger.warning("e-mail reuses the Message-ID %s of message %s", message_id[:300], first.pk)
    with events.atomic():
        ticket_services.add_internal_note(ticket=received.ticket, agent=None, body=detail)
        _record_refusal(
            raw,
            reason=RefusalReason.REUSED_MESSAGE_ID,
            detail=detail,
            external_id=received.message.external_id,
            sender=sender,
            subject=subject,
            mailbox=mailbox,
            content_digest=fingerprint,
        )


def _note_dropped(
    raw: bytes,
    *,
    ticket: Ticket,
    dropped: list[tuple[str, str]],
    external_id: str,
    sender: str,
    subject: str,
    mailbox: Mailbox | None,
    content_digest: str,
) -> None:
    """Tell the agents (a note on the ticket) and the admin (the raw mail) what was dropped."""
    lines = "\n".join(f"- {name}: {why}" for name, why in dropped)
    ticket_services.add_internal_note(
        ticket=ticket,
        agent=None,
        body=_(
            "Attachments not stored (the administrator can find the whole e-mail under "
            "Refused e-mails):\n%(files)s"
        )
        % {"files": lines},
    )
    _record_refusal(
        raw,
        reason=RefusalReason.ATTACHMENT_DROPPED,
        detail=lines,
        external_id=external_id,
        sender=sender,
        subject=subject,
        mailbox=mailbox,
        content_digest=content_digest,
    )
