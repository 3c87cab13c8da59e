"""Per-language lexicons and messages, loaded from ``lang/<code>/`` data files once per process."""

from __future__ import annotations

import json
import math
import re
import re._constants as sre  # re's own parser (private, 3.11+): reads entries' first characters
import re._parser as sre_parser
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ._types import Span

SUPPORTED: tuple[str, ...] = ("en", "es", "ru")


@dataclass(frozen=True)
class Lexicon:
    """Compiled patterns (one regex per category) and localised messages for one language."""

    language: str
    patterns: dict[str, re.Pattern[str]]
    messages: dict[str, Any]
    question_openers: re.Pattern[str] | None = None
    stop_words: frozenset[str] = frozenset()
    time_question: re.Pattern[str] | None = None

    def spans(self, category: str, text: str) -> list[Span]:
        """Every match of a category in ``text``, as spans."""
        pattern = self.patterns.get(category)
        if pattern is None:
            return []
        return [Span(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]

    def scan(self, text: str) -> dict[str, tuple[Span, ...]]:
        """Every category's matches in one pass over the categories: the per-document cache."""
        return {category: tuple(self.spans(category, text)) for category in self.patterns}

    def count(self, category: str, text: str) -> int:
        pattern = self.patterns.get(category)
        return 0 if pattern is None else sum(1 for _ in pattern.finditer(text))

    def has(self, category: str, text: str) -> bool:
        pattern = self.patterns.get(category)
        return pattern is not None and pattern.search(text) is not None

    def message(self, section: str, key: str, **values: object) -> str:
        """A localised message; falls back to English when this language lacks the key."""
        template = self.messages.get(section, {}).get(key)
        if template is None:
            template = lexicon("en").messages[section][key]
        return str(template).format(**values)


def _read_json(language: str, name: str) -> dict[str, Any]:
    path = resources.files("tactful.coach") / "lang" / language / name
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


_FLAGS = re.IGNORECASE | re.UNICODE
#: A character class wider than this in an entry's first position counts as "any character".
_MAX_CLASS = 256


def _compile(entries: list[str]) -> re.Pattern[str]:
    # Longest alternatives first so "sorry to hear" wins over "sorry" at the same position.
    ordered = sorted(entries, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{_dispatch(ordered)})(?!\w)", _FLAGS)


def _alternation(entries: Iterable[str]) -> str:
    return "|".join(f"(?:{entry})" for entry in entries)


def _dispatch(ordered: list[str]) -> str:
    """The alternation of ``ordered``, grouped by the character each entry can start with.

    ``re`` tries every alternative at every word start, which made the lexicon scan the largest
    cost of a review (Cyrillic case-folding is slow). Each group here is guarded by a lookahead
    on its first characters, so a position tries only the entries that can start there, in
    their original order. The matches are the same as the plain alternation's: the entries
    skipped at a position could not match there, the guards of different groups never accept
    the same character (they are split by ``re``'s own case-insensitive equality), and entries
    that can start with anything (``\\w+``, an empty match) go into every group and a last one.
    """
    firsts = [_first_characters(entry) for entry in ordered]
    alphabet = set().union(*(chars for chars in firsts if chars is not None))
    if not alphabet:
        return _alternation(ordered)
    key = _case_classes(alphabet)
    keys_of = [None if chars is None else {key[c] for c in chars} for chars in firsts]
    # Characters whose entry lists are identical share one guard.
    guards: dict[tuple[int, ...], set[str]] = {}
    for k in sorted(set(key.values())):
        members = tuple(i for i, keys in enumerate(keys_of) if keys is None or k in keys)
        guards.setdefault(members, set()).update(c for c in alphabet if key[c] == k)
    groups = [
        (chars, f"(?=[{_class(chars)}])(?:{_alternation(ordered[i] for i in members)})")
        for members, chars in guards.items()
    ]
    # The guards are themselves tried one after another; blocks of about √n groups behind one
    # guard for the whole block cut the checks per position from n to about 2√n.
    size = max(1, math.isqrt(len(groups)))
    branches = []
    for first in range(0, len(groups), size):
        block = groups[first : first + size]
        if len(block) == 1:
            branches.append(block[0][1])
            continue
        chars = set().union(*(block_chars for block_chars, _ in block))
        branches.append(f"(?=[{_class(chars)}])(?:{'|'.join(branch for _, branch in block)})")
    anywhere = [entry for entry, keys in zip(ordered, keys_of, strict=True) if keys is None]
    if anywhere:
        branches.append(f"(?![{_class(alphabet)}])(?:{_alternation(anywhere)})")
    return "|".join(branches)


def _class(chars: Iterable[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


def _case_classes(alphabet: set[str]) -> dict[str, str]:
    """Each character's representative under ``re``'s case-insensitive equality.

    Asked of ``re`` itself rather than ``str.lower`` so that its special cases (``ſ`` is an
    ``s``, the Kelvin sign a ``k``) put characters in the same class exactly when ``re`` would.
    """
    key: dict[str, str] = {}
    for c in sorted(alphabet):
        if c in key:
            continue
        probe = re.compile(f"[{re.escape(c)}]", _FLAGS)
        for other in alphabet:
            if other not in key and probe.fullmatch(other):
                key[other] = c
    return key


def _first_characters(entry: str) -> set[str] | None:
    """Characters a match of ``entry`` can start with, or None when it could start with any."""
    try:
        chars, can_be_empty = _leading(sre_parser.parse(entry, _FLAGS).data)
    except (re.error, AttributeError, IndexError, TypeError, ValueError):
        # A construct (or a Python) this reading does not know: the entry is tried everywhere.
        return None
    return None if chars is None or can_be_empty else chars


def _leading(items: Iterable[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """First characters of a parsed sequence (None: any) and whether it can match empty.

    Over-approximates on purpose: a character too many only costs speed, one too few would
    lose matches.
    """
    chars: set[str] = set()
    for op, value in items:
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero width: the next item decides the first character
        if op is sre.LITERAL:
            chars.add(chr(value))
            return chars, False
        if op is sre.IN:
            in_class = _class_characters(value)
            if in_class is None:
                return None, False
            return chars | in_class, False
        if op is sre.BRANCH:
            alternatives = [_leading(branch.data) for branch in value[1]]
        elif op is sre.SUBPATTERN:
            alternatives = [_leading(value[3].data)]
        elif op is sre.ATOMIC_GROUP:
            alternatives = [_leading(value.data)]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            inner, inner_empty = _leading(value[2].data)
            alternatives = [(inner, inner_empty or value[0] == 0)]
        else:
            return None, False  # ANY, NOT_LITERAL, back-references, conditionals...
        can_be_empty = False
        for first, empty in alternatives:
            if first is None:
                return None, False
            chars |= first
            can_be_empty = can_be_empty or empty
        if not can_be_empty:
            return chars, False
    return chars, True


def _class_characters(items: list[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, value in items:
        if op is sre.LITERAL:
            chars.add(chr(value))
        elif op is sre.RANGE and value[1] - value[0] < _MAX_CLASS:
            chars.update(chr(code) for code in range(value[0], value[1] + 1))
        else:
            return None  # negated classes, \w and other categories, huge ranges
    return chars


@cache
def lexicon(language: str) -> Lexicon:
    """The lexicon for ``language``; ``und`` gets no patterns and English messages.

    An unsupported language must not produce judgements drawn from another language's words,
    so its pattern table is empty on purpose.
    """
    if language not in SUPPORTED:
        return Lexicon(language="und", patterns={}, messages=_read_json("en", "messages.json"))
    raw = _read_json(language, "patterns.json")
    patterns = {key: _compile(value) for key, value in raw.items() if not key.startswith("_")}
    questions = _read_json(language, "questions.json")
    openers = "|".join(re.escape(o) for o in sorted(questions["openers"], key=len, reverse=True))
    return Lexicon(
        language=language,
        patterns=patterns,
        messages=_read_json(language, "messages.json"),
        question_openers=re.compile(rf"^\W*(?:{openers})(?!\w)", re.IGNORECASE),
        stop_words=frozenset(questions["stop_words"]),
        time_question=_compile([re.escape(w) for w in questions.get("time_words", [])]),
    )


@cache
def categories() -> tuple[str, ...]:
    """Pattern categories, in the English file's order (every language has the same set).

    Cached: feature extraction asks for them for every text and every evidence sentence.
    """
    raw = _read_json("en", "patterns.json")
    return tuple(key for key in raw if not key.startswith("_"))
