"""Agreement between raters: percent agreement, Cohen's kappa and Krippendorff's alpha.

Plain Python (no Django, no numpy), so the calibration page, the scorecards and the tests share
one implementation that is checked against the textbook examples with published answers.

Ratings are the ordinal values of a criterion's scale (``0/1``, ``1–3``, ``1–5``); a missing
rating (a rater who did not grade the unit, or marked it N/A) is ``None`` and is left out the
way each measure's authors leave it out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal, TypeVar

Value = int
#: A rater (a reviewer's id, "coach") and a unit (a conversation's id).
R = TypeVar("R", bound=Hashable)
U = TypeVar("U", bound=Hashable)
#: Krippendorff's levels of measurement used here (ratio is never needed for rating scales).
Level = Literal["nominal", "ordinal", "interval"]
#: Cohen's kappa unweighted (nominal) or weighted by the distance between ordinal values.
Weights = Literal["none", "linear", "quadratic"]


def _paired(a: Sequence[Value | None], b: Sequence[Value | None]) -> list[tuple[Value, Value]]:
    if len(a) != len(b):
        raise ValueError("both raters must rate the same units (use None for a missing rating)")
    return [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]


def percent_agreement(a: Sequence[Value | None], b: Sequence[Value | None]) -> float | None:
    """The share of units both raters rated on which they gave the same value (0–1).

    Returns ``None`` when no unit was rated by both.
    """
    pairs = _paired(a, b)
    if not pairs:
        return None
    return sum(x == y for x, y in pairs) / len(pairs)


def cohen_kappa(
    a: Sequence[Value | None], b: Sequence[Value | None], *, weights: Weights = "none"
) -> float | None:
    """Cohen's kappa for two raters over the units both rated: ``(p_o − p_e) / (1 − p_e)``.

    With ``weights`` the disagreements count by their distance (Cohen 1968), for ordinal
    scales. Returns ``None`` when it is undefined: no shared unit, or chance agreement of 1
    (both raters gave one and the same value throughout).
    """
    return cohen_kappa_from_counts(Counter(_paired(a, b)), weights=weights)


def cohen_kappa_from_counts(
    counts: Mapping[tuple[Value, Value], int], *, weights: Weights = "none"
) -> float | None:
    """Cohen's kappa from a contingency table: (first rater's value, second's) → how often.

    The same figure as :func:`cohen_kappa`, for tables counted by the database.
    """
    n = sum(counts.values())
    if not n:
        return None
    categories = sorted({v for pair in counts for v in pair})
    if weights == "none":

        def distance(x: Value, y: Value) -> float:
            return 0.0 if x == y else 1.0
    else:
        span = max(categories) - min(categories) or 1
        power = 1 if weights == "linear" else 2

        def distance(x: Value, y: Value) -> float:
            return (abs(x - y) / span) ** power

    observed = sum(count * distance(x, y) for (x, y), count in counts.items()) / n
    first: Counter[Value] = Counter()
    second: Counter[Value] = Counter()
    for (x, y), count in counts.items():
        first[x] += count
        second[y] += count
    expected = sum(
        first[x] * second[y] * distance(x, y) for x in categories for y in categories
    ) / (n * n)
    if expected == 0:
        return None
    return 1.0 - observed / expected


def krippendorff_alpha(
    units: Sequence[Sequence[Value | None]], *, level: Level = "nominal"
) -> float | None:
    """Krippendorff's alpha for any number of raters, with missing ratings.

    Args:
        units: one row per unit (a conversation), one entry per rater (``None``: not rated).
            Units with fewer than two ratings cannot be paired and are left out.
        level: the metric of the values (nominal, ordinal or interval).

    Returns:
        ``1 − D_o / D_e`` from the coincidence matrix (Krippendorff 2011), or ``None`` when it is
        undefined: fewer than two pairable values, or no variation at all (``D_e = 0``).
    """
    coincidences: defaultdict[tuple[Value, Value], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidences[(c, k)] += 1.0 / (m - 1)
    totals: defaultdict[Value, float] = defaultdict(float)
    for (c, _k), weight in coincidences.items():
        totals[c] += weight
    n = sum(totals.values())
    if n < 2:
        return None
    categories = sorted(totals)
    delta = _delta(level, categories, totals)
    observed = sum(weight * delta[(c, k)] for (c, k), weight in coincidences.items())
    expected = sum(totals[c] * totals[k] * delta[(c, k)] for c in categories for k in categories)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def _delta(
    level: Level, categories: Sequence[Value], totals: Mapping[Value, float]
) -> dict[tuple[Value, Value], float]:
    """Krippendorff's squared difference function δ²(c, k) for the level of measurement."""
    delta: dict[tuple[Value, Value], float] = {}
    for c in categories:
        for k in categories:
            if level == "nominal":
                delta[(c, k)] = 0.0 if c == k else 1.0
            elif level == "interval":
                delta[(c, k)] = float(c - k) ** 2
            else:  # ordinal: the ranks between the two values, by their frequencies
                low, high = min(c, k), max(c, k)
                between = sum(totals[g] for g in categories if low <= g <= high)
                delta[(c, k)] = (between - (totals[c] + totals[k]) / 2) ** 2
    return delta


@dataclass(frozen=True)
class PairAgreement:
    """Two raters on one criterion: how many units they share and how far they agree."""

    first: Hashable
    second: Hashable
    units: int
    percent: float | None
    kappa: float | None


@dataclass(frozen=True)
class CriterionAgreement:
    """Agreement on one criterion: every pair of raters, and the group as a whole."""

    pairs: tuple[PairAgreement, ...]
    #: Mean pairwise agreement over every pair of values given to the same unit.
    percent: float | None
    alpha: float | None
    units: int


def criterion_agreement(
    ratings: Mapping[R, Mapping[U, Value | None]],
    *,
    level: Level = "ordinal",
) -> CriterionAgreement:
    """Agreement among raters on one criterion.

    Args:
        ratings: rater → unit → value (``None``: N/A); a rater absent for a unit did not rate it.
        level: the metric Krippendorff's alpha uses.
    """
    raters = list(ratings)
    units: list[U] = sorted({unit for by_unit in ratings.values() for unit in by_unit}, key=repr)
    matrix = [[ratings[r].get(u) for r in raters] for u in units]
    pairs = []
    for first, second in combinations(raters, 2):
        a = [ratings[first].get(u) for u in units]
        b = [ratings[second].get(u) for u in units]
        pairs.append(
            PairAgreement(
                first=first,
                second=second,
                units=len(_paired(a, b)),
                percent=percent_agreement(a, b),
                kappa=cohen_kappa(a, b),
            )
        )
    agree = total = 0
    for row in matrix:
        values = [v for v in row if v is not None]
        for x, y in combinations(values, 2):
            total += 1
            agree += x == y
    return CriterionAgreement(
        pairs=tuple(pairs),
        percent=agree / total if total else None,
        alpha=krippendorff_alpha(matrix, level=level),
        units=sum(1 for row in matrix if sum(v is not None for v in row) >= 2),
    )
