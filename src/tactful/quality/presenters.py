"""What people read on the quality pages: scores, ratings in words, agreement in words."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tactful.quality.models import Criterion, Rating, Review
from tactful.quality.scoring import SCALE_VALUES

#: The coach's finding kinds in words (evidence on a rating).
_EVIDENCE_KINDS = {
    "empathy_missing": lambda: _("no empathy where the customer needed it"),
    "empathy_without_action": lambda: _("empathy without action"),
    "over_apology": lambda: _("too many apologies"),
    "over_sympathy": lambda: _("sympathy crowds out the fix"),
    "assumption": lambda: _("an assumption about the customer"),
    "fault_not_admitted": lambda: _("our mistake not admitted"),
    "formality_mismatch": lambda: _("tone does not match the customer's"),
    "no_next_step": lambda: _("no next step"),
    "unanswered_question": lambda: _("a question left unanswered"),
    "boilerplate": lambda: _("a stock phrase"),
    "unclear": lambda: _("hard to read"),
    "balance:too_little": lambda: _("too little empathy"),
    "balance:too_much": lambda: _("too much empathy"),
    "action": lambda: _("says what was done"),
    "next_step": lambda: _("says what happens next"),
    "emotional_reaction": lambda: _("reacts to how the customer feels"),
    "interpretation": lambda: _("shows it understood"),
    "exploration": lambda: _("asks to understand better"),
}


def evidence_label(kind: str) -> str:
    label = _EVIDENCE_KINDS.get(kind)
    return label() if label is not None else kind


def score_label(score: float | None) -> str:
    """A 0–100 score as people read it ("78"; halves round up), or a dash when there is none."""
    return "—" if score is None else str(math.floor(score + 0.5))


def value_label(scale: str, value: int | None) -> str:
    """A rating in words: "Yes", "No", "4/5", "N/A"."""
    if value is None:
        return _("N/A")
    if scale == "binary":
        return pgettext("rating", "Yes") if value else pgettext("rating", "No")
    return f"{value}/{SCALE_VALUES[scale][-1]}"


def scale_options(criterion: Criterion) -> list[tuple[str, str]]:
    """The choices a reviewer has for a criterion, best first, N/A last when allowed."""
    options = [
        (str(v), value_label(criterion.scale, v)) for v in reversed(SCALE_VALUES[criterion.scale])
    ]
    if criterion.allow_na:
        options.append(("na", _("N/A")))
    return options


def agreement_words(value: float | None) -> str:
    """Kappa or alpha in words (Landis and Koch's bands)."""
    if value is None:
        return _("not enough data")
    if value < 0:
        return _("worse than chance")
    if value <= 0.20:
        return _("slight")
    if value <= 0.40:
        return _("fair")
    if value <= 0.60:
        return _("moderate")
    if value <= 0.80:
        return _("substantial")
    return _("almost perfect")


def agreement_level(value: float | None) -> str:
    """A CSS class for an agreement figure (``low``, ``mid``, ``high``, ``none``)."""
    if value is None:
        return "none"
    if value <= 0.40:
        return "low"
    if value <= 0.60:
        return "mid"
    return "high"


def kappa_label(value: float | None) -> str:
    return "—" if value is None else number_format(value, 2)


def percent_label(value: float | None) -> str:
    return "—" if value is None else f"{number_format(100 * value, 0)}%"


@dataclass(frozen=True)
class RatingRow:
    """One criterion of a review as the review page shows it."""

    section: str
    criterion: str
    critical: bool
    value: str
    score: str
    comment: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    failed: bool = False


def rating_rows(review: Review) -> list[RatingRow]:
    rows = []
    for rating in sorted(
        review.ratings.all(),
        key=lambda r: (
            r.criterion.section.position,
            r.criterion.section_id,
            r.criterion.position,
            r.criterion_id,
        ),
    ):
        criterion = rating.criterion
        rows.append(
            RatingRow(
                section=criterion.section.name,
                criterion=criterion.name,
                critical=criterion.critical,
                value=value_label(criterion.scale, rating.value),
                score=score_label(rating.score),
                comment=rating.comment,
                evidence=[
                    {**item, "label": evidence_label(str(item.get("kind", "")))}
                    for item in (rating.evidence or [])
                    if isinstance(item, dict)
                ],
                failed=criterion.critical
                and rating.value is not None
                and rating.value == SCALE_VALUES[criterion.scale][0],
            )
        )
    return rows


def coach_hints(review: Review | None) -> dict[int, Rating]:
    """criterion id → the coach's rating, shown beside the grading form (never in calibration)."""
    if review is None:
        return {}
    return {rating.criterion_id: rating for rating in review.ratings.all()}


def review_kind(review: Review) -> str:
    if review.round_id is not None:
        return _("calibration")
    if review.source == "coach":
        return _("the coach")
    if review.overrides_id is not None:
        return _("replaces the coach's")
    return pgettext("kind of review", "reviewer")


def sections(criteria: Sequence[Criterion]) -> list[tuple[str, list[Criterion]]]:
    """Criteria grouped under their section names, in order."""
    grouped: list[tuple[str, list[Criterion]]] = []
    for criterion in criteria:
        if not grouped or grouped[-1][0] != criterion.section.name:
            grouped.append((criterion.section.name, []))
        grouped[-1][1].append(criterion)
    return grouped
