"""Language identification limited to the languages the coach supports, with an honest ``und``."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ._types import Language

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
_NOT_RUSSIAN_CYRILLIC = re.compile(r"[іїєґўІЇЄҐЎ]")
_SPANISH_MARKS = re.compile(r"[ñ¿¡]", re.I)  # accents alone are shared with French, Portuguese…
_WORD = re.compile(r"[^\W\d_]{2,}", re.U)

# Function words decide short texts, where character n-gram models guess.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "you",
            "your",
            "my",
            "is",
            "are",
            "was",
            "were",
            "have",
            "has",
            "not",
            "this",
            "that",
            "with",
            "for",
            "it",
            "i",
            "me",
            "we",
            "our",
            "please",
            "thanks",
            "hi",
            "hello",
            "can",
            "can't",
            "don't",
            "didn't",
            "why",
            "what",
            "how",
            "when",
            "where",
            "of",
            "to",
            "in",
            "on",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "que",
            "de",
            "en",
            "un",
            "una",
            "por",
            "para",
            "con",
            "mi",
            "mis",
            "me",
            "su",
            "sus",
            "es",
            "son",
            "está",
            "estoy",
            "no",
            "hola",
            "gracias",
            "por",
            "favor",
            "qué",
            "cómo",
            "cuando",
            "dónde",
            "porque",
            "pero",
            "muy",
            "ya",
            "usted",
            "tu",
            "te",
            "lo",
        ]
    ),
}


@cache
def _identifier() -> Any:
    from py3langid.langid import _load_identifier

    # Loaded once per process; normalised probabilities make the thresholds below meaningful.
    return _load_identifier(norm_probs=True)


def detect_language(text: str) -> Language:
    """Guess ``en``, ``es`` or ``ru``; ``und`` for other languages or text without words.

    Args:
        text: cleaned text.

    Returns:
        The language code, ``und`` when unsure or unsupported.
    """
    words = _WORD.findall(text)
    if not words:
        return "und"
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if cyrillic > latin:
        if _NOT_RUSSIAN_CYRILLIC.search(text):
            return "und"
        ranked = dict(_identifier().rank(text))
        # Short Russian is often mistaken for Bulgarian or Ukrainian; only a clear verdict wins.
        others = max(
            (p for code, p in ranked.items() if code in {"uk", "bg", "mk", "sr", "be"}), default=0
        )
        return "ru" if ranked.get("ru", 0) >= others * 0.5 or len(words) < 6 else "und"
    if latin == 0:
        return "und"
    lowered = [w.lower() for w in words]
    votes = {code: sum(w in vocab for w in lowered) for code, vocab in _FUNCTION_WORDS.items()}
    if _SPANISH_MARKS.search(text):
        votes["es"] += 2
    ranked = dict(_identifier().rank(text))
    best_code = str(max(ranked, key=lambda code: ranked[code]))
    supported: dict[Language, float] = {"en": ranked.get("en", 0.0), "es": ranked.get("es", 0.0)}
    best_supported = max(supported, key=lambda code: supported[code] + 0.15 * votes[code])
    if best_code == "en":
        return "en"
    if best_code == "es":
        return "es"
    # Another language is likelier: keep ours only when its function words clearly say so.
    if votes[best_supported] >= max(2, len(words) // 4) and votes[best_supported] > 0:
        return best_supported
    if len(words) <= 3 and (votes[best_supported] > 0 or supported[best_supported] > 0.2):
        return best_supported
    return "und"
