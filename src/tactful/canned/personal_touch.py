"""The personal-touch check: a reply that is a canned template word for word, with no
sentence about this customer, reads as pasted rather than meant.

Registered with the live review (``tactful.coaching.draft_review``) as one more check on every draft.
The library's sentences are compiled into one pattern per language, rebuilt when the library
changes (:mod:`tactful.canned.library_version`).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from tactful.canned import rendering
from tactful.canned.library_version import library_version
from tactful.canned.models import CannedVariant, VariantLanguage
from tactful.tickets.models import Ticket

LANGUAGES: tuple[str, ...] = tuple(VariantLanguage.values)

#: Per-process caches (LocMemCache) cannot hear another process's change; rebuild anyway
#: after this long so a worker is never stale for more than a few minutes.
_INDEX_MAX_AGE_S = 300.0
#: Fewer words than this outside the canned text do not make a sentence of the agent's own
#: (a name, "Best,", a sign-off).
MIN_OWN_WORDS = 3
#: A draft this long is not a pasted template, and scanning it on every keystroke would cost
#: more than the answer is worth (about 30 ms at this size with 200+ templates).
MAX_CHECKED_CHARS = 20_000

_SENTENCE_END = re.compile(r"(?<=[.!?:;…])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SEPARATOR = re.compile(r"\s+")


def _slot(name: str) -> str:
    """What may stand where a template has a variable: the placeholder or a plausible value."""
    unfilled = r"\{\{\s*" + re.escape(name) + r"\s*\}\}"
    if name == "ticket.number":
        value = r"\d{1,12}"
    elif name in {"ticket.subject"} or name.startswith(rendering.CUSTOM_PREFIX):
        value = r"[^\n{}]{1,200}?"
    else:  # a name: a few words without sentence punctuation
        value = r"[^\s{}.,!?;:]{1,40}(?:[ \t][^\s{}.,!?;:]{1,40}){0,3}"
    return f"(?:{unfilled}|{value})"


def _literal(text: str) -> str:
    return "".join(
        r"\s+" if piece.isspace() else re.escape(piece)
        for piece in re.split(r"(\s+)", text)
        if piece
    )


def _sentence_pattern(sentence: str) -> tuple[str, int] | None:
    """A regex for one template sentence and its literal length, or None when too generic."""
    parts: list[str] = []
    literal_text: list[str] = []
    position = 0
    for match in rendering.VARIABLE.finditer(sentence):
        parts.append(_literal(sentence[position : match.start()]))
        literal_text.append(sentence[position : match.start()])
        parts.append(_slot(match.group(1)))
        position = match.end()
    parts.append(_literal(sentence[position:]))
    literal_text.append(sentence[position:])
    # A sentence that is only a variable (a signature) would match any short text.
    if not _WORD.search(" ".join(literal_text)):
        return None
    return "".join(parts), len("".join(literal_text))


def template_sentences(body: str) -> list[str]:
    """A template split where the agent might cut or keep it: sentences and lines."""
    return [part.strip() for part in _SENTENCE_END.split(body) if part and part.strip()]


@dataclass(frozen=True, slots=True)
class _Index:
    pattern: re.Pattern[str] | None
    built_at: float


_indexes: dict[str, tuple[str, _Index]] = {}
_index_lock = threading.Lock()


def _build_index(language: str) -> _Index:
    bodies = CannedVariant.objects.filter(language=language, response__active=True).values_list(
        "body", flat=True
    )
    patterns: dict[str, int] = {}
    for body in bodies:
        for sentence in template_sentences(body):
            compiled = _sentence_pattern(sentence)
            if compiled is not None:
                patterns[compiled[0]] = max(patterns.get(compiled[0], 0), compiled[1])
    if not patterns:
        return _Index(None, time.monotonic())
    # Longest first: at each position the most specific sentence wins over its prefixes.
    ordered = sorted(patterns, key=lambda p: (-patterns[p], p))
    alternation = "|".join(f"(?:{p})" for p in ordered)
    regex = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])", re.IGNORECASE)
    return _Index(regex, time.monotonic())


def _index_for(language: str) -> _Index:
    version = library_version()
    with _index_lock:
        cached = _indexes.get(language)
        if (
            cached is not None
            and cached[0] == version
            and time.monotonic() - cached[1].built_at < _INDEX_MAX_AGE_S
        ):
            return cached[1]
    index = _build_index(language)
    with _index_lock:
        _indexes[language] = (version, index)
    return index


def canned_spans(draft: str, language: str) -> tuple[list[list[int]], int]:
    """Where ``draft`` repeats canned text, and how many words of its own it has besides."""
    index = _index_for(language)
    if index.pattern is None:
        return [], len(_WORD.findall(rendering.VARIABLE.sub(" ", draft)))
    spans: list[list[int]] = []
    leftover: list[str] = []
    position = 0
    for match in index.pattern.finditer(draft):
        if match.end() == match.start():
            continue
        leftover.append(draft[position : match.start()])
        if spans and not draft[spans[-1][1] : match.start()].strip():
            spans[-1][1] = match.end()  # neighbouring sentences read as one passage
        else:
            spans.append([match.start(), match.end()])
        position = match.end()
    leftover.append(draft[position:])
    # An unfilled ``{{ variable }}`` is the template's, not words of the agent's own.
    own_text = rendering.VARIABLE.sub(" ", " ".join(leftover))
    return spans, len(_WORD.findall(own_text))


def personal_touch_findings(*, draft: str, ticket: Ticket, language: str) -> list[dict[str, Any]]:
    """Flag a draft that is canned text word for word, with no sentence of the agent's own.

    Args:
        draft: the reply as the agent has it now (templates rendered or not).
        ticket: the ticket being answered (reserved for per-team libraries; not queried).
        language: the draft's language; the message is written in it.

    Returns:
        ``[{"kind": "no_personal_touch", "severity": "warning", "message", "spans"}]`` or ``[]``.
        Fast enough per keystroke: the canned sentences are compiled once per library change.
    """
    if not isinstance(draft, str) or not draft.strip() or len(draft) > MAX_CHECKED_CHARS:
        return []
    code = (language or "").split("-")[0].lower()
    languages = [code] if code in LANGUAGES else list(LANGUAGES)
    for candidate in languages:
        spans, own_words = canned_spans(draft, candidate)
        if spans and own_words < MIN_OWN_WORDS:
            with translation.override(code if code in LANGUAGES else None):
                message = _(
                    "This is a template word for word: add one sentence about this "
                    "customer's situation."
                )
            return [
                {
                    "kind": "no_personal_touch",
                    "severity": "warning",
                    "message": message,
                    "spans": spans,
                }
            ]
    return []
