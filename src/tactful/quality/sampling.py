"""Drawing conversations for review: a share of each agent's solved conversations every week,
weighted towards the hard ones (intense, abusive or threatening, a low CSAT).

Weighted sampling without replacement by Efraimidis and Spirakis (each candidate's key is
``u ** (1 / weight)``; the largest keys win), with a random generator seeded by the plan and the
week, so drawing the same week again gives the same conversations. Drawing again tops a week up
to its target and never assigns a conversation twice.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.coaching.models import MessageAnalysis
from tactful.quality import csat
from tactful.quality.models import Review, ReviewAssignment, SamplingPlan, Source
from tactful.tickets import permissions
from tactful.tickets.models import Message, MessageKind, Status, Ticket

#: A conversation whose customer reached this intensity counts as hard.
HARD_INTENSITY = 0.7


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def _bounds(week: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(week, time.min))
    return start, start + timedelta(days=7)


@dataclass(frozen=True)
class Candidate:
    """A solved conversation an agent answered in the week, and why it is hard (if it is)."""

    ticket_id: int
    agent_id: int
    reasons: tuple[str, ...]

    def weight(self, hard_weight: int) -> float:
        return float(hard_weight if self.reasons else 1)


def candidates(plan: SamplingPlan, week: date) -> dict[int, list[Candidate]]:
    """Agent id → the team's conversations solved in the week that the agent replied in.

    Conversations already reviewed by a person, or already drawn, are left out. Four queries.
    """
    start, end = _bounds(week)
    tickets = Ticket.objects.filter(
        team_id=plan.team_id,
        status__in=[Status.SOLVED, Status.CLOSED],
        solved_at__gte=start,
        solved_at__lt=end,
    )
    replied = (
        Message.objects.filter(ticket__in=tickets, kind=MessageKind.OUTGOING)
        .exclude(author_agent__isnull=True)
        .values_list("ticket_id", "author_agent_id")
        .distinct()
    )
    pairs = sorted(set(replied))
    ticket_ids = sorted({t for t, _a in pairs})
    reviewed = set(
        Review.objects.filter(
            ticket_id__in=ticket_ids, source=Source.HUMAN, round__isnull=True
        ).values_list("ticket_id", "reviewee_id")
    )
    drawn = set(
        ReviewAssignment.objects.filter(plan=plan, ticket_id__in=ticket_ids).values_list(
            "ticket_id", "reviewee_id"
        )
    )
    hard = _hard_reasons(ticket_ids)
    by_agent: dict[int, list[Candidate]] = defaultdict(list)
    for ticket_id, agent_id in pairs:
        if (ticket_id, agent_id) in reviewed or (ticket_id, agent_id) in drawn:
            continue
        by_agent[agent_id].append(Candidate(ticket_id, agent_id, hard.get(ticket_id, ())))
    return by_agent


def _hard_reasons(ticket_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Why each conversation is hard: the customer's peak intensity, abuse or threats (read by
    the coach), and a bad CSAT answer (when an app provides CSAT)."""
    rows = (
        MessageAnalysis.objects.filter(message__ticket_id__in=ticket_ids)
        .values("message__ticket_id")
        .annotate(
            peak=Max("intensity"),
            # Counted, not MAX(boolean): PostgreSQL has no MAX for booleans.
            hostile=Count("id", filter=Q(abuse=True) | Q(threat=True)),
        )
    )
    reasons: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        ticket_id = row["message__ticket_id"]
        if (row["peak"] or 0) >= HARD_INTENSITY:
            reasons[ticket_id].append("intense")
        if row["hostile"]:
            reasons[ticket_id].append("abuse")
    for ticket_id, bucket in csat.csat_buckets(ticket_ids).items():
        if bucket == "bad":
            reasons[ticket_id].append("low_csat")
    return {ticket_id: tuple(r) for ticket_id, r in reasons.items()}


def target(plan: SamplingPlan, answered: int) -> int:
    """How many of an agent's ``answered`` conversations to review: the share, at least the
    minimum, never more than there are."""
    wanted = max(plan.minimum_per_agent, math.ceil(answered * plan.share_percent / 100))
    return min(answered, wanted)


def weighted_sample(
    items: list[Candidate], k: int, *, hard_weight: int, rng: random.Random
) -> list[Candidate]:
    """``k`` items without replacement, each as likely as its weight (Efraimidis–Spirakis)."""
    keyed = [
        (rng.random() ** (1.0 / item.weight(hard_weight)), item.ticket_id, item) for item in items
    ]
    keyed.sort(key=lambda entry: (-entry[0], entry[1]))
    return [item for _key, _id, item in keyed[:k]]


def draw_sample(
    *, plan: SamplingPlan, week: date, by: Agent | None = None
) -> list[ReviewAssignment]:
    """Assign this week's conversations to the plan's reviewers (``by`` ``None``: the weekly task).

    Each agent's target counts what was drawn for them already that week. A reviewer never
    gets their own conversations; the reviewer with the fewest assignments that week goes next.
    """
    if by is not None and not (
        by.is_lead and (by.is_admin or plan.team_id in permissions.team_ids(by))
    ):
        raise PermissionDenied(_("A lead of the team draws its sample."))
    week = week_start(week)
    reviewers = list(plan.reviewers.filter(is_active=True).order_by("pk"))
    if not plan.active or not reviewers:
        return []
    pool = candidates(plan, week)
    already = ReviewAssignment.objects.filter(plan=plan, week=week)
    drawn_for: defaultdict[int, int] = defaultdict(int)
    load: defaultdict[int, int] = defaultdict(int)
    for reviewee_id, reviewer_id in already.values_list("reviewee_id", "reviewer_id"):
        drawn_for[reviewee_id] += 1
        load[reviewer_id] += 1
    rng = random.Random(f"{plan.pk}:{week.isoformat()}")
    made: list[ReviewAssignment] = []
    for agent_id in sorted(pool):
        items = sorted(pool[agent_id], key=lambda c: c.ticket_id)
        answered = len(items) + drawn_for[agent_id]
        wanted = target(plan, answered) - drawn_for[agent_id]
        if wanted <= 0:
            continue
        for item in weighted_sample(items, wanted, hard_weight=plan.hard_weight, rng=rng):
            eligible = [r for r in reviewers if r.pk != agent_id]
            if not eligible:
                break
            reviewer = min(eligible, key=lambda r: (load[r.pk], r.pk))
            load[reviewer.pk] += 1
            made.append(
                ReviewAssignment(
                    plan=plan,
                    week=week,
                    ticket_id=item.ticket_id,
                    reviewee_id=agent_id,
                    reviewer=reviewer,
                    reasons=list(item.reasons),
                )
            )
    with transaction.atomic():
        ReviewAssignment.objects.bulk_create(made, ignore_conflicts=True)
    return made


def draw_all(*, week: date) -> int:
    """Draw the week's sample for every active plan (the weekly Celery beat task)."""
    total = 0
    for plan in SamplingPlan.objects.filter(active=True).select_related("team"):
        total += len(draw_sample(plan=plan, week=week))
    return total


def plan_for_team(team_id: int) -> SamplingPlan | None:
    return SamplingPlan.objects.filter(team_id=team_id).first()


def week_summary(plan: SamplingPlan, week: date) -> list[ReviewAssignment]:
    return list(
        ReviewAssignment.objects.filter(plan=plan, week=week_start(week))
        .select_related("ticket", "reviewee", "reviewer", "review")
        .order_by("reviewee__username", "ticket_id")
    )


__all__ = [
    "HARD_INTENSITY",
    "Candidate",
    "candidates",
    "draw_all",
    "draw_sample",
    "plan_for_team",
    "target",
    "week_start",
    "week_summary",
    "weighted_sample",
]
