"""Template helpers: inert message bodies, coach badges."""

from __future__ import annotations

import re

import nh3
from django import template
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

from tactful.tickets.selectors import emotion_label as _emotion_label

register = template.Library()

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "i", "li", "ol", "p", "pre", "s",
    "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip


@register.filter
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


@register.filter
def emotion_label(name: str) -> str:
    return _emotion_label(name or "")


@register.filter
def percent(value: float | None) -> int:
    if value is None:
        return 0
    return max(0, min(100, round(float(value) * 100)))


@register.filter
def intensity_level(value: float | None) -> str:
    """low / medium / high, for the badge colour."""
    if value is None:
        return "none"
    if value >= 0.66:
        return "high"
    if value >= 0.33:
        return "medium"
    return "low"


@register.filter
def filesize(value: int) -> str:
    size = float(value or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
