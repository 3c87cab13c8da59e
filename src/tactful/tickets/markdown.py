"""Markdown that people write in the desk (playbooks, help-center articles), rendered inert.

Two locks, one behind the other: the parser runs with raw HTML off (``<script>`` is shown as
text, never passed through) and refuses ``javascript:``/``vbscript:`` links; then what it wrote
goes through nh3, a maintained sanitiser, with an allow-list of tags, attributes and URL
schemes. Nothing from an editor reaches a page without both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

#: What Markdown may produce on a page (headings, lists, tables, code, links, images).
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}
#: Table cells may only be aligned (markdown-it writes ``style="text-align:…"``).
_ALIGN = re.compile(r"text-align:(left|right|center)")

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_PARSER.enable(["table", "strikethrough"])


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return value if _ALIGN.fullmatch(value.replace(" ", "")) else None
    return value


def sanitize(html: str) -> SafeString:
    """HTML made safe for a page: only the allowed tags, attributes and URL schemes remain."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)


def parse(text: str) -> list[Token]:
    """The token stream of ``text`` (for callers that render parts of it, such as steps)."""
    return _PARSER.parse(text or "")


def render_tokens(tokens: Sequence[Token]) -> SafeString:
    """Render a slice of :func:`parse`'s tokens to sanitised HTML."""
    return sanitize(_PARSER.renderer.render(list(tokens), _PARSER.options, {}))


def render(text: str) -> SafeString:
    """``text`` (Markdown) as sanitised HTML."""
    return sanitize(_PARSER.render(text or ""))


def plain(text: str) -> str:
    """The words of ``text`` without Markdown or HTML (for summaries and search snippets)."""
    stripped = nh3.clean(_PARSER.render(text or ""), tags=set())
    return " ".join(html.unescape(stripped).split())
