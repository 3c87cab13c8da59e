"""Sending agents' replies to customers by e-mail, through Django's configurable mail backend.

Called by tactful.outbound after the commit (claim-then-send, retried with backoff). The reply
gets a deterministic Message-ID, written to ``message.metadata`` *before* anything is sent, so
the customer's answer threads back to the ticket even if the worker dies right after sending.
SMTP errors are mapped to the outbound module's two kinds: worth retrying, or not.
"""

from __future__ import annotations

import re
import smtplib
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.utils.translation import gettext as _

from tactful.mail import matching, quoting
from tactful.outbound.transports import PermanentDeliveryError, TemporaryDeliveryError
from tactful.tickets.models import Message, MessageKind

#: At most this many ids in the References header (long threads stay a sane header size).
MAX_REFERENCES = 20
_REPLY_PREFIX_RE = re.compile(r"^\s*((re|aw|sv|fwd?|rv|ответ|отв)\s*(\[\d+\])?\s*:\s*)+", re.I)
_HTML_TAG_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", text).strip()


def reply_subject(subject: str, *, number: int) -> str:
    """``Re: <subject> [#<number>]``, without doubling the ``Re:`` or the tag."""
    subject = _one_line(subject)
    base = _REPLY_PREFIX_RE.sub("", subject).strip() or _("(no subject)")
    tag = matching.ticket_tag(number)
    if tag not in base:
        base = f"{base} {tag}"
    return f"Re: {base}"


def _plain_text(body: str) -> str:
    return quoting.html_to_text(body) if _HTML_TAG_RE.search(body) else body


def _thread_headers(message: Message) -> tuple[str, list[str]]:
    """(In-Reply-To, References) from the latest incoming e-mail on the ticket."""
    recent = (
        Message.objects.filter(
            ticket_id=message.ticket_id, kind=MessageKind.INCOMING, pk__lt=message.pk
        )
        .order_by("-created_at", "-id")
        .values_list("metadata", flat=True)[:20]
    )
    for metadata in recent:
        if isinstance(metadata, dict) and metadata.get("message_id"):
            parent = str(metadata["message_id"])
            references = [str(item) for item in metadata.get("references") or [] if item]
            references = [item for item in references if item != parent][-(MAX_REFERENCES - 1) :]
            return parent, [*references, parent]
    return "", []


def _customer_address(message: Message) -> str:
    customer = message.ticket.customer
    return (customer.email or "").strip()


def customer_has_email(message: Message) -> bool:
    """Whether a reply on this (web form) ticket can go out by e-mail."""
    return bool(_customer_address(message))


def send_reply(message: Message) -> str:
    """Send one reply to the ticket's customer; returns its Message-ID (without ``<>``).

    Raises:
        PermanentDeliveryError: the customer has no address, or the server refused the
            recipient or the message for good (5xx).
        TemporaryDeliveryError: the server is unreachable, timed out or said "later" (4xx).
    """
    message = Message.objects.select_related("ticket__team", "ticket__customer").get(pk=message.pk)
    ticket = message.ticket
    recipient = _customer_address(message)
    if not recipient:
        raise PermanentDeliveryError(_("The customer has no e-mail address."))
    sender = (ticket.team.email_address if ticket.team else "") or settings.TACTFUL_MAIL_FROM
    sender_header = formataddr((_one_line(ticket.team.name), sender)) if ticket.team else sender
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    # A retry reuses the id stored by the first attempt (the domain may have changed since);
    # anything else in metadata["message_id"] is not ours to reuse.
    stored_id = str(message.metadata.get("message_id") or "")
    if matching.our_message_pk(stored_id) == message.pk:
        message_id = stored_id
    else:
        message_id = matching.our_message_id(message.pk, domain=domain)
    in_reply_to, references = _thread_headers(message)
    subject = reply_subject(ticket.subject, number=ticket.pk)

    # Stored before sending: a reply that left must always be recognisable when answered.
    metadata = {
        **message.metadata,
        "message_id": message_id,
        "in_reply_to": [in_reply_to] if in_reply_to else [],
        "references": references,
        "from": sender,
        "to": [recipient],
        "subject": subject,
    }
    Message.objects.filter(pk=message.pk).update(metadata=metadata)
    message.metadata = metadata

    headers = {"Message-ID": f"<{message_id}>", "X-Tactful-Ticket": str(ticket.pk)}
    if in_reply_to:
        headers["In-Reply-To"] = f"<{in_reply_to}>"
        headers["References"] = " ".join(f"<{item}>" for item in references)
    email = EmailMultiAlternatives(
        subject=subject,
        body=_plain_text(message.body),
        from_email=sender_header,
        to=[recipient],
        headers=headers,
    )
    # Tactful's own messages may carry an HTML version (the satisfaction survey's rating
    # buttons); agents' replies stay plain text.
    html = message.metadata.get("html_alternative") if message.author_agent_id is None else None
    if isinstance(html, str) and html.strip():
        email.attach_alternative(html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            email.attach(attachment.filename, handle.read(), attachment.content_type or None)
    _send(email)
    return message_id


def _send(email: EmailMessage) -> None:
    try:
        get_connection(fail_silently=False).send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        detail = "; ".join(
            f"{addr}: {code} {text!r}" for addr, (code, text) in exc.recipients.items()
        )
        if codes and all(code >= 500 for code in codes):
            raise PermanentDeliveryError(detail) from exc
        raise TemporaryDeliveryError(detail) from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Wrong credentials are fixed by an admin; keep the reply queued until then.
        raise TemporaryDeliveryError(f"SMTP authentication failed: {exc.smtp_code}") from exc
    except smtplib.SMTPResponseException as exc:
        detail = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
        if 500 <= exc.smtp_code < 600:
            raise PermanentDeliveryError(detail) from exc
        raise TemporaryDeliveryError(detail) from exc
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, reset, timed out, server disconnected: try again later.
        raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
