"""Drawing a share of each agent's solved conversations per week, weighted towards hard ones."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from typing import Any, cast

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from tactful.coaching.models import MessageAnalysis
from tactful.quality import csat, sampling, services, tasks
from tactful.quality.models import ReviewAssignment, SamplingPlan
from tactful.quality.sampling import Candidate

pytestmark = pytest.mark.django_db

THIS_WEEK = sampling.week_start(timezone.localdate())


@pytest.fixture
def plan(crew, ace) -> SamplingPlan:
    plan = SamplingPlan.objects.create(
        team=crew["team"], scorecard=ace, share_percent=20, minimum_per_agent=2, hard_weight=3
    )
    plan.reviewers.set([crew["lena"], crew["lars"], crew["emma"]])
    return plan


def conversations(converse, crew, agent, count):
    return [converse(crew["team"], crew[agent])[0] for _ in range(count)]


def make_hard(ticket, **signals):
    MessageAnalysis.objects.filter(message__ticket=ticket).update(**signals)


def test_the_week_starts_on_monday():
    monday = sampling.week_start(timezone.localdate())
    assert monday.weekday() == 0
    assert sampling.week_start(monday + timedelta(days=6)) == monday


@pytest.mark.parametrize(
    ("answered", "expected"), [(0, 0), (1, 1), (2, 2), (10, 2), (11, 3), (40, 8)]
)
def test_the_share_with_a_floor(plan, answered, expected):
    assert sampling.target(plan, answered) == expected


def test_hard_conversations_are_drawn_more_often():
    items = [Candidate(i, 1, ("intense",) if i < 2 else ()) for i in range(10)]
    picked: Counter[str] = Counter()
    for seed in range(3000):
        for item in sampling.weighted_sample(items, 2, hard_weight=3, rng=random.Random(seed)):
            picked["hard" if item.reasons else "plain"] += 1
    per_hard = picked["hard"] / 2
    per_plain = picked["plain"] / 8
    assert per_hard / per_plain > 2.0  # plain sampling would give 1.0
    # Weight 1 is uniform: no preference either way.
    even: Counter[str] = Counter()
    for seed in range(3000):
        for item in sampling.weighted_sample(items, 2, hard_weight=1, rng=random.Random(seed)):
            even["hard" if item.reasons else "plain"] += 1
    assert 0.8 < (even["hard"] / 2) / (even["plain"] / 8) < 1.25


def test_each_agent_gets_their_share_and_nobody_reviews_themself(crew, converse, plan):
    emma = conversations(converse, crew, "emma", 6)
    conversations(converse, crew, "eric", 3)
    make_hard(emma[4], intensity=0.92)
    make_hard(emma[5], abuse=True)
    made = sampling.draw_sample(plan=plan, week=THIS_WEEK, by=crew["lena"])
    per_agent = Counter(a.reviewee_id for a in made)
    assert per_agent == {crew["emma"].pk: 2, crew["eric"].pk: 2}
    assert all(a.reviewer_id != a.reviewee_id for a in made)
    # The reviewers share the work.
    assert max(Counter(a.reviewer_id for a in made).values()) <= 2
    reasons = {a.ticket_id: a.reasons for a in ReviewAssignment.objects.all()}
    for ticket, expected in ((emma[4], ["intense"]), (emma[5], ["abuse"])):
        if ticket.pk in reasons:
            assert reasons[ticket.pk] == expected


def test_drawing_again_tops_up_and_never_repeats(crew, converse, plan):
    conversations(converse, crew, "emma", 4)
    first = sampling.draw_sample(plan=plan, week=THIS_WEEK)
    assert sampling.draw_sample(plan=plan, week=THIS_WEEK) == []
    conversations(converse, crew, "emma", 8)  # 12 answered: 20% is 3, one more
    more = sampling.draw_sample(plan=plan, week=THIS_WEEK)
    assert len(first) == 2 and len(more) == 1
    assert len({a.ticket_id for a in ReviewAssignment.objects.all()}) == 3


def test_the_same_week_draws_the_same_conversations(crew, converse, plan):
    conversations(converse, crew, "emma", 8)
    first = {a.ticket_id for a in sampling.draw_sample(plan=plan, week=THIS_WEEK)}
    ReviewAssignment.objects.all().delete()
    assert {a.ticket_id for a in sampling.draw_sample(plan=plan, week=THIS_WEEK)} == first


def test_already_reviewed_conversations_are_not_drawn(crew, converse, plan, ace):
    tickets = conversations(converse, crew, "emma", 2)
    grades = {
        c.pk: services.Grade(1 if c.scale == "binary" else 3)
        for c in ace.criteria.filter(active=True)
    }
    services.record_review(
        ticket=tickets[0],
        scorecard=ace,
        reviewer=crew["lena"],
        reviewee=crew["emma"],
        grades=grades,
    )
    made = sampling.draw_sample(plan=plan, week=THIS_WEEK)
    assert [a.ticket_id for a in made] == [tickets[1].pk]


def test_other_weeks_and_open_tickets_are_left_alone(crew, converse, plan):
    conversations(converse, crew, "emma", 2)
    converse(crew["team"], crew["emma"], solve=False)
    assert sampling.draw_sample(plan=plan, week=THIS_WEEK - timedelta(weeks=1)) == []
    assert len(sampling.draw_sample(plan=plan, week=THIS_WEEK)) == 2


def test_only_a_lead_of_the_team_draws(crew, plan):
    for who in (crew["emma"], crew["olga"]):
        with pytest.raises(PermissionDenied):
            sampling.draw_sample(plan=plan, week=THIS_WEEK, by=who)


# --- the CSAT seam ------------------------------------------------------------------------------------


def failing_reader(ticket_ids: Sequence[int]) -> dict[int, str]:
    raise ZeroDivisionError("the survey database is down")


def bad_for_everything(ticket_ids):
    return {ticket_id: "bad" for ticket_id in ticket_ids}


def test_without_a_csat_provider_sampling_ignores_csat(crew, converse):
    ticket, _ = converse(crew["team"], crew["emma"])
    assert csat.csat_buckets([ticket.pk]) == {}


def test_a_registered_csat_reader_marks_low_ratings_hard(crew, converse, plan):
    tickets = conversations(converse, crew, "emma", 2)
    csat.register_csat_reader(
        lambda ids: {tickets[0].pk: "bad", tickets[1].pk: "good", 99999: "bad"}
    )
    try:
        made = sampling.draw_sample(plan=plan, week=THIS_WEEK)
    finally:
        csat.unregister_csat_reader()
    reasons = {a.ticket_id: a.reasons for a in made}
    assert reasons == {tickets[0].pk: ["low_csat"], tickets[1].pk: []}


@override_settings(
    TACTFUL_QUALITY_CSAT_READER="tactful.quality.tests.test_sampling.bad_for_everything"
)
def test_a_csat_reader_named_in_the_settings(crew, converse):
    ticket, _ = converse(crew["team"], crew["emma"])
    assert csat.csat_buckets([ticket.pk]) == {ticket.pk: "bad"}


@dataclass(frozen=True)
class Rated:
    """What the satisfaction app's ``ratings_for`` returns per ticket (its ``TicketRating``)."""

    sentiment: str


def test_a_reader_of_rating_objects_plugs_in_as_it_is(crew, converse):
    ticket, _ = converse(crew["team"], crew["emma"])
    csat.register_csat_reader(lambda ids: {ids[0]: Rated("bad"), 99: Rated("great")})
    try:
        assert csat.csat_buckets([ticket.pk]) == {ticket.pk: "bad"}
    finally:
        csat.unregister_csat_reader()


@override_settings(TACTFUL_QUALITY_CSAT_READER="tactful.nowhere.csat")
def test_a_broken_csat_provider_never_stops_sampling(crew, converse, plan):
    conversations(converse, crew, "emma", 2)
    assert len(sampling.draw_sample(plan=plan, week=THIS_WEEK)) == 2
    csat.register_csat_reader(failing_reader)
    try:
        assert csat.csat_buckets([1, 2]) == {}
    finally:
        csat.unregister_csat_reader()
    csat.register_csat_reader(lambda ids: cast(Any, {"1": "bad", 2: "dreadful", 3: "neutral"}))
    try:
        assert csat.csat_buckets([1, 2, 3]) == {3: "neutral"}
    finally:
        csat.unregister_csat_reader()


def test_the_weekly_task_draws_last_weeks_conversations(crew, converse, plan, monkeypatch):
    conversations(converse, crew, "emma", 3)
    monkeypatch.setattr(timezone, "localdate", lambda: THIS_WEEK + timedelta(days=7))
    assert tasks.draw_weekly_samples_task() == 2


def test_the_demo_draws_every_week_its_conversations_were_solved_in_up_to_three():
    """Seeded early on a Monday, "this week" is empty: the demo draws the earlier weeks too."""
    from tactful.quality.demo import DRAWN_WEEKS, _weeks_to_draw
    from tactful.tickets.models import Ticket

    now = timezone.now()
    this_week = sampling.week_start(timezone.localdate())
    eight_days_ago = sampling.week_start(timezone.localdate(now - timedelta(days=8)))
    weeks = _weeks_to_draw([Ticket(solved_at=now - timedelta(days=8)), Ticket(solved_at=None)])
    assert weeks[0] == eight_days_ago and weeks[-1] == this_week
    assert all((b - a).days == 7 for a, b in pairwise(weeks))
    long_ago = _weeks_to_draw([Ticket(solved_at=now - timedelta(days=60))])
    assert len(long_ago) == DRAWN_WEEKS and long_ago[-1] == this_week
    assert _weeks_to_draw([]) == [this_week]
