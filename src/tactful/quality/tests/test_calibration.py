"""Calibration rounds: reviewers grade the same batch; agreement among them and with the coach."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tactful.quality import agreement, calibration, selectors, services
from tactful.quality.models import Review, Source
from tactful.quality.services import Grade

from .conftest import BALANCED, OVER_APOLOGISING, present

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(crew, converse):
    """Three solved conversations of Emma's: two good, one over-apologising."""
    return [
        converse(crew["team"], crew["emma"], reply=BALANCED)[0],
        converse(crew["team"], crew["emma"], reply=OVER_APOLOGISING)[0],
        converse(crew["team"], crew["emma"], reply=BALANCED)[0],
    ]


def grade(round, ticket, reviewer, scorecard, values: dict[str, int | None]):
    grades = {}
    for criterion in scorecard.criteria.filter(active=True):
        if criterion.name in values:
            grades[criterion.pk] = Grade(values[criterion.name])
        elif criterion.scale == "binary":
            grades[criterion.pk] = Grade(1)
        else:
            grades[criterion.pk] = Grade(None if criterion.allow_na else 3)
    return services.record_review(
        ticket=ticket,
        scorecard=scorecard,
        reviewer=reviewer,
        reviewee=present(calibration.reviewee_of(ticket)),
        grades=grades,
        round=round,
    )


def coach_value(ticket, scorecard, name):
    return (
        Review.objects.get(ticket=ticket, scorecard=scorecard, source=Source.COACH)
        .ratings.get(criterion__name=name)
        .value
    )


def test_a_round_measures_reviewers_against_each_other_and_the_coach(crew, batch, pce):
    round = calibration.create_round(
        by=crew["lena"],
        name="November",
        scorecard=pce,
        tickets=batch,
        reviewers=[crew["lena"], crew["lars"]],
    )
    empathy = "Balanced empathy"
    coach = [coach_value(t, pce, empathy) for t in batch]
    assert coach[1] < coach[0]  # the coach marked the apologies down
    # Lena grades exactly as the coach did; Lars disagrees on the first conversation.
    lars_values = [1 if coach[0] != 1 else 5, coach[1], coach[2]]
    for ticket, mine, his in zip(batch, coach, lars_values, strict=True):
        grade(round, ticket, crew["lena"], pce, {empathy: mine})
        grade(round, ticket, crew["lars"], pce, {empathy: his})
    result = calibration.round_agreement(round)
    row = next(r for r in result.rows if r.criterion.name == empathy)
    versus = {v.reviewer.username: v.agreement for v in row.versus_coach}
    assert versus["lena"].percent == 1.0 and versus["lena"].units == 3
    assert versus["lars"].percent == pytest.approx(2 / 3)
    assert versus["lars"].kappa == pytest.approx(agreement.cohen_kappa(lars_values, coach))
    assert row.among.pairs[0].kappa == pytest.approx(agreement.cohen_kappa(coach, lars_values))
    assert row.among.alpha == pytest.approx(
        agreement.krippendorff_alpha(
            [[c, lv] for c, lv in zip(coach, lars_values, strict=True)], level="ordinal"
        )
    )
    # A criterion the coach cannot grade has no coach column.
    safe = next(r for r in result.rows if r.criterion.name == "Correct and safe")
    assert safe.versus_coach == () and safe.among.percent == 1.0
    assert result.graded == {
        crew["lena"].pk: {t.pk for t in batch},
        crew["lars"].pk: {t.pk for t in batch},
    }


def test_calibration_grades_count_in_no_score_and_are_graded_once(crew, batch, pce):
    round = calibration.create_round(
        by=crew["lena"],
        name="R",
        scorecard=pce,
        tickets=batch[:1],
        reviewers=[crew["lena"], crew["lars"]],
    )
    review = grade(round, batch[0], crew["lena"], pce, {})
    assert not selectors.counted_human_reviews().filter(pk=review.pk).exists()
    with pytest.raises(ValidationError):
        grade(round, batch[0], crew["lena"], pce, {})
    with pytest.raises(PermissionDenied):  # not a reviewer in this round
        grade(round, batch[0], crew["admin"], pce, {})
    with pytest.raises(PermissionDenied):  # the reviewed agent cannot dispute a calibration grade
        services.dispute_review(review=review, by=crew["emma"], reason="Not fair")


def test_an_agent_in_a_round_may_grade_in_it(crew, converse, pce):
    ticket = converse(crew["team"], crew["eric"])[0]
    round = calibration.create_round(
        by=crew["lena"],
        name="Peers",
        scorecard=pce,
        tickets=[ticket],
        reviewers=[crew["emma"], crew["lena"]],
    )
    assert grade(round, ticket, crew["emma"], pce, {}).round == round


@pytest.mark.parametrize(
    "problem",
    ["no_name", "one_reviewer", "own_work", "outsider", "unanswered", "agent_starts", "too_many"],
)
def test_a_round_that_cannot_work_is_refused(crew, batch, pce, desk, problem):
    kwargs = dict(
        by=crew["lena"],
        name="R",
        scorecard=pce,
        tickets=batch,
        reviewers=[crew["lena"], crew["lars"]],
    )
    error: type[Exception] = ValidationError
    if problem == "no_name":
        kwargs["name"] = "  "
    elif problem == "one_reviewer":
        kwargs["reviewers"] = [crew["lena"]]
    elif problem == "own_work":
        kwargs["reviewers"] = [crew["lena"], crew["emma"]]
    elif problem == "outsider":
        kwargs["reviewers"] = [crew["lena"], crew["otto"]]
    elif problem == "unanswered":
        kwargs["tickets"] = [desk.ticket(team=crew["team"])]
    elif problem == "agent_starts":
        kwargs["by"] = crew["eric"]
        error = PermissionDenied
    elif problem == "too_many":
        kwargs["reviewers"] = [desk.lead(teams=[crew["team"]]) for _ in range(13)]
    with pytest.raises(error):
        calibration.create_round(**kwargs)


def test_the_coach_grades_a_batch_conversation_that_was_never_solved(crew, converse, pce):
    ticket = converse(crew["team"], crew["emma"], solve=False)[0]
    assert not Review.objects.filter(ticket=ticket).exists()
    calibration.create_round(
        by=crew["lena"],
        name="Open ones",
        scorecard=pce,
        tickets=[ticket],
        reviewers=[crew["lena"], crew["lars"]],
    )
    assert Review.objects.filter(ticket=ticket, scorecard=pce, source=Source.COACH).exists()


def test_every_scorecard_carries_its_agreement_with_the_coach(crew, batch, pce, ace):
    """Every person's grade of a whole conversation is compared with the coach's."""
    empathy = "Balanced empathy"
    coach = [coach_value(t, pce, empathy) for t in batch]
    people = [coach[0], coach[1], 5 if coach[2] != 5 else 1]
    for ticket, value in zip(batch, people, strict=True):
        grades = {}
        for criterion in pce.criteria.filter(active=True):
            if criterion.name == empathy:
                grades[criterion.pk] = Grade(value)
            else:
                other = coach_value(ticket, pce, criterion.name)
                grades[criterion.pk] = Grade(other if other is not None else 1)
        services.record_review(
            ticket=ticket,
            scorecard=pce,
            reviewer=crew["lena"],
            reviewee=crew["emma"],
            grades=grades,
        )
    result = calibration.coach_agreement([pce.pk, ace.pk])
    empathy_id = pce.criteria.get(name=empathy).pk
    kappa, percent, pairs = result[pce.pk].per_criterion[empathy_id]
    assert pairs == 3 and percent == pytest.approx(2 / 3)
    assert kappa == agreement.cohen_kappa(people, coach)
    # Three coach-scored criteria × three conversations compared; the critical one is people's.
    assert result[pce.pk].pairs == 9
    assert result[ace.pk].pairs == 0 and result[ace.pk].kappa is None
