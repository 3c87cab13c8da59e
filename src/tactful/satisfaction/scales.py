"""The rating scales: their choices in words, and how each rating maps to good, neutral or bad."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

FIVE = "five"
THREE = "three"
SCALES = (FIVE, THREE)
GOOD, NEUTRAL, BAD = "good", "neutral", "bad"


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer the customer can give: the stored value, its words, a face for e-mail."""

    value: int
    label: str
    symbol: str
    sentiment: str


def choices(scale: str) -> list[Choice]:
    """The answers of ``scale``, best first, in the active language."""
    if scale == THREE:
        return [
            Choice(3, _("Good"), "🙂", GOOD),
            Choice(2, _("Okay"), "😐", NEUTRAL),
            Choice(1, _("Bad"), "🙁", BAD),
        ]
    return [
        Choice(5, _("5 – Excellent"), "★★★★★", GOOD),
        Choice(4, _("4 – Good"), "★★★★", GOOD),
        Choice(3, _("3 – Okay"), "★★★", NEUTRAL),
        Choice(2, _("2 – Poor"), "★★", BAD),
        Choice(1, _("1 – Very poor"), "★", BAD),
    ]


def values(scale: str) -> tuple[int, ...]:
    return (1, 2, 3) if scale == THREE else (1, 2, 3, 4, 5)


def sentiment(scale: str, rating: int) -> str:
    """good / neutral / bad for a rating on ``scale`` (1–5: 4–5 good, 3 neutral, 1–2 bad).

    Raises:
        ValueError: the rating is not on the scale.
    """
    if rating not in values(scale):
        raise ValueError(f"{rating!r} is not a rating on the {scale} scale")
    if scale == THREE:
        return {3: GOOD, 2: NEUTRAL, 1: BAD}[rating]
    return GOOD if rating >= 4 else NEUTRAL if rating == 3 else BAD


def label(scale: str, rating: int | None) -> str:
    """The rating in words (``""`` for none)."""
    for choice in choices(scale):
        if choice.value == rating:
            return choice.label
    return ""


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float


def wilson(successes: int, total: int, *, z: float = 1.96) -> Interval | None:
    """The Wilson score interval of a proportion (95% by default); ``None`` for no answers.

    Unlike ``p ± z·√(p(1−p)/n)`` it stays inside 0–1 and is honest for small teams: three
    happy answers out of three give 0.44–1.00, not 1.00–1.00.
    """
    if total <= 0:
        return None
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return Interval(max(0.0, centre - half), min(1.0, centre + half))
