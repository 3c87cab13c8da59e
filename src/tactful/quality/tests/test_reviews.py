"""People's reviews, overrides, disputes and their decision; every one is a ticket event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tactful.quality import presenters, selectors, services
from tactful.quality.models import (
    Dispute,
    DisputeStatus,
    Review,
    ReviewAssignment,
    SamplingPlan,
    Source,
)
from tactful.quality.services import Grade
from tactful.tickets import selectors as ticket_selectors
from tactful.tickets.models import TicketEvent

from .conftest import present

pytestmark = pytest.mark.django_db


def grades(
    scorecard, *, value: int = 4, overrides: dict[str, Any] | None = None
) -> dict[int, Grade]:
    """A grade for every active criterion: ``value`` on 1–5/1–3 scales, "yes" on binary ones."""
    result = {}
    for criterion in scorecard.criteria.filter(active=True):
        if criterion.scale == "binary":
            chosen: int | None = 1
        elif criterion.scale == "three":
            chosen = min(value, 3)
        else:
            chosen = value
        chosen = (overrides or {}).get(criterion.name, chosen)
        result[criterion.pk] = Grade(chosen, comment=f"on {criterion.name}")
    return result


def test_a_lead_grades_a_conversation_and_it_is_on_the_timeline(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"])
    review = services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace, value=4, overrides={"Matched the customer's tone": None}),
        comment="Admitted the mistake and said when.",
    )
    # Heard 75×2, Clear 75×1, Action 75×2, Correct 100×1, tone N/A: (150+75+150+100)/6.
    assert review.score == pytest.approx(475 / 6)
    assert review.source == Source.HUMAN and review.ratings.count() == 5
    assert review.ratings.get(criterion__name="Matched the customer's tone").value is None
    event = TicketEvent.objects.get(ticket=ticket, kind="qa_review")
    assert event.actor == crew["lena"]
    assert event.data["review"] == review.pk and event.data["reviewee"] == crew["emma"].pk
    assert event.data["score"] == pytest.approx(review.score)


def test_a_failed_critical_criterion_fails_the_review(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"])
    review = services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace, value=5, overrides={"Correct and safe": 0}),
    )
    assert review.score == 0.0


def test_grading_one_reply_with_a_comment_on_it(crew, converse, pce):
    ticket, reply = converse(crew["team"], crew["emma"])
    review = services.record_review(
        ticket=ticket,
        scorecard=pce,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(pce, value=3),
        message=reply,
        comment="Say which card the refund goes to.",
    )
    assert review.message == reply
    event = TicketEvent.objects.get(ticket=ticket, kind="qa_review")
    assert event.message == reply and event.data["reply"] == reply.pk


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"value": 6}, ValidationError),  # off the scale
        ({"value": 0}, ValidationError),
        ({"na": "Heard the customer"}, ValidationError),  # N/A not allowed there
        ({"missing": "Clear and complete"}, ValidationError),
        ({"extra": True}, ValidationError),  # a criterion of another scorecard
    ],
)
def test_bad_grades_are_refused(crew, converse, ace, pce, change, error):
    ticket, _reply = converse(crew["team"], crew["emma"])
    given = grades(ace)
    names = {c.name: c.pk for c in ace.criteria.all()}
    if "value" in change:
        given[names["Heard the customer"]] = Grade(change["value"])
    if "na" in change:
        given[names[change["na"]]] = Grade(None)
    if "missing" in change:
        del given[names[change["missing"]]]
    if "extra" in change:
        given[pce.criteria.first().pk] = Grade(3)
    with pytest.raises(error):
        services.record_review(
            ticket=ticket, scorecard=ace, reviewer=crew["lena"], reviewee=crew["emma"], grades=given
        )
    assert not Review.objects.filter(source=Source.HUMAN).exists()


def test_who_may_grade_what(crew, converse, ace, desk):
    ticket, _reply = converse(crew["team"], crew["emma"])
    _other_ticket, other_reply = converse(crew["other"], crew["otto"])
    attempts = [
        # An agent who is no reviewer.
        dict(reviewer=crew["eric"], reviewee=crew["emma"]),
        # Nobody grades their own work, not even a lead.
        dict(reviewer=crew["emma"], reviewee=crew["emma"]),
        # A lead of another team cannot see the ticket.
        dict(reviewer=crew["olga"], reviewee=crew["emma"]),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            services.record_review(ticket=ticket, scorecard=ace, grades=grades(ace), **attempt)
    # Whose work: someone who replied in this conversation, and the reply must be theirs.
    with pytest.raises(ValidationError):
        services.record_review(
            ticket=ticket,
            scorecard=ace,
            reviewer=crew["lena"],
            reviewee=crew["eric"],
            grades=grades(ace),
        )
    with pytest.raises(ValidationError):
        services.record_review(
            ticket=ticket,
            scorecard=ace,
            reviewer=crew["lena"],
            reviewee=crew["emma"],
            grades=grades(ace),
            message=other_reply,
        )
    # An agent named reviewer in a sampling plan may grade.
    plan = SamplingPlan.objects.create(team=crew["team"], scorecard=ace)
    plan.reviewers.add(crew["eric"])
    review = services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["eric"],
        reviewee=crew["emma"],
        grades=grades(ace),
    )
    assert review.reviewer == crew["eric"]


def test_a_team_scorecard_grades_only_its_teams_conversations(crew, converse, ace):
    team_card = services.save_scorecard(
        by=crew["olga"],
        scorecard=None,
        spec=services.ScorecardSpec(
            name="Sales calls",
            team=crew["other"],
            criteria=[services.CriterionSpec(section="Calls", name="Polite")],
        ),
    )
    ticket, _reply = converse(crew["team"], crew["emma"])
    with pytest.raises(ValidationError):
        services.record_review(
            ticket=ticket,
            scorecard=team_card,
            reviewer=crew["admin"],
            reviewee=crew["emma"],
            grades={team_card.criteria.get().pk: Grade(3)},
        )


def test_a_drawn_conversation_is_done_once_reviewed(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"])
    plan = SamplingPlan.objects.create(team=crew["team"], scorecard=ace)
    assignment = ReviewAssignment.objects.create(
        plan=plan,
        week=timezone.localdate(),
        ticket=ticket,
        reviewee=crew["emma"],
        reviewer=crew["lena"],
    )
    review = services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace),
    )
    assignment.refresh_from_db()
    assert assignment.review == review


# --- the coach's review, and a person's override ---------------------------------------------------


def coach_review(ticket, scorecard, agent) -> Review:
    return Review.objects.get(
        ticket=ticket, scorecard=scorecard, source=Source.COACH, reviewee=agent
    )


def test_a_person_can_replace_the_coachs_review_once(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"])
    automatic = coach_review(ticket, ace, crew["emma"])
    assert selectors.counted_coach_reviews().filter(pk=automatic.pk).exists()
    override = services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace, value=2),
        overrides=automatic,
    )
    assert not selectors.counted_coach_reviews().filter(pk=automatic.pk).exists()
    assert selectors.counted_human_reviews().filter(pk=override.pk).exists()
    assert TicketEvent.objects.get(ticket=ticket, kind="qa_review").data["override"] is True
    with pytest.raises(ValidationError):  # once
        services.record_review(
            ticket=ticket,
            scorecard=ace,
            reviewer=crew["lars"],
            reviewee=crew["emma"],
            grades=grades(ace),
            overrides=automatic,
        )
    with pytest.raises(ValidationError):  # only the coach's review can be replaced
        services.record_review(
            ticket=ticket,
            scorecard=ace,
            reviewer=crew["lars"],
            reviewee=crew["emma"],
            grades=grades(ace),
            overrides=override,
        )


# --- disputes ------------------------------------------------------------------------------------------


@pytest.fixture
def graded(crew, converse, ace) -> Review:
    ticket, _reply = converse(crew["team"], crew["emma"])
    return services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace, value=2),
    )


def test_the_agent_disputes_and_a_lead_upholds_it(crew, graded):
    assert selectors.counted_human_reviews().filter(pk=graded.pk).exists()
    dispute = services.dispute_review(review=graded, by=crew["emma"], reason="I did give the date.")
    event = TicketEvent.objects.get(ticket=graded.ticket, kind="qa_dispute")
    assert event.actor == crew["emma"] and event.data["dispute"] == dispute.pk
    services.resolve_dispute(
        dispute=dispute, by=crew["lars"], upheld=True, resolution="Right, she did."
    )
    graded.refresh_from_db()
    dispute.refresh_from_db()
    assert (
        graded.withdrawn
        and dispute.status == DisputeStatus.UPHELD
        and dispute.resolved_by == crew["lars"]
    )
    assert not selectors.counted_human_reviews().filter(pk=graded.pk).exists()
    decided = TicketEvent.objects.get(ticket=graded.ticket, kind="qa_dispute_done")
    assert decided.data["upheld"] is True and decided.actor == crew["lars"]


def test_a_rejected_dispute_leaves_the_review_standing(crew, graded):
    dispute = services.dispute_review(review=graded, by=crew["emma"], reason="Too harsh.")
    services.resolve_dispute(
        dispute=dispute, by=crew["lena"], upheld=False, resolution="It stands."
    )
    graded.refresh_from_db()
    assert not graded.withdrawn
    assert selectors.counted_human_reviews().filter(pk=graded.pk).exists()
    with pytest.raises(ValidationError):  # decided once
        services.resolve_dispute(dispute=dispute, by=crew["lars"], upheld=True, resolution="")


def test_who_may_dispute_and_decide(crew, graded):
    with pytest.raises(PermissionDenied):  # not their work
        services.dispute_review(review=graded, by=crew["eric"], reason="Not fair to Emma.")
    with pytest.raises(ValidationError):  # a reason is needed
        services.dispute_review(review=graded, by=crew["emma"], reason="   ")
    dispute = services.dispute_review(review=graded, by=crew["emma"], reason="I did give the date.")
    with pytest.raises(ValidationError):  # once
        services.dispute_review(review=graded, by=crew["emma"], reason="Again.")
    with pytest.raises(PermissionDenied):  # an agent cannot decide
        services.resolve_dispute(dispute=dispute, by=crew["eric"], upheld=True, resolution="")
    with pytest.raises(PermissionDenied):  # a lead of another team cannot see it
        services.resolve_dispute(dispute=dispute, by=crew["olga"], upheld=True, resolution="")
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_the_agent_may_dispute_the_coach_too(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"])
    automatic = coach_review(ticket, ace, crew["emma"])
    dispute = services.dispute_review(
        review=automatic, by=crew["emma"], reason="The coach misread me."
    )
    services.resolve_dispute(dispute=dispute, by=crew["lena"], upheld=True, resolution="")
    assert not selectors.counted_coach_reviews().filter(pk=automatic.pk).exists()


# --- the team's score --------------------------------------------------------------------------------


def test_the_team_score_keeps_people_and_the_coach_apart(crew, converse, ace):
    first, _ = converse(crew["team"], crew["emma"])
    second, _ = converse(crew["team"], crew["eric"])
    services.record_review(
        ticket=first,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace, value=5),
    )
    low = services.record_review(
        ticket=second,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["eric"],
        grades=grades(ace, value=1),
    )
    since = timezone.now() - timedelta(days=1)
    [line], by_team = selectors.team_scores([crew["team"]], since=since)
    coach_scores = [
        present(score)
        for score in Review.objects.filter(
            source=Source.COACH, ticket__team=crew["team"]
        ).values_list("score", flat=True)
    ]
    assert line.human == pytest.approx((100 + present(low.score)) / 2) and line.human_count == 2
    assert line.coach == pytest.approx(sum(coach_scores) / len(coach_scores))
    assert line.coach_count == len(coach_scores) == 4  # two agents × two scorecards
    agents = {row.label: row for row in by_team[crew["team"].pk]}
    assert agents["Emma"].human == 100.0 and agents["Eric"].human == pytest.approx(low.score)
    # A withdrawn review leaves the score.
    dispute = services.dispute_review(review=low, by=crew["eric"], reason="Wrong conversation.")
    services.resolve_dispute(dispute=dispute, by=crew["lars"], upheld=True, resolution="")
    [line], _ = selectors.team_scores([crew["team"]], since=since)
    assert line.human == 100.0 and line.human_count == 1


def test_the_timeline_says_who_was_reviewed_and_how(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"])
    review = services.record_review(
        ticket=ticket,
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades(ace),
    )
    dispute = services.dispute_review(review=review, by=crew["emma"], reason="I gave the date.")
    services.resolve_dispute(
        dispute=dispute, by=crew["lars"], upheld=False, resolution="It stands."
    )
    texts = [entry.text for entry in ticket_selectors.timeline(ticket)]
    score = presenters.score_label(review.score)
    coach_score = presenters.score_label(
        Review.objects.get(ticket=ticket, scorecard=ace, source=Source.COACH).score
    )
    assert f"The coach reviewed (Awareness, Clarity, Empowerment): Emma {coach_score}/100" in texts
    assert f"Conversation reviewed (Awareness, Clarity, Empowerment): Emma {score}/100" in texts
    assert "Review disputed: I gave the date." in texts
    assert "Dispute rejected, review stands: It stands." in texts
    with translation.override("es"):
        texts = [entry.text for entry in ticket_selectors.timeline(ticket)]
    assert "Reclamación rechazada, la evaluación se mantiene: It stands." in texts
