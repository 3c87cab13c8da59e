"""A message body, two ways: safe HTML for people to read, plain text for the coach to read.

Bodies are stored exactly as received (HTML e-mail included) and changed only here, on the way
out: nothing a customer typed is altered in the database.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from tactful.customers.models import Channel
from tactful.tickets.models import MessageKind

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "i", "li", "ol", "p", "pre", "s",
    "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip


def render_body(body: str, *, plain: bool = False) -> SafeString:
    """A message body made inert: HTML is sanitised by nh3 (no scripts, styles, handlers,
    remote images); plain text is escaped and keeps its line breaks.

    ``plain``: the text was typed into a text box (chat, contact form), so anything that looks
    like a tag is shown as typed, not interpreted.
    """
    if not plain and _TAG.search(body or ""):
        cleaned = nh3.clean(
            body,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
        return mark_safe(cleaned)
    return mark_safe(linebreaks(escape(body or "")))


#: ``Message.metadata["format"]``: how a channel that can carry HTML (e-mail) says which it is.
FORMAT_KEY = "format"


def body_is_html(*, channel: str, kind: str, metadata: object) -> bool:
    """Whether a stored body is HTML to sanitise (else text to show exactly as typed).

    A customer's message is HTML only when it came as HTML e-mail: whatever was typed into a
    chat box, a contact form or an external system through the API is text, even when it looks
    like a tag (``Help <img src=x> please`` is shown as typed, not stripped to ``Help
    please``). E-mail says which it is in ``metadata["format"]``; e-mail stored before that
    was kept, and the desk's own messages, are recognised by their tags as before.
    """
    declared = metadata.get(FORMAT_KEY) if isinstance(metadata, dict) else None
    if kind == MessageKind.INCOMING and channel != Channel.EMAIL:
        return False
    if declared in {"html", "text"}:
        return bool(declared == "html")
    return True  # undeclared: render_body looks for tags


def render_message_body(*, body: str, channel: str, kind: str, metadata: object) -> SafeString:
    """:func:`render_body` for a stored message: sanitised HTML or escaped text, by
    :func:`body_is_html`."""
    html_body = body_is_html(channel=channel, kind=kind, metadata=metadata)
    return render_body(body, plain=not html_body)


def message_plain_text(*, body: str, channel: str, kind: str, metadata: object) -> str:
    """:func:`plain_text` for a stored message: text typed by a customer is kept as typed."""
    if body_is_html(channel=channel, kind=kind, metadata=metadata):
        return plain_text(body)
    return body


def plain_text(body: str) -> str:
    """The text a reader such as the coach sees: HTML bodies lose their tags, plain text
    stays as it is."""
    if not _TAG.search(body):
        return body
    stripped = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", body), tags=set())
    return html.unescape(stripped)
