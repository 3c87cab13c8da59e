"""Reads for the quality pages: who may do what, queues, reviews, disputes and scores."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from tactful.accounts.models import Agent, Team
from tactful.quality.models import (
    CalibrationRound,
    Criterion,
    Dispute,
    DisputeStatus,
    Rating,
    Review,
    ReviewAssignment,
    SamplingPlan,
    Scorecard,
    Source,
)
from tactful.tickets import permissions
from tactful.tickets.models import Message, MessageKind, Ticket


def is_reviewer(agent: Agent) -> bool:
    """Leads and admins review; so do agents named reviewers in a sampling plan or a round."""
    if not agent.is_active:
        return False
    if agent.is_lead:
        return True
    return (
        SamplingPlan.objects.filter(reviewers=agent, active=True).exists()
        or CalibrationRound.objects.filter(reviewers=agent).exists()
    )


def can_edit_scorecard(agent: Agent, scorecard: Scorecard | None) -> bool:
    """Admins edit every scorecard; leads the shared ones and their teams' ones."""
    if not agent.is_lead:
        return False
    if agent.is_admin or scorecard is None or scorecard.team_id is None:
        return True
    return scorecard.team_id in permissions.team_ids(agent)


def usable_scorecards(agent: Agent) -> QuerySet[Scorecard]:
    """Active scorecards the agent may grade with (shared, or one of their teams')."""
    cards = Scorecard.objects.filter(active=True)
    if not agent.is_admin:
        cards = cards.filter(
            Q(team__isnull=True) | Q(team_id__in=sorted(permissions.team_ids(agent)))
        )
    return cards.order_by("name", "id")


def scorecards_for(ticket: Ticket) -> QuerySet[Scorecard]:
    return (
        Scorecard.objects.filter(active=True)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .order_by("name", "id")
    )


def scorecard_with_criteria(scorecard_id: int) -> Scorecard | None:
    criteria = (
        Criterion.objects.filter(active=True)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )
    return (
        Scorecard.objects.filter(pk=scorecard_id)
        .prefetch_related(Prefetch("criteria", queryset=criteria, to_attr="active_criteria"))
        .first()
    )


def repliers(ticket: Ticket) -> list[Agent]:
    """The agents who replied in the conversation, most replies first (whose work to grade)."""
    counts = (
        Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.OUTGOING)
        .exclude(author_agent__isnull=True)
        .values("author_agent_id")
        .annotate(n=Count("id"))
    )
    ranked = {row["author_agent_id"]: row["n"] for row in counts}
    agents = Agent.objects.filter(pk__in=list(ranked))
    return sorted(agents, key=lambda a: (-ranked[a.pk], str(a)))


def replies(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.OUTGOING)
        .exclude(author_agent__isnull=True)
        .select_related("author_agent")
        .order_by("created_at", "id")
    )


def review_detail(review_id: int) -> Review | None:
    return (
        Review.objects.filter(pk=review_id)
        .select_related(
            "ticket",
            "scorecard",
            "reviewer",
            "reviewee",
            "message",
            "overrides",
            "round",
            "dispute",
        )
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=Rating.objects.select_related("criterion", "criterion__section"),
            )
        )
        .first()
    )


def can_see_review(agent: Agent, review: Review) -> bool:
    """The reviewed agent (not calibration grades), the reviewer, and leads who see the ticket."""
    if review.reviewer_id == agent.pk:
        return True
    if review.reviewee_id == agent.pk and review.round_id is None:
        return True
    return agent.is_lead and permissions.can_view(agent, review.ticket)


def reviews_received(agent: Agent, *, limit: int = 100) -> list[Review]:
    """The agent's reviews, newest first: people's and the coach's, never calibration grades."""
    return list(
        Review.objects.filter(reviewee=agent, round__isnull=True)
        .select_related("ticket", "scorecard", "reviewer", "message", "dispute")
        .order_by("-created_at", "-id")[:limit]
    )


def reviews_given(agent: Agent, *, limit: int = 50) -> list[Review]:
    return list(
        Review.objects.filter(reviewer=agent)
        .select_related("ticket", "scorecard", "reviewer", "reviewee", "dispute")
        .order_by("-created_at", "-id")[:limit]
    )


def assignments_for(agent: Agent, *, since: date, limit: int = 200) -> list[ReviewAssignment]:
    """The reviewer's drawn conversations from ``since`` on, open ones first."""
    return list(
        ReviewAssignment.objects.filter(reviewer=agent, week__gte=since)
        .select_related("ticket", "reviewee", "plan__scorecard", "plan__team")
        .order_by("review_id", "week", "id")[:limit]
    )


def open_disputes(agent: Agent, *, limit: int = 200) -> list[Dispute]:
    """Open disputes on tickets the lead can see, oldest first."""
    visible = permissions.visible_tickets(agent).values("pk")
    return list(
        Dispute.objects.filter(status=DisputeStatus.OPEN, review__ticket_id__in=visible)
        .select_related(
            "review", "review__ticket", "review__reviewer", "review__scorecard", "raised_by"
        )
        .order_by("created_at", "id")[:limit]
    )


def recent_decisions(agent: Agent, *, limit: int = 20) -> list[Dispute]:
    visible = permissions.visible_tickets(agent).values("pk")
    return list(
        Dispute.objects.exclude(status=DisputeStatus.OPEN)
        .filter(review__ticket_id__in=visible)
        .select_related("review", "review__ticket", "raised_by", "resolved_by")
        .order_by("-resolved_at", "-id")[:limit]
    )


def ticket_reviews(ticket: Ticket) -> list[Review]:
    """Every review of a ticket (calibration grades too: the panel shows them to reviewers)."""
    return list(
        Review.objects.filter(ticket_id=ticket.pk)
        .select_related("scorecard", "reviewer", "reviewee", "message", "dispute", "round")
        .order_by("source", "-created_at", "-id")
    )


# --- scores -------------------------------------------------------------------------------------


def counted_human_reviews() -> QuerySet[Review]:
    """People's reviews that count in scores: not calibration grades, not withdrawn."""
    return Review.objects.filter(
        source=Source.HUMAN, round__isnull=True, withdrawn=False, score__isnull=False
    )


def counted_coach_reviews() -> QuerySet[Review]:
    """The coach's reviews that count: not replaced by a person's override, not withdrawn."""
    return Review.objects.filter(
        source=Source.COACH, withdrawn=False, score__isnull=False, replaced=False
    )


@dataclass(frozen=True)
class ScoreLine:
    """A quality score: people's and the coach's, kept apart, with how many reviews each."""

    label: str
    human: float | None
    human_count: int
    coach: float | None
    coach_count: int
    agent_id: int | None = None


def _scores(queryset: QuerySet[Review], key: str) -> dict[object, tuple[float | None, int]]:
    rows = queryset.values(key).annotate(mean=Avg("score"), n=Count("id"))
    return {row[key]: (row["mean"], row["n"]) for row in rows}


def team_scores(
    teams: Sequence[Team], *, since: datetime, until: datetime | None = None
) -> tuple[list[ScoreLine], dict[int, list[ScoreLine]]]:
    """Each team's quality score and each agent's in it, over reviews of tickets in the team.

    Four aggregate queries whatever the number of reviews.
    """
    until = until or timezone.now()
    ids = [t.pk for t in teams]
    window = Q(created_at__gte=since, created_at__lt=until, ticket__team_id__in=ids)
    human = counted_human_reviews().filter(window)
    coach = counted_coach_reviews().filter(window)
    human_team = _scores(human, "ticket__team_id")
    coach_team = _scores(coach, "ticket__team_id")
    per_agent_h = human.values("ticket__team_id", "reviewee_id").annotate(
        mean=Avg("score"), n=Count("id")
    )
    per_agent_c = coach.values("ticket__team_id", "reviewee_id").annotate(
        mean=Avg("score"), n=Count("id")
    )
    agents: dict[int, dict[int, list[object]]] = defaultdict(dict)
    for row in per_agent_h:
        agents[row["ticket__team_id"]].setdefault(row["reviewee_id"], [None, 0, None, 0])[0:2] = [
            row["mean"],
            row["n"],
        ]
    for row in per_agent_c:
        agents[row["ticket__team_id"]].setdefault(row["reviewee_id"], [None, 0, None, 0])[2:4] = [
            row["mean"],
            row["n"],
        ]
    agent_ids = {a for per in agents.values() for a in per if a is not None}
    names = {a.pk: str(a) for a in Agent.objects.filter(pk__in=sorted(agent_ids))}
    lines = []
    by_team: dict[int, list[ScoreLine]] = {}
    for team in teams:
        h, hn = human_team.get(team.pk, (None, 0))
        c, cn = coach_team.get(team.pk, (None, 0))
        lines.append(ScoreLine(team.name, h, hn, c, cn))
        by_team[team.pk] = sorted(
            (
                ScoreLine(names.get(a, "—"), v[0], v[1], v[2], v[3], agent_id=a)  # type: ignore[arg-type]
                for a, v in agents.get(team.pk, {}).items()
                if a is not None
            ),
            key=lambda line: line.label,
        )
    return lines, by_team


def weekly_trend(
    teams: Sequence[Team], *, weeks: int, today: date | None = None
) -> tuple[list[date], list[float | None], list[float | None]]:
    """People's and the coach's mean score per week (starting Monday), for the chart; two
    aggregate queries."""
    today = today or timezone.localdate()
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    ids = [t.pk for t in teams]
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    series = []
    for queryset in (counted_human_reviews(), counted_coach_reviews()):
        rows = (
            queryset.filter(created_at__gte=since, ticket__team_id__in=ids)
            .annotate(week=TruncWeek("created_at"))
            .values("week")
            .annotate(mean=Avg("score"))
        )
        means = {_as_date(row["week"]): row["mean"] for row in rows}
        series.append([means.get(start) for start in starts])
    return starts, series[0], series[1]


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
