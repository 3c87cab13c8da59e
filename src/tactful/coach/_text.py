"""Turning raw input into clean text, sentences and word tokens with character offsets."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ._errors import empty_text, not_text
from ._types import Span

#: Texts longer than this are analysed up to here and get a ``too_long`` finding.
MAX_CHARS = 100_000

_TAG = re.compile(r"<[^<>]{0,2000}>")
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/div|/li|/h\d|/tr)\b[^>]*>", re.I)
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*\b[^>]*>")
_SPACES = re.compile(r"[ \t\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A sentence ends at a run of terminators followed by space or the end, or at a line break.
_SENTENCE_END = re.compile(r"[.!?…]+(?=[\s\"'»)\]]|$)[\"'»)\]]*|\n")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.U)


@dataclass(frozen=True, slots=True)
class CleanText:
    """Input after cleaning, with what had to be done to it."""

    text: str
    was_html: bool
    had_invalid_utf8: bool
    truncated_from: int | None


def clean(raw: str | bytes) -> CleanText:
    """Decode, strip HTML, normalise whitespace and cap the length.

    Args:
        raw: what the caller handed in; bytes are decoded as UTF-8 with replacement.

    Returns:
        The cleaned text and flags for the findings the cleaning implies.

    Raises:
        CoachError: E002 for a non-text value, E001 when nothing readable is left.
    """
    had_invalid = False
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            had_invalid = True
    elif isinstance(raw, str):
        # Lone surrogates are what invalid UTF-8 becomes after surrogateescape decoding.
        try:
            raw.encode("utf-8")
            text = raw
        except UnicodeEncodeError:
            text = raw.encode("utf-8", errors="replace").decode("utf-8")
            had_invalid = True
    else:
        raise not_text(raw)
    if "\ufffd" in text:
        had_invalid = True

    truncated_from: int | None = None
    # Cap before the regex work so a hostile megabyte costs nothing extra.
    if len(text) > MAX_CHARS * 2:
        truncated_from = len(text)
        text = text[: MAX_CHARS * 2]

    was_html = bool(_LOOKS_LIKE_HTML.search(text))
    if was_html:
        text = _drop_blocks(text)
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
        text = html.unescape(text)

    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SPACES.sub(" ", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    text = "\n".join(line.strip() for line in text.split("\n")).strip()
    if not text:
        raise empty_text()
    if len(text) > MAX_CHARS:
        truncated_from = truncated_from or len(text)
        text = text[:MAX_CHARS]
    return CleanText(text, was_html, had_invalid, truncated_from)


def _drop_blocks(text: str) -> str:
    """Remove <script>/<style> bodies and comments in one linear pass.

    A regex with a lazy ``.*?`` would rescan to the end for every unclosed tag: quadratic on
    hostile input. An unclosed block drops the rest of the text, as a browser would hide it.
    """
    lowered = text.lower()
    kept: list[str] = []
    position = 0
    while True:
        starts = [
            (lowered.find(opener, position), closer)
            for opener, closer in (("<script", "</script"), ("<style", "</style"), ("<!--", "-->"))
        ]
        starts = [(index, closer) for index, closer in starts if index != -1]
        if not starts:
            kept.append(text[position:])
            return "".join(kept)
        start, closer = min(starts)
        kept.append(text[position:start])
        end = lowered.find(closer, start + 1)
        if end == -1:
            return "".join(kept)
        close_end = lowered.find(">", end)
        position = len(text) if close_end == -1 else close_end + 1


def sentences(text: str) -> list[Span]:
    """Split into sentence spans (trimmed of surrounding whitespace), good enough for chat and mail."""
    spans: list[Span] = []
    bounds: list[tuple[int, int]] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((position, match.end()))
        position = match.end()
    bounds.append((position, len(text)))
    for start, end in bounds:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and any(ch.isalnum() for ch in text[start:end]):
            spans.append(Span(start, end))
    return spans or [Span(0, len(text))]


#: Sentences up to this length have their tokens cached: a review asks for the same sentence's
#: words from several steps; long texts are tokenised each time so the cache stays small.
_CACHED_CHARS = 600


@lru_cache(maxsize=1_024)
def _cached_words(text: str) -> tuple[tuple[str, int, int], ...]:
    return tuple((m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text))


def words(text: str) -> tuple[tuple[str, int, int], ...]:
    """Lower-cased word tokens with their offsets."""
    if len(text) <= _CACHED_CHARS:
        return _cached_words(text)
    return tuple((m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text))


def letters_ratio(text: str) -> float:
    """Share of characters that are letters: low for emoji-only or number-only input."""
    if not text:
        return 0.0
    return sum(ch.isalpha() for ch in text) / len(text)


def caps_ratio(text: str) -> float:
    """Share of upper-case letters among letters (shouting)."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 8:
        return 0.0
    return sum(ch.isupper() for ch in letters) / len(letters)
