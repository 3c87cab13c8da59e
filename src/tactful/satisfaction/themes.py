"""What a comment is about (speed, kindness, a fix, clarity), from word stems per language."""

from __future__ import annotations

import json
import re
from functools import cache

from django.utils.translation import gettext_lazy as _

from tactful.satisfaction.anonymise import LANG_DIR

#: The themes in the order the report shows them; "other" holds what matched none.
THEMES = {
    "speed": _("Speed"),
    "kindness": _("Kindness and patience"),
    "solved": _("Problem solved"),
    "clarity": _("Clear explanations"),
    "other": _("Other"),
}


@cache
def _stems(language: str) -> dict[str, re.Pattern[str]]:
    path = LANG_DIR / language / "themes.json"
    if not path.exists():
        return {}
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return {
        theme: re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in stems) + r")", re.I)
        for theme, stems in data.items()
        if stems
    }


def themes_of(text: str, *, language: str) -> list[str]:
    """The themes ``text`` touches, in report order (``["other"]`` when none)."""
    if not text.strip():
        return []
    found = [theme for theme, pattern in _stems(language).items() if pattern.search(text)]
    ordered = [theme for theme in THEMES if theme in found]
    return ordered or ["other"]
