"""Scoring as QA tools do it: normalised criteria, weighted mean, N/A left out, critical fails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tactful.quality.scoring import (
    SCALE_VALUES,
    CriterionRating,
    fails,
    from_rubric,
    mean_score,
    normalise,
    review_score,
)


@pytest.mark.parametrize(
    ("scale", "values", "scores"),
    [
        ("binary", [0, 1], [0, 100]),
        ("three", [1, 2, 3], [0, 50, 100]),
        ("five", [1, 2, 3, 4, 5], [0, 25, 50, 75, 100]),
    ],
)
def test_each_scale_runs_from_0_to_100(scale, values, scores):
    assert [normalise(scale, v) for v in values] == scores


@pytest.mark.parametrize(
    ("scale", "value"), [("five", 0), ("five", 6), ("three", 4), ("binary", 2), ("ten", 1)]
)
def test_a_value_off_the_scale_is_refused(scale, value):
    with pytest.raises(ValueError):
        normalise(scale, value)


def test_a_review_is_the_weighted_mean_with_na_left_out():
    ratings = [
        CriterionRating("five", 2, 4),  # 75 × 2
        CriterionRating("three", 1, 2),  # 50 × 1
        CriterionRating("binary", 1, None),  # N/A: out of the mean
    ]
    assert review_score(ratings) == pytest.approx((150 + 50) / 3)


def test_a_failed_critical_criterion_makes_the_review_zero():
    ratings = [CriterionRating("five", 2, 5), CriterionRating("binary", 1, 0, critical=True)]
    assert review_score(ratings) == 0.0
    passed = [CriterionRating("five", 2, 5), CriterionRating("binary", 1, 1, critical=True)]
    assert review_score(passed) == 100.0
    # A critical criterion fails at the lowest point of its scale, and N/A never fails.
    assert review_score([CriterionRating("five", 1, 2, critical=True)]) == 25.0
    assert review_score([CriterionRating("five", 1, 1, critical=True)]) == 0.0
    assert not fails("binary", None)


def test_all_na_has_no_score_and_counts_in_no_mean():
    assert review_score([CriterionRating("five", 1, None)]) is None
    assert mean_score([80.0, None, 60.0]) == 70.0
    assert mean_score([None]) is None


def test_the_coachs_rubric_on_each_scale():
    assert [from_rubric("five", r) for r in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [from_rubric("three", r) for r in range(1, 6)] == [1, 1, 2, 3, 3]
    assert [from_rubric("binary", r) for r in range(1, 6)] == [0, 0, 0, 1, 1]
    assert from_rubric("five", 9) == 5 and from_rubric("five", -3) == 1


ratings_strategy = st.lists(
    st.sampled_from(sorted(SCALE_VALUES)).flatmap(
        lambda scale: st.builds(
            CriterionRating,
            st.just(scale),
            st.integers(1, 100),
            st.one_of(st.none(), st.sampled_from(SCALE_VALUES[scale])),
            st.booleans(),
        )
    ),
    min_size=1,
    max_size=12,
)


@given(ratings_strategy)
def test_every_review_score_lies_between_0_and_100(ratings):
    score = review_score(ratings)
    assert score is None or 0.0 <= score <= 100.0
