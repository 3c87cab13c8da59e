"""Agreement statistics against textbook examples with published answers."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from tactful.quality.agreement import (
    cohen_kappa,
    cohen_kappa_from_counts,
    criterion_agreement,
    krippendorff_alpha,
    percent_agreement,
)

N = None

#: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: four observers,
#: twelve units, values 1–5 with missing data (unit 12 has one value and cannot be paired).
RELIABILITY_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def units(observers):
    return [list(unit) for unit in zip(*observers, strict=True)]


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_alpha_matches_the_published_example(level, expected):
    assert krippendorff_alpha(units(RELIABILITY_DATA), level=level) == pytest.approx(
        expected, abs=5e-4
    )


def test_krippendorff_alpha_of_two_binary_observers():
    """Krippendorff (2011), example A: two observers, ten units, alpha = 0.095."""
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(units([a, b])) == pytest.approx(0.095, abs=5e-4)


def table(both_yes, a_yes_b_no, a_no_b_yes, both_no):
    a = [1] * both_yes + [1] * a_yes_b_no + [0] * a_no_b_yes + [0] * both_no
    b = [1] * both_yes + [0] * a_yes_b_no + [1] * a_no_b_yes + [0] * both_no
    return a, b


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Cohen's kappa, the textbook 2×2 tables (as in Wikipedia's worked examples).
        ((20, 5, 10, 15), 0.4),
        ((45, 15, 25, 15), 0.1304),
        ((25, 35, 5, 35), 0.2593),
    ],
)
def test_cohen_kappa_matches_the_worked_examples(cells, expected):
    assert cohen_kappa(*table(*cells)) == pytest.approx(expected, abs=5e-5)


def test_kappa_from_a_table_counted_by_the_database():
    a, b = table(45, 15, 25, 15)
    counts = {(1, 1): 45, (1, 0): 15, (0, 1): 25, (0, 0): 15}
    assert cohen_kappa_from_counts(counts) == pytest.approx(cohen_kappa(a, b))
    assert cohen_kappa_from_counts({}) is None


def test_percent_agreement_counts_only_shared_units():
    assert percent_agreement([1, 2, N, 3], [1, 3, 2, N]) == 0.5
    assert percent_agreement([N, N], [1, 2]) is None


@pytest.mark.parametrize("weights", ["none", "linear", "quadratic"])
def test_cohen_kappa_agrees_with_scikit_learn(weights):
    rng = random.Random(11)
    for _ in range(20):
        a = [rng.randint(1, 5) for _ in range(40)]
        b = [min(5, max(1, v + rng.randint(-1, 1))) for v in a]
        expected = cohen_kappa_score(a, b, weights=None if weights == "none" else weights)
        assert cohen_kappa(a, b, weights=weights) == pytest.approx(expected, abs=1e-9)


def test_undefined_agreement_is_none_not_a_number():
    assert cohen_kappa([3, 3, 3], [3, 3, 3]) is None  # chance agreement is 1
    assert cohen_kappa([], []) is None
    assert krippendorff_alpha([[2, 2], [2, 2]]) is None  # no variation
    assert krippendorff_alpha([[1, N], [N, 2]]) is None  # nothing pairable


def test_perfect_and_opposite_raters():
    assert cohen_kappa([1, 2, 3, 1], [1, 2, 3, 1]) == pytest.approx(1.0)
    assert cohen_kappa([0, 1, 0, 1], [1, 0, 1, 0]) == pytest.approx(-1.0)
    assert krippendorff_alpha(units([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]])) == pytest.approx(
        1.0
    )


def test_raters_must_rate_the_same_units():
    with pytest.raises(ValueError):
        percent_agreement([1, 2], [1])


def test_criterion_agreement_pairs_every_rater_and_measures_the_group():
    ratings = {
        "ana": {1: 5, 2: 4, 3: 2, 4: 1},
        "boris": {1: 5, 2: 4, 3: 3, 4: 1},
        "lena": {1: 4, 2: 4, 3: 2},  # did not rate unit 4
    }
    result = criterion_agreement(ratings, level="ordinal")
    assert [(p.first, p.second) for p in result.pairs] == [
        ("ana", "boris"),
        ("ana", "lena"),
        ("boris", "lena"),
    ]
    ana_lena = result.pairs[1]
    assert ana_lena.units == 3 and ana_lena.percent == pytest.approx(2 / 3)
    # Units 1–3: 3 pairs each; unit 4: 1 pair. Equal pairs: 1 + 3 + 1 + 1 = 6 of 10.
    assert result.percent == pytest.approx(0.6)
    assert result.units == 4
    matrix: list[list[int | None]] = [[5, 5, 4], [4, 4, 4], [2, 3, 2], [1, 1, N]]
    assert result.alpha == pytest.approx(krippendorff_alpha(matrix, level="ordinal"))
