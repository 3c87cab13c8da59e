"""Reads: a ticket's surveys, tickets' current ratings, agents' figures, reports and the feed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from tactful.accounts.models import Agent, Team
from tactful.satisfaction.models import FeedItem, MonthlyReport, Survey, SurveyAgent, TicketRating
from tactful.tickets import permissions
from tactful.tickets.models import Ticket

SENTIMENTS = ("good", "neutral", "bad")


def visible_teams(agent: Agent) -> QuerySet[Team]:
    """Admins see every team; others the teams they belong to."""
    if agent.is_admin:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=sorted(permissions.team_ids(agent))).order_by("name")


def can_see_team(agent: Agent, team_id: int | None) -> bool:
    if team_id is None:
        return agent.is_admin
    return agent.is_admin or team_id in permissions.team_ids(agent)


def can_manage_team(agent: Agent, team_id: int) -> bool:
    """Leads of the team and admins change its survey settings and make its reports."""
    return agent.is_admin or (agent.is_lead and team_id in permissions.team_ids(agent))


def with_rating(queryset: QuerySet[Ticket], sentiment: str) -> QuerySet[Ticket]:
    """Tickets whose latest answered survey was ``sentiment`` (``"any"``: answered at all;
    ``"none"``: never answered)."""
    if sentiment == "any":
        return queryset.filter(rating__isnull=False)
    if sentiment == "none":
        return queryset.filter(rating__isnull=True)
    return queryset.filter(rating__sentiment=sentiment)


def ratings_for(ticket_ids: Iterable[int]) -> dict[int, TicketRating]:
    """The current rating of each ticket that has one (one query)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    return {rating.ticket_id: rating for rating in TicketRating.objects.filter(ticket_id__in=ids)}


def ticket_surveys(ticket: Ticket) -> list[Survey]:
    return list(
        Survey.objects.filter(ticket=ticket)
        .prefetch_related("agents")
        .order_by("-sent_at", "-id")[:20]
    )


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    sent, answered = row.get("sent") or 0, row.get("answered") or 0
    good, bad = row.get("good") or 0, row.get("bad") or 0
    return {
        **{key: row.get(key) or 0 for key in ("sent", "answered", *SENTIMENTS)},
        "csat": good / answered if answered else None,
        "happiness": (good - bad) / answered if answered else None,
        "response_rate": answered / sent if sent else None,
    }


_COUNTS = {
    "sent": Count("pk"),
    "answered": Count("pk", filter=Q(survey__answered_at__isnull=False)),
    "good": Count("pk", filter=Q(survey__sentiment="good")),
    "neutral": Count("pk", filter=Q(survey__sentiment="neutral")),
    "bad": Count("pk", filter=Q(survey__sentiment="bad")),
}


def agent_figures(agent_ids: Iterable[int], *, since: datetime) -> dict[int, dict[str, Any]]:
    """Per agent: surveys rating them sent since ``since``, answers, CSAT and happiness."""
    ids = list(agent_ids)
    if not ids:
        return {}
    rows = (
        SurveyAgent.objects.filter(agent_id__in=ids, survey__sent_at__gte=since)
        .values("agent_id")
        .annotate(**_COUNTS)
        .order_by()
    )
    found = {row["agent_id"]: _figures(row) for row in rows}
    return {pk: found.get(pk, _figures({})) for pk in ids}


def recent_answers(agent: Agent, *, limit: int = 20) -> list[Survey]:
    """The latest answers that rate ``agent``."""
    return list(
        Survey.objects.filter(rated__agent=agent, answered_at__isnull=False)
        .select_related("ticket")
        .order_by("-answered_at", "-id")[:limit]
    )


def reports_for(agent: Agent) -> QuerySet[MonthlyReport]:
    """Kept reports the agent may read: their teams' (and the desk's for admins)."""
    reports = MonthlyReport.objects.select_related("team").defer("data", "pdf")
    if agent.is_admin:
        return reports.order_by("-month", "team__name")
    return reports.filter(team_id__in=sorted(permissions.team_ids(agent))).order_by(
        "-month", "team__name"
    )


def feed_items(team: Team, *, limit: int = 100) -> list[FeedItem]:
    return list(
        FeedItem.objects.filter(team=team)
        .select_related("held_by")
        .order_by("-created_at", "-id")[:limit]
    )
