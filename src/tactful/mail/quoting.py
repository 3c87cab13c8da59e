"""Cutting quoted history and signatures off e-mail replies (English, Spanish, Russian).

The stored body should be what the customer wrote *this time*: agents read it and the coach
analyses it, and a quoted copy of our own earlier reply would be read as the customer's words.
The untouched text is kept in ``Message.original_body``. When stripping would leave nothing (a
mail that is all quote), the text is returned unchanged: better too much than nothing.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3

# Lines that start the quoted history: everything from here on is cut.
_SEPARATORS = [
    # Outlook and others: "-----Original Message-----" (es, ru too).
    re.compile(
        r"^\s*-{2,}\s*(original message|mensaje original|исходное сообщение|"
        r"forwarded message|mensaje reenviado|пересылаемое сообщение|"
        r"переадресованное сообщение)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    # Outlook's underline before the header block.
    re.compile(r"^\s*_{20,}\s*$"),
]

# "On Mon, 1 Jan 2024 at 10:00, Ann <ann@example.com> wrote:" and its translations; clients
# wrap long attributions, so two lines are joined before matching.
_ATTRIBUTIONS = [
    re.compile(r"^\s*(on|am)\b.{0,300}\b(wrote|schrieb)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*el\b.{0,300}\bescribi[óo]\s*:\s*$", re.IGNORECASE),
    re.compile(r".{0,300}\b(написал|написала|написал\(а\)|пишет)\s*:\s*$", re.IGNORECASE),
    # Gmail in Russian: "пн, 15 янв. 2024 г. в 10:00, Иван <ivan@example.com>:"
    re.compile(r"^.{0,200}\d{4}\s*г\.\s*в\s*\d{1,2}:\d{2}.{0,200}:\s*$", re.IGNORECASE),
]
# Any "…<someone@example.com>:" line followed by quoted lines is an attribution too.
# Matched against the line's end only (``search`` on the last 120 characters), so the cost
# stays linear however long the line.
_GENERIC_ATTRIBUTION = re.compile(r"[^\s<>@]{1,64}@[^\s<>@]{1,64}>?\s*:$")

# Outlook's header block of the quoted mail: "From: … / Sent: …" (De:/Enviado:, От:/Отправлено:).
_HEADER_FROM = re.compile(r"^\s*\*?(from|de|от)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(sent|date|to|subject|enviado|enviado el|fecha|para|asunto|"
    r"отправлено|дата|кому|тема)\s*:",
    re.IGNORECASE,
)

# Signatures: the "-- " delimiter and mobile footers.
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
_MOBILE_FOOTERS = re.compile(
    r"^\s*(sent from my |sent from (outlook|mail|yahoo)|get outlook for |"
    r"enviado desde mi |enviado desde (outlook|yahoo)|obtener outlook para |"
    r"отправлено с (моего )?|отправлено из |отправлено через )",
    re.IGNORECASE,
)


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _next_content_line(lines: list[str], start: int) -> str:
    # By index, not ``lines[start:]``: copying the rest of the list for every line made a
    # 20,000-line quote quadratic (1.3 s; now milliseconds).
    for index in range(start, len(lines)):
        if lines[index].strip():
            return lines[index]
    return ""


#: Attribution and header lines are short; longer lines are never tested against the
#: patterns (which keeps a 2 MB single-line body linear instead of quadratic).
MAX_MARKER_LINE = 500


def _cut_index(lines: list[str]) -> int | None:
    """Where the quoted history begins (a line index), or None."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > MAX_MARKER_LINE:
            continue
        if any(pattern.match(stripped) for pattern in _SEPARATORS):
            return index
        following = _next_content_line(lines, index + 1)[:MAX_MARKER_LINE]
        ends_with_colon = stripped.endswith(":")
        if ends_with_colon and any(pattern.match(stripped) for pattern in _ATTRIBUTIONS):
            return index
        # A wrapped "On … <\nann@example.com> wrote:" — only for patterns anchored at their
        # first word, so an ordinary line is never glued to the attribution below it.
        if not stripped.endswith(":") and re.search(r":\s*$", following):
            joined = f"{stripped} {following.strip()}"
            if any(pattern.match(joined) for pattern in _ATTRIBUTIONS[:2]):
                return index
        if (
            ends_with_colon
            and _is_quoted(following)
            and _GENERIC_ATTRIBUTION.search(stripped[-120:])
        ):
            return index
        if _HEADER_FROM.match(stripped):
            window = [item for item in lines[index + 1 : index + 6] if item.strip()]
            if sum(bool(_HEADER_NEXT.match(item)) for item in window) >= 2:
                return index
    return None


def _signature_index(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if len(line) > MAX_MARKER_LINE:
            continue
        if _SIGNATURE_DELIMITER.match(line.rstrip("\r")):
            return index
        if _MOBILE_FOOTERS.match(line):
            return index
    return None


def strip_quotes(text: str) -> str:
    """The new part of a plain-text reply: no quoted history, ``>`` lines or signature.

    Args:
        text: the text part of the e-mail as received.

    Returns:
        The reply without its quote and signature, or ``text`` unchanged when that would be
        empty.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _cut_index(lines)
    if cut is not None:
        lines = lines[:cut]
    signature = _signature_index(lines)
    if signature is not None:
        lines = lines[:signature]
    lines = [line for line in lines if not _is_quoted(line)]
    result = "\n".join(lines).strip()
    result = re.sub(r"\n{3,}", "\n\n", result)
    return result if result else text.strip()


# --- HTML -------------------------------------------------------------------------------------
#
# Everything below is linear in the size of the HTML: hostile markup (a million unclosed
# ``<div`` tags, megabytes of dashes) must not make a parser or a regex run for minutes.
# ``nh3`` (html5ever, in Rust) does the parsing; our own scans are bounded.

_BLOCK_TAG_RE = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|tr|h[1-6]|blockquote|pre|hr|table|ul|ol)\b", re.IGNORECASE
)


def html_to_text(html: str) -> str:
    """Readable plain text from HTML (for the coach, for quote stripping, for replies).

    Block elements become line breaks; scripts and styles vanish with their content.
    """
    marked = _BLOCK_TAG_RE.sub(lambda match: "\n" + match.group(0), html)
    text = html_lib.unescape(nh3.clean(marked, tags=set()))
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_QUOTE_TAG_RE = re.compile(r"<(?:div|hr|blockquote)\b", re.IGNORECASE)
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted")
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "stopspelling")
#: How many candidate tags are looked at, and how far into each (attributes only).
_MAX_CANDIDATES = 20000
_MAX_TAG_CHARS = 1000
_HTML_SEPARATOR = re.compile(
    r"-{2}\s{0,5}(?:original message|mensaje original|исходное сообщение)", re.IGNORECASE
)


def _quote_start(html: str) -> int | None:
    """Offset in ``html`` where the quoted history starts, or None."""
    starts = []
    for count, match in enumerate(_QUOTE_TAG_RE.finditer(html)):
        if count >= _MAX_CANDIDATES:
            break
        end = html.find(">", match.start(), match.start() + _MAX_TAG_CHARS)
        tag = html[match.start() : end if end != -1 else match.start() + _MAX_TAG_CHARS].lower()
        if tag.startswith("<blockquote") or any(
            name in tag for name in (*_QUOTE_CLASSES, *_QUOTE_IDS)
        ):
            starts.append(match.start())
            break
    separator = _HTML_SEPARATOR.search(html)
    if separator is not None:
        starts.append(separator.start())
    return min(starts) if starts else None


def strip_html_quotes(html: str) -> str:
    """An HTML reply cut where its quoted history starts (the HTML stays HTML).

    The cut may leave tags unclosed; that is harmless because message HTML is sanitised (and
    re-balanced) whenever it is rendered. The attribution line just before the quote ("On …
    wrote:") is cut with it when its text is recognised.
    """
    start = _quote_start(html)
    if start is None:
        return html
    head = html[:start]
    # Drop a trailing attribution line ("On … wrote:") that sits outside the quote element.
    text_lines = html_to_text(head).split("\n")
    cut = _cut_index(text_lines)
    if cut is not None and cut > 0:
        first_cut_line = text_lines[cut].strip()
        position = _find_text_in_html(head, first_cut_line)
        if position is not None:
            head = head[:position]
    if not html_to_text(head).strip():
        return html
    return head


def _find_text_in_html(html: str, text: str) -> int | None:
    """Where the first words of ``text`` appear in ``html``'s text (rough, word-based)."""
    words = text.split()[:3]
    if not words:
        return None
    pattern = r"(?:\s|&nbsp;|<[^<>]{0,300}>)+".join(
        re.escape(html_lib.escape(w, quote=False)) for w in words
    )
    match = re.search(pattern, html)
    if match is None:
        return None
    # Back up to the tag that opens the attribution's line, if any.
    tag_start = html.rfind("<", 0, match.start())
    return (
        tag_start if tag_start != -1 and ">" in html[tag_start : match.start()] else match.start()
    )
