"""The coach reviews every solved conversation with the same scorecards, once per coach version."""

from __future__ import annotations

import pytest

from tactful.quality import auto_review, handlers, services, tasks
from tactful.quality.defaults import DEFAULT_SCORECARDS
from tactful.quality.models import Review, Source
from tactful.tickets import events
from tactful.tickets import services as ticket_services
from tactful.tickets.models import TicketEvent

from .conftest import BALANCED, OVER_APOLOGISING, present

pytestmark = pytest.mark.django_db


def coach_reviews(ticket) -> list[Review]:
    return list(
        Review.objects.filter(ticket=ticket, source=Source.COACH).order_by("scorecard__name")
    )


def test_solving_is_heard_after_the_commit():
    assert "review_solved_conversation" in events.subscribers(events.StatusChanged)
    subscription = next(
        s
        for s in events._matching(events.StatusChanged)
        if s.handler is handlers.review_solved_conversation
    )
    assert subscription.after_commit


def test_a_solved_conversation_is_reviewed_with_every_scorecard(crew, converse, ace, pce):
    ticket, reply = converse(crew["team"], crew["emma"], reply=BALANCED)
    ace_review, pce_review = coach_reviews(ticket)
    assert (ace_review.scorecard, pce_review.scorecard) == (ace, pce)
    assert ace_review.reviewee == crew["emma"] and ace_review.reviewer is None
    ratings = {r.criterion.name: r for r in ace_review.ratings.select_related("criterion")}
    # The coach scores what names its rubric; "Correct and safe" and the tone are people's to judge.
    assert (
        ratings["Correct and safe"].value is None
        and ratings["Matched the customer's tone"].value is None
    )
    assert ratings["Action and next step"].value == 5
    evidence = ratings["Action and next step"].evidence
    assert {item["kind"] for item in evidence} == {"action", "next_step"}
    assert all(item["message"] == reply.pk and item["positive"] for item in evidence)
    assert "refunded" in " ".join(item["quote"] for item in evidence)
    assert ace_review.coach_version == auto_review.coach_fingerprint()
    events_ = TicketEvent.objects.filter(ticket=ticket, kind="qa_coach")
    assert events_.count() == 2 and present(events_.first()).actor is None


def test_the_evidence_is_the_words_that_pulled_a_score_down(crew, converse, pce):
    ticket, reply = converse(crew["team"], crew["emma"], reply=OVER_APOLOGISING)
    review = Review.objects.get(ticket=ticket, scorecard=pce, source=Source.COACH)
    empathy = review.ratings.get(criterion__name="Balanced empathy")
    assert present(empathy.value) <= 2
    kinds = {item["kind"] for item in empathy.evidence}
    assert "over_apology" in kinds
    apology = next(item for item in empathy.evidence if item["kind"] == "over_apology")
    spans_text = [reply.body[start:end] for start, end in apology["spans"]]
    assert spans_text == ["sorry", "apologise", "sorry"]
    assert present(review.score) < 50


def test_each_agent_is_reviewed_on_their_own_replies(crew, converse, ace):
    ticket, _reply = converse(crew["team"], crew["emma"], reply=BALANCED, solve=False)
    ticket_services.record_reply(ticket=ticket, agent=crew["eric"], body=OVER_APOLOGISING)
    auto_review.review_automatically(ticket=ticket)
    by_agent = {
        r.reviewee: r
        for r in Review.objects.filter(ticket=ticket, scorecard=ace, source=Source.COACH)
    }
    assert set(by_agent) == {crew["emma"], crew["eric"]}
    assert present(by_agent[crew["emma"]].score) > present(by_agent[crew["eric"]].score)


def test_automatic_replies_are_nobodys_work(crew, converse, desk):
    ticket = desk.ticket(team=crew["team"])
    ticket_services.record_reply(ticket=ticket, agent=None, body="We got your message.")
    assert auto_review.review_automatically(ticket=ticket) == []


def test_stored_once_and_made_again_when_the_coach_changes(crew, converse, monkeypatch):
    ticket, _reply = converse(crew["team"], crew["emma"])
    first = coach_reviews(ticket)
    assert auto_review.review_automatically(ticket=ticket) == []  # same coach, same replies
    tasks.review_solved_conversation_task(ticket.pk)  # a repeated task is harmless
    assert TicketEvent.objects.filter(ticket=ticket, kind="qa_coach").count() == 2

    monkeypatch.setattr(auto_review, "coach_fingerprint", lambda: "9.9.9+retrained")
    assert auto_review.outdated_tickets(limit=10) == [ticket.pk]
    assert tasks.review_outdated_task() == 2
    again = coach_reviews(ticket)
    assert [r.pk for r in again] == [r.pk for r in first]  # the same rows, made again
    assert {r.coach_version for r in again} == {"9.9.9+retrained"}
    assert TicketEvent.objects.filter(ticket=ticket, kind="qa_coach", data__again=True).count() == 2
    assert auto_review.outdated_tickets(limit=10) == []


def test_a_new_reply_or_an_edited_scorecard_is_reviewed_again(
    crew, converse, ace, django_capture_on_commit_callbacks
):
    ticket, _reply = converse(crew["team"], crew["emma"])
    before = Review.objects.get(ticket=ticket, scorecard=ace, source=Source.COACH)
    # Reopened, answered badly, solved again: the review covers the new reply.
    ticket_services.change_status(ticket=ticket, status="open", by=crew["emma"])
    ticket_services.record_reply(ticket=ticket, agent=crew["emma"], body=OVER_APOLOGISING)
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.change_status(ticket=ticket, status="solved", by=crew["emma"])
    after = Review.objects.get(ticket=ticket, scorecard=ace, source=Source.COACH)
    assert after.pk == before.pk and present(after.score) < present(before.score)
    # A lead edits the scorecard: the sweep reviews with the new revision.
    spec = services.default_spec(next(s for s in DEFAULT_SCORECARDS if s["key"] == ace.default_key))
    services.save_scorecard(by=crew["lena"], scorecard=ace, spec=spec)
    assert ticket.pk in auto_review.outdated_tickets(limit=10)


def test_a_pending_ticket_is_not_reviewed(crew, desk, django_capture_on_commit_callbacks):
    ticket = desk.ticket(team=crew["team"])
    ticket_services.record_reply(ticket=ticket, agent=crew["emma"], body=BALANCED)
    ticket.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.change_status(ticket=ticket, status="pending", by=crew["emma"])
    assert not Review.objects.filter(ticket=ticket).exists()


def test_a_scorecard_the_coach_cannot_score_gets_no_automatic_review(crew, converse):
    card = services.save_scorecard(
        by=crew["lena"],
        scorecard=None,
        spec=services.ScorecardSpec(
            name="Compliance only",
            criteria=[services.CriterionSpec(section="Rules", name="GDPR", scale="binary")],
        ),
    )
    ticket, _reply = converse(crew["team"], crew["emma"])
    assert not Review.objects.filter(ticket=ticket, scorecard=card).exists()
