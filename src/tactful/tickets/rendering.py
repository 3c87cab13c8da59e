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


def plain_text(body: str) -> str:
    """The text a reader such as the coach sees: HTML bodies lose their tags, plain text
    stays as it is."""
    if not _TAG.search(body):
        return body
    stripped = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", body), tags=set())
    return html.unescape(stripped)
