"""Scoring as QA tools do it: each criterion normalised to 0–100, a review the weighted mean.

N/A ratings are left out of the mean; a failed critical criterion (rated at the lowest point
of its scale) makes the whole review 0; a team's quality score is the mean of its reviews.
Plain Python, shared by the services, the calibration page and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Scale(StrEnum):
    """The rating scales a criterion can use; values are what a rater can pick."""

    BINARY = "binary"
    THREE = "three"
    FIVE = "five"


#: The values a rater can give on each scale, lowest (failing) first.
SCALE_VALUES: dict[str, tuple[int, ...]] = {
    Scale.BINARY: (0, 1),
    Scale.THREE: (1, 2, 3),
    Scale.FIVE: (1, 2, 3, 4, 5),
}

#: The coach scores its rubrics 1–5; on a smaller scale its score maps to these values.
#: A binary criterion passes at 4 or 5 ("good"), the middle of three holds the coach's 3.
_FROM_RUBRIC: dict[str, dict[int, int]] = {
    Scale.BINARY: {1: 0, 2: 0, 3: 0, 4: 1, 5: 1},
    Scale.THREE: {1: 1, 2: 1, 3: 2, 4: 3, 5: 3},
    Scale.FIVE: {1: 1, 2: 2, 3: 3, 4: 4, 5: 5},
}


def is_valid(scale: str, value: int) -> bool:
    return value in SCALE_VALUES.get(scale, ())


def normalise(scale: str, value: int) -> float:
    """A rating on its scale as 0–100 (lowest value 0, highest 100, evenly between).

    Raises:
        ValueError: the value is not on the scale.
    """
    values = SCALE_VALUES.get(scale)
    if values is None or value not in values:
        raise ValueError(f"{value!r} is not a value of the {scale!r} scale")
    return 100.0 * values.index(value) / (len(values) - 1)


def fails(scale: str, value: int | None) -> bool:
    """Whether a rating is a fail: the lowest point of its scale (N/A never fails)."""
    return value is not None and value == SCALE_VALUES[scale][0]


def from_rubric(scale: str, rubric_score: int) -> int:
    """The coach's 1–5 rubric score on a criterion's scale."""
    clamped = max(1, min(5, int(rubric_score)))
    return _FROM_RUBRIC[scale][clamped]


@dataclass(frozen=True)
class CriterionRating:
    """One criterion's rating in a review (``value`` ``None``: not applicable)."""

    scale: str
    weight: int
    value: int | None
    critical: bool = False


def review_score(ratings: Sequence[CriterionRating]) -> float | None:
    """The review's score 0–100: the weighted mean of its applicable ratings.

    Returns 0 when a critical criterion failed, ``None`` when nothing applied (every rating
    N/A, or only weightless ones): such a review has no score and counts in no mean.
    """
    if any(r.critical and fails(r.scale, r.value) for r in ratings):
        return 0.0
    applicable = [
        (r.weight, normalise(r.scale, r.value))
        for r in ratings
        if r.value is not None and r.weight > 0
    ]
    total_weight = sum(weight for weight, _score in applicable)
    if not total_weight:
        return None
    return sum(weight * score for weight, score in applicable) / total_weight


def mean_score(scores: Iterable[float | None]) -> float | None:
    """The mean of the scores that exist (a team's quality score is the mean of its reviews)."""
    present = [s for s in scores if s is not None]
    return sum(present) / len(present) if present else None
