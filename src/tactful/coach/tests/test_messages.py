"""The coach's texts are its own catalogues (``lang/<code>/messages.json``), not gettext: the
desk's i18n test does not see them, so this one keeps es and ru as complete as English.

``Lexicon.message`` falls back to English for a key a language lacks, so a missing translation
would not fail anywhere else: the agent would just read English in a Spanish or Russian desk.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tactful.coach as coach
from tactful.coach._lexicon import SUPPORTED

LANG_DIR = Path(coach.__file__).parent / "lang"
#: Language data inside the messages file, not texts shown to anyone: the paraphrase's
#: first→second person word table differs per language by design.
WORD_TABLES = {("paraphrase", "swap")}


def _texts(node: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every text (a string under named keys; lists are word lists)."""
    for key, value in node.items():
        here = (*path, key)
        if here in WORD_TABLES:
            continue
        if isinstance(value, dict):
            yield from _texts(value, here)
        elif isinstance(value, str):
            yield here


def _messages(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (LANG_DIR / language / "messages.json").read_text(encoding="utf-8")
    )
    return data


def _lookup(messages: dict[str, Any], path: tuple[str, ...]) -> object:
    node: object = messages
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", [code for code in SUPPORTED if code != "en"])
def test_every_english_coach_message_is_translated_with_its_placeholders(language: str) -> None:
    english = _messages("en")
    translated = _messages(language)
    paths = list(_texts(english))
    assert ("findings", "over_apology") in paths  # the walk reads the catalogue
    missing = []
    for path in paths:
        text = _lookup(translated, path)
        if not isinstance(text, str) or not text.strip():
            missing.append("/".join(path))
        elif _fields(text) != _fields(str(_lookup(english, path))):
            missing.append(f"{'/'.join(path)} (placeholders)")
    assert missing == []
