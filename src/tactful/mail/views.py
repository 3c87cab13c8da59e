"""The inbound-mail webhook (a provider posts parsed e-mail as signed JSON) and raw downloads.

The webhook rebuilds an RFC 5322 message from the JSON and hands it to ``ingest_email``, the
same door IMAP uses: threading, idempotency and refusals cannot differ between the two.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import time
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, getaddresses
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tactful.mail.models import RefusedMail
from tactful.mail.parsing import safe_filename
from tactful.mail.services import ingest_email

logger = logging.getLogger(__name__)

#: A signature older (or further in the future) than this is refused as a possible replay.
MAX_SIGNATURE_AGE_SECONDS = 300
MAX_HEADERS = 100
MAX_ADDRESSES = 100
_HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,75}$")
#: Headers the rebuilt message sets itself; a payload may not override them.
_STRUCTURAL_HEADERS = {
    "content-type",
    "content-transfer-encoding",
    "mime-version",
    "content-disposition",
    "message-id",
    "from",
    "to",
    "cc",
    "subject",
    "in-reply-to",
    "references",
}


class PayloadError(ValueError):
    """The JSON does not describe an e-mail we can rebuild (→ 400)."""


def _error(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _signature_ok(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    given = signature.removeprefix("sha256=").strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


_LINE_BREAKS_RE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def _one_line(value: str) -> str:
    # Line breaks (of any kind Python knows) in a header value would let the payload inject
    # headers of its own; other control characters have no business in a header either.
    return _LINE_BREAKS_RE.sub(" ", value).strip()


def _text(payload: dict[str, Any], key: str, *, required: bool = False, limit: int = 998) -> str:
    value = payload.get(key)
    if value is None or value == "":
        if required:
            raise PayloadError(_("%(field)s is required.") % {"field": key})
        return ""
    if not isinstance(value, str):
        raise PayloadError(_("%(field)s must be a string.") % {"field": key})
    if len(value) > limit:
        raise PayloadError(_("%(field)s is too long.") % {"field": key})
    return _one_line(value)


def _address_list(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    else:
        raise PayloadError(_("%(field)s must be a string or a list of strings.") % {"field": key})
    if len(items) > MAX_ADDRESSES or any(len(item) > 998 for item in items):
        raise PayloadError(_("%(field)s has too many or too long addresses.") % {"field": key})
    return ", ".join(_one_line(item) for item in items if item.strip())


def _id_list(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None or value == "":
        return ""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items) or len(items) > 200:
        raise PayloadError(_("%(field)s must be a string or a list of strings.") % {"field": key})
    ids = []
    for item in items:
        for token in _one_line(item).split():
            token = token.strip(",")
            if token:
                ids.append(token if token.startswith("<") else f"<{token.strip('<>')}>")
    return " ".join(ids)


def build_email(payload: Any) -> bytes:
    """An RFC 5322 message from the webhook's JSON (deterministic: same JSON, same bytes).

    Raises:
        PayloadError: a field has the wrong type or size, or an attachment is not base64.
    """
    if not isinstance(payload, dict):
        raise PayloadError(_("The body must be a JSON object."))
    sender = _address_list(payload, "from")
    if not sender:
        raise PayloadError(_("%(field)s is required.") % {"field": "from"})
    text = payload.get("text") or ""
    html = payload.get("html") or ""
    if not isinstance(text, str) or not isinstance(html, str):
        raise PayloadError(_("text and html must be strings."))
    extra_headers = payload.get("headers") or {}
    if not isinstance(extra_headers, dict) or len(extra_headers) > MAX_HEADERS:
        raise PayloadError(
            _("headers must be an object of at most %(n)d names.") % {"n": MAX_HEADERS}
        )
    attachments = payload.get("attachments") or []
    if not isinstance(attachments, list):
        raise PayloadError(_("attachments must be a list."))

    message_id = _text(payload, "message_id")
    if not message_id:
        # No id from the provider: one derived from the content, so a retry is still a duplicate.
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, ensure_ascii=True).encode("ascii")
        ).hexdigest()[:40]
        message_id = f"webhook.{digest}@tactful.invalid"
    headers: list[tuple[str, str]] = [
        ("Message-ID", message_id if message_id.startswith("<") else f"<{message_id}>"),
        ("From", sender),
        ("To", _address_list(payload, "to")),
        ("Cc", _address_list(payload, "cc")),
        ("Subject", _text(payload, "subject")),
        ("In-Reply-To", _id_list(payload, "in_reply_to")),
        ("References", _id_list(payload, "references")),
    ]
    for name, value in extra_headers.items():
        if not isinstance(name, str) or not _HEADER_NAME_RE.match(name):
            raise PayloadError(_("Invalid header name."))
        if not isinstance(value, str) or len(value) > 998:
            raise PayloadError(_("Header values must be strings of at most 998 characters."))
        if name.lower() not in _STRUCTURAL_HEADERS:
            headers.append((name, _one_line(value)))

    # The headers are written by hand (each value one line, non-ASCII RFC 2047-encoded): the
    # stdlib's header objects raise on many odd but harmless values. The MIME body is built
    # by the stdlib with fixed boundaries, so the same JSON always gives the same bytes (a
    # mail without Message-ID is identified by its bytes).
    body = EmailMessage(policy=SMTP)
    text, html = _storable(text), _storable(html)
    if text or not html:
        body.set_content(text, subtype="plain")
        if html:
            body.add_alternative(html, subtype="html")
    else:
        body.set_content(html, subtype="html")
    if len(attachments) > 50:
        raise PayloadError(_("At most 50 attachments."))
    for index, item in enumerate(attachments):
        _attach(body, item, index)
    _fix_boundaries(body, message_id)
    head = "".join(f"{name}: {_encode_header(name, value)}\r\n" for name, value in headers if value)
    return head.encode("ascii") + body.as_bytes()


_ADDRESS_HEADERS = {"from", "to", "cc", "reply-to", "sender"}
_CONTAINERS = {"multipart", "message"}


def _storable(text: str) -> str:
    """Text without lone surrogates (JSON allows them; encoders do not)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _encode_header(name: str, value: str) -> str:
    """One ASCII header line: RFC 2047 words for non-ASCII, display names encoded alone."""
    value = _storable(value)
    if value.isascii():
        return value
    if name.lower() in _ADDRESS_HEADERS:
        pairs = getaddresses([value])
        if pairs and all(address.isascii() and "@" in address for _n, address in pairs):
            return ", ".join(formataddr(pair, charset="utf-8") for pair in pairs)
    return Header(value, "utf-8").encode(linesep="\r\n")


def _attach(message: EmailMessage, item: Any, index: int) -> None:
    if not isinstance(item, dict):
        raise PayloadError(_("Each attachment must be an object."))
    filename = item.get("filename") or f"attachment-{index + 1}"
    content_type = item.get("content_type") or "application/octet-stream"
    encoded = item.get("content_base64")
    if not isinstance(filename, str) or not isinstance(content_type, str):
        raise PayloadError(_("Attachment filename and content_type must be strings."))
    if not isinstance(encoded, str):
        raise PayloadError(_("Attachment content_base64 is required."))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError(_("Attachment %(n)d is not valid base64.") % {"n": index + 1}) from exc
    maintype, _slash, subtype = content_type.strip().lower().partition("/")
    token = re.compile(r"[a-z0-9][a-z0-9.+-]{0,60}")
    # multipart/* and message/* need structured payloads; raw bytes travel as octet-stream.
    if not token.fullmatch(maintype) or not token.fullmatch(subtype) or maintype in _CONTAINERS:
        maintype, subtype = "application", "octet-stream"
    message.add_attachment(
        data,
        maintype=maintype,
        subtype=subtype,
        filename=safe_filename(_storable(filename), content_type=f"{maintype}/{subtype}"),
    )


def _fix_boundaries(message: EmailMessage, seed: str) -> None:
    for index, part in enumerate(message.walk()):
        if part.is_multipart():
            digest = hashlib.sha256(f"{seed}/{index}".encode()).hexdigest()[:24]
            part.set_boundary(f"=_tactful_{digest}")


@csrf_exempt
def inbound(request: HttpRequest) -> JsonResponse:
    """POST /mail/inbound/: one parsed e-mail as signed JSON → a ticket message.

    Returns 201 with ``{"status", "ticket", "message"}`` when stored, 200 for a duplicate or a
    refusal (the sender must not retry those), 400 for bad JSON, 401 for a bad or stale
    signature, 413 when too large, 404 when no secret is configured.
    """
    secret = settings.TACTFUL_MAIL_WEBHOOK_SECRET
    if not secret:
        return _error(_("Not found."), 404)
    if request.method != "POST":
        response = _error(_("Use POST."), 405)
        response["Allow"] = "POST"
        return response
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(_("The request is too large."), 413)
    timestamp = request.headers.get("X-Tactful-Timestamp", "")
    signature = request.headers.get("X-Tactful-Signature", "")
    if not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return _error(_("Missing or malformed signature headers."), 401)
    if abs(time.time() - int(timestamp)) > MAX_SIGNATURE_AGE_SECONDS:
        return _error(_("The signature has expired."), 401)
    if not _signature_ok(secret, timestamp, body, signature):
        return _error(_("Invalid signature."), 401)
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return _error(_("The body is not valid JSON."), 400)
    try:
        raw = build_email(payload)
    except PayloadError as exc:
        return _error(str(exc), 400)
    try:
        result = ingest_email(raw)
    except (DatabaseError, OSError):
        # Our side failed (database away, attachment disk full): 503 tells the sender to
        # deliver again later, and nothing was stored, so the retry is not a duplicate.
        logger.exception("inbound e-mail could not be stored")
        return _error(_("The e-mail could not be stored now; send it again later."), 503)
    status = 201 if result.status in {"created", "appended"} else 200
    data: dict[str, Any] = {
        "status": result.status,
        "ticket": result.ticket_id,
        "message": result.message_id,
    }
    if result.reason:
        data["reason"] = result.reason
    return JsonResponse(data, status=status)


@login_required
def refused_raw(request: HttpRequest, refused_id: int) -> FileResponse:
    """The raw bytes of a refused e-mail, for those allowed to see refused mail in the admin."""
    if not request.user.has_perm("mail.view_refusedmail"):
        raise Http404(_("No such e-mail."))
    refused = get_object_or_404(RefusedMail, pk=refused_id)
    if not refused.raw:
        raise Http404(_("No such e-mail."))
    return FileResponse(
        refused.raw.open("rb"),
        as_attachment=True,
        filename=f"refused-{refused.pk}.eml",
        content_type="message/rfc822",
    )
