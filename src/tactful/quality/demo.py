"""The demo desk's quality reviews: the coach's review of every solved conversation, a lead's
reviews (one of a single reply, one replacing the coach's), an agent's dispute, each team's
sampling plan with the draws of the weeks its conversations were solved in, and a calibration round graded by two reviewers.

Called by ``tactful.desk.demo`` once the conversations are seeded; idempotent (the round marks
it done). Grades are derived from the coach's, with the small disagreements real reviewers
have, so the calibration page has something to show.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TextIO

from django.utils import timezone

from tactful.accounts.models import Agent, Team
from tactful.quality import auto_review, calibration, sampling, selectors, services
from tactful.quality.models import (
    CalibrationRound,
    Review,
    SamplingPlan,
    Scorecard,
    Source,
)
from tactful.quality.services import Grade
from tactful.tickets.models import Status, Ticket, TicketEvent

ROUND_NAME = "First calibration round"
#: How a reviewer's grade differs from the coach's, criterion by criterion, conversation by
#: conversation (one pattern per reviewer): mostly the same, sometimes a point apart.
_SHIFTS = {
    "lead": (0, 0, -1, 0, 1, 0, 0, 0, -1, 0, 0, 1),
    "admin": (0, -1, 0, 0, 0, 1, -1, 0, 0, 0, 1, 0),
}
_COMMENTS = [
    "Clear next step and the date is there. Lead with it next time.",
    "Warm and brief: exactly the balance we want.",
    "Two apologies where one would do; the fix was buried in the third paragraph.",
    "Good admission of our mistake, but the customer's second question went unanswered.",
]


def seed_quality_demo(*, out: TextIO | None = None) -> None:
    """Create the demo's reviews, dispute, plans and calibration round (once)."""
    if CalibrationRound.objects.filter(name=ROUND_NAME).exists():
        return
    services.install_default_scorecards()
    people = {a.username: a for a in Agent.objects.filter(username__in=["lead", "admin"])}
    if len(people) < 2:
        return
    lead, admin = people["lead"], people["admin"]
    ace = Scorecard.objects.get(default_key="awareness-clarity-empowerment")
    pce = Scorecard.objects.get(default_key="precision-clarity-empathy")
    solved = list(Ticket.objects.filter(status__in=[Status.SOLVED, Status.CLOSED]).order_by("id"))
    for ticket in solved:
        # The seed solved them through the services, so the coach has reviewed them already;
        # this covers a demo desk seeded before quality reviews existed.
        if not Review.objects.filter(ticket=ticket, source=Source.COACH).exists():
            auto_review.review_automatically(ticket=ticket)
    work = []
    for ticket in solved:
        answered = selectors.repliers(ticket)
        if answered and answered[0].pk not in {lead.pk, admin.pk}:
            work.append((ticket, answered[0]))
    if out is not None:
        out.write(f"  … quality: {len(solved)} solved conversations reviewed by the coach\n")

    reviews = _lead_reviews(lead, ace, pce, work[:4])
    if reviews:
        # The agent disagrees with the strictest one; a lead decides it in the demo tour.
        strictest = min(reviews, key=lambda r: r.score if r.score is not None else 100)
        services.dispute_review(
            review=strictest,
            by=strictest.reviewee,  # type: ignore[arg-type]
            reason="I answered both questions: the refund date is in my second sentence.",
        )
    # Calibration grades are kept apart from the reviews above, so the batch may repeat them.
    batch = [ticket for ticket, _agent in work[:6]]
    if len(batch) >= 2:
        round = calibration.create_round(
            by=lead, name=ROUND_NAME, scorecard=pce, tickets=batch, reviewers=[lead, admin]
        )
        for reviewer in (lead, admin):
            for index, ticket in enumerate(batch):
                _grade_like_the_coach(ticket, pce, reviewer, index, round=round)
    for team in Team.objects.order_by("name"):
        plan, _created = SamplingPlan.objects.get_or_create(
            team=team, defaults={"scorecard": ace, "share_percent": 20, "minimum_per_agent": 1}
        )
        plan.reviewers.add(lead)
        for week in _weeks_to_draw(solved):
            sampling.draw_sample(plan=plan, week=week)
    _backdate()


#: The most weeks back the demo draws samples for (its conversations span the last nine days).
DRAWN_WEEKS = 3


def _weeks_to_draw(solved: list[Ticket]) -> list[date]:
    """Every week the demo's conversations were solved in, up to this one.

    Not just this week and the last: the conversations span the nine days before the seed, so
    seeded early on a Monday "this week" is empty and last week may hold only the lead's own
    conversations, which the lead cannot be given to review.
    """
    this_week = sampling.week_start(timezone.localdate())
    weeks = {
        sampling.week_start(timezone.localdate(ticket.solved_at))
        for ticket in solved
        if ticket.solved_at is not None
    }
    first = max(min(weeks, default=this_week), this_week - timedelta(weeks=DRAWN_WEEKS - 1))
    return [first + timedelta(weeks=n) for n in range((this_week - first).days // 7 + 1)]


def _lead_reviews(
    lead: Agent, ace: Scorecard, pce: Scorecard, work: list[tuple[Ticket, Agent]]
) -> list[Review]:
    made = []
    for index, (ticket, agent) in enumerate(work):
        if index == 1:
            # One reply graded on its own, with a comment on it.
            reply = (
                ticket.messages.filter(kind="out", author_agent=agent)
                .order_by("created_at")
                .first()
            )
            made.append(
                _grade_like_the_coach(
                    ticket, pce, lead, index, message=reply, comment=_COMMENTS[index]
                )
            )
        elif index == 2:
            # The lead disagrees with the coach here and grades it: the coach's score is replaced.
            automatic = Review.objects.filter(
                ticket=ticket, scorecard=ace, source=Source.COACH, reviewee=agent
            ).first()
            made.append(
                _grade_like_the_coach(
                    ticket, ace, lead, index, overrides=automatic, comment=_COMMENTS[index]
                )
            )
        else:
            made.append(
                _grade_like_the_coach(
                    ticket, ace, lead, index, comment=_COMMENTS[index % len(_COMMENTS)]
                )
            )
    return made


def _grade_like_the_coach(
    ticket: Ticket,
    scorecard: Scorecard,
    reviewer: Agent,
    index: int,
    *,
    round: CalibrationRound | None = None,
    bias: int = 0,
    **kwargs: object,
) -> Review:
    reviewee = calibration.reviewee_of(ticket)
    assert reviewee is not None
    automatic = (
        Review.objects.filter(
            ticket=ticket, scorecard=scorecard, source=Source.COACH, reviewee=reviewee
        )
        .prefetch_related("ratings")
        .first()
    )
    coach = {r.criterion_id: r.value for r in automatic.ratings.all()} if automatic else {}
    shifts = _SHIFTS.get(reviewer.username, _SHIFTS["lead"])
    grades = {}
    for position, criterion in enumerate(
        scorecard.criteria.filter(active=True).order_by("position", "id")
    ):
        shift = shifts[(index * 3 + position) % len(shifts)] + bias
        if criterion.scale == "binary":
            value: int | None = 1
        elif coach.get(criterion.pk) is not None:
            top = 3 if criterion.scale == "three" else 5
            value = max(1, min(top, int(coach[criterion.pk]) + shift))  # type: ignore[arg-type]
        elif criterion.allow_na:
            value = None
        else:
            value = 3 if criterion.scale == "three" else 4
        grades[criterion.pk] = Grade(value)
    return services.record_review(
        ticket=ticket,
        scorecard=scorecard,
        reviewer=reviewer,
        reviewee=reviewee,
        grades=grades,
        round=round,
        **kwargs,  # type: ignore[arg-type]
    )


def _backdate() -> None:
    """The coach reviewed each conversation minutes after it was solved, people a day later
    (never in the future): the team's weekly trend then spans the demo's weeks."""
    now = timezone.now()
    for review in Review.objects.select_related("ticket").filter(ticket__solved_at__isnull=False):
        solved_at = review.ticket.solved_at
        assert solved_at is not None
        when = solved_at + (
            timedelta(minutes=2) if review.source == Source.COACH else timedelta(days=1)
        )
        when = min(when, now - timedelta(minutes=1))
        Review.objects.filter(pk=review.pk).update(created_at=when)
        TicketEvent.objects.filter(
            ticket_id=review.ticket_id, kind__in=["qa_coach", "qa_review"], data__review=review.pk
        ).update(created_at=when)
    # A dispute comes after the review it disputes.
    TicketEvent.objects.filter(kind="qa_dispute").update(created_at=now - timedelta(minutes=30))
