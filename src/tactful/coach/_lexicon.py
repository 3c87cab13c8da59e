"""Per-language lexicons and messages, loaded from ``lang/<code>/`` data files once per process."""

from __future__ import annotations

import json
import re
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


def _compile(entries: list[str]) -> re.Pattern[str]:
    # Longest alternatives first so "sorry to hear" wins over "sorry" at the same position.
    body = "|".join(f"(?:{entry})" for entry in sorted(entries, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE | re.UNICODE)


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


def categories() -> tuple[str, ...]:
    """Pattern categories, in the English file's order (every language has the same set)."""
    raw = _read_json("en", "patterns.json")
    return tuple(key for key in raw if not key.startswith("_"))
