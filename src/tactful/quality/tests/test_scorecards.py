"""Scorecards: the shipped defaults, and editing them as a lead."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tactful.quality import services
from tactful.quality.defaults import DEFAULT_SCORECARDS
from tactful.quality.models import Criterion, Review, Scorecard, Section
from tactful.quality.services import CriterionSpec, Grade, ScorecardSpec

pytestmark = pytest.mark.django_db


def test_the_two_defaults_are_installed_with_their_rubrics(ace, pce):
    assert [s.name for s in ace.sections.all()] == ["Awareness", "Clarity", "Empowerment"]
    assert [s.name for s in pce.sections.all()] == ["Precision", "Clarity", "Empathy"]
    rubrics = set(ace.criteria.exclude(coach_rubric="").values_list("coach_rubric", flat=True))
    assert rubrics == {"awareness", "clarity", "empowerment"}
    rubrics = set(pce.criteria.exclude(coach_rubric="").values_list("coach_rubric", flat=True))
    assert rubrics == {"precision", "clarity_classic", "empathy"}
    assert {c.scale for c in ace.criteria.all()} == {"binary", "three", "five"}
    critical = ace.criteria.get(critical=True)
    assert critical.scale == "binary" and not critical.allow_na and not critical.coach_rubric


def test_a_deleted_default_comes_back_and_an_edited_one_stays(crew, ace):
    Scorecard.objects.filter(default_key="precision-clarity-empathy").delete()
    services.save_scorecard(
        by=crew["lena"],
        scorecard=ace,
        spec=ScorecardSpec(name="Our ACE", criteria=[CriterionSpec(section="All", name="Good")]),
    )
    created = services.install_default_scorecards()
    assert [c.default_key for c in created] == ["precision-clarity-empathy"]
    assert Scorecard.objects.get(pk=ace.pk).name == "Our ACE"
    assert services.install_default_scorecards() == []
    assert len(DEFAULT_SCORECARDS) == Scorecard.objects.exclude(default_key="").count()


def test_a_lead_builds_a_scorecard_with_sections_from_names(crew):
    card = services.save_scorecard(
        by=crew["lena"],
        scorecard=None,
        spec=ScorecardSpec(
            name="Phone calls",
            team=crew["team"],
            criteria=[
                CriterionSpec(section="Opening", name="Greets by name", scale="binary", weight=1),
                CriterionSpec(section="Solving", name="Finds the cause", scale="five", weight=3),
                CriterionSpec(
                    section="Opening", name="States the plan", scale="three", allow_na=True
                ),
                CriterionSpec(
                    section="Solving", name="No data leaked", scale="binary", critical=True
                ),
            ],
        ),
    )
    assert [s.name for s in card.sections.all()] == ["Opening", "Solving"]
    assert list(card.criteria.values_list("name", flat=True)) == [
        "Greets by name",
        "Finds the cause",
        "States the plan",
        "No data leaked",
    ]
    assert card.revision == 1 and card.created_by == crew["lena"]


def test_a_rated_criterion_is_archived_not_deleted(crew, converse, ace):
    ticket, _ = converse(crew["team"], crew["emma"])
    criteria = list(ace.criteria.all())
    grades = {c.pk: Grade(1 if c.scale == "binary" else 2) for c in criteria}
    review = services.record_review(
        ticket=ticket, scorecard=ace, reviewer=crew["lena"], reviewee=crew["emma"], grades=grades
    )
    score = review.score
    keep = [c for c in criteria if c.name != "Clear and complete"]
    spec = ScorecardSpec(
        name=ace.name,
        criteria=[
            CriterionSpec(
                id=c.pk,
                section=c.section.name,
                name=c.name,
                scale=c.scale,
                weight=c.weight,
                allow_na=c.allow_na,
                critical=c.critical,
                coach_rubric=c.coach_rubric,
            )
            for c in keep
        ],
    )
    revision = ace.revision
    services.save_scorecard(by=crew["lena"], scorecard=ace, spec=spec)
    removed = Criterion.objects.get(name="Clear and complete", scorecard=ace)
    assert not removed.active and removed.ratings.count() == 2  # the coach's and Lena's
    assert Review.objects.get(pk=review.pk).score == score
    ace.refresh_from_db()
    assert ace.revision == revision + 1
    # Clarity kept its archived criterion: the section stays for the old ratings.
    assert Section.objects.filter(scorecard=ace, name="Clarity").exists()
    # A rated criterion's scale cannot change under its ratings.
    changed = [
        CriterionSpec(**{**s.__dict__, "scale": "three"}) if s.name == "Heard the customer" else s
        for s in spec.criteria
    ]
    with pytest.raises(ValidationError):
        services.save_scorecard(
            by=crew["lena"], scorecard=ace, spec=ScorecardSpec(name=ace.name, criteria=changed)
        )


@pytest.mark.parametrize(
    ("criteria", "name"),
    [
        ([], "Empty"),
        ([CriterionSpec(section="A", name="x", scale="seven")], "Bad scale"),
        ([CriterionSpec(section="A", name="x", weight=0)], "Weightless"),
        ([CriterionSpec(section="A", name="x", weight=101)], "Heavy"),
        (
            [CriterionSpec(section="A", name="Same"), CriterionSpec(section="a", name="same")],
            "Twice",
        ),
        ([CriterionSpec(section=" ", name="x")], "No section"),
        ([CriterionSpec(section="A", name="x", coach_rubric="charisma")], "Unknown rubric"),
        ([CriterionSpec(section="A", name="x")], "  "),
        ([CriterionSpec(section="A", name=f"c{i}") for i in range(41)], "Too many"),
        ([CriterionSpec(section="A", name="x", id=999999)], "Foreign id"),
    ],
)
def test_a_broken_scorecard_is_refused_whole(crew, criteria, name):
    before = (Scorecard.objects.count(), Criterion.objects.count())
    with pytest.raises(ValidationError):
        services.save_scorecard(
            by=crew["lena"], scorecard=None, spec=ScorecardSpec(name=name, criteria=criteria)
        )
    assert (Scorecard.objects.count(), Criterion.objects.count()) == before


def test_who_may_edit_which_scorecard(crew, ace):
    spec = ScorecardSpec(
        name="Mine", team=crew["team"], criteria=[CriterionSpec(section="A", name="x")]
    )
    with pytest.raises(PermissionDenied):  # agents do not edit scorecards
        services.save_scorecard(by=crew["emma"], scorecard=None, spec=spec)
    with pytest.raises(PermissionDenied):  # a lead of another team
        services.save_scorecard(by=crew["olga"], scorecard=None, spec=spec)
    card = services.save_scorecard(by=crew["lena"], scorecard=None, spec=spec)
    with pytest.raises(PermissionDenied):
        services.save_scorecard(
            by=crew["olga"],
            scorecard=card,
            spec=ScorecardSpec(name="Stolen", criteria=spec.criteria),
        )
    with pytest.raises(PermissionDenied):  # nor move a shared one into a team they do not lead
        services.save_scorecard(
            by=crew["olga"],
            scorecard=ace,
            spec=ScorecardSpec(name="ACE", team=crew["team"], criteria=spec.criteria),
        )
    services.save_scorecard(by=crew["admin"], scorecard=card, spec=spec)


def test_a_used_scorecard_is_switched_off_instead_of_deleted(crew, converse, ace):
    converse(crew["team"], crew["emma"])  # the coach reviewed with it
    assert services.delete_scorecard(by=crew["lena"], scorecard=ace) is False
    ace.refresh_from_db()
    assert not ace.active
    unused = services.save_scorecard(
        by=crew["lena"],
        scorecard=None,
        spec=ScorecardSpec(name="Draft", criteria=[CriterionSpec(section="A", name="x")]),
    )
    assert services.delete_scorecard(by=crew["lena"], scorecard=unused) is True
