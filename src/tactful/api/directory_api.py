"""Teams and agents: who works the desk, scoped like the tickets.

Admins see every team and agent; everyone else sees their own teams and the agents who
share one with them (themselves included). Anything else answers 404, so ids do not leak.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema

from tactful.accounts.models import Agent, Team
from tactful.api.schemas import PageQuery, TeamRef, answers
from tactful.tickets import permissions

router = Router(tags=["teams and agents"])


class AgentOut(Schema):
    id: int
    username: str
    name: str
    role: str
    language: str
    available: bool
    answers_languages: list[str]
    senior: bool
    teams: list[TeamRef]


class MemberOut(Schema):
    id: int
    username: str
    name: str
    role: str
    available: bool


class TeamOut(Schema):
    id: int
    name: str
    slug: str | None
    description: str
    email_address: str
    auto_assign: bool
    assignment_mode: str
    member_count: int


class TeamDetailOut(TeamOut):
    members: list[MemberOut]


class TeamPage(Schema):
    items: list[TeamOut]
    limit: int
    offset: int
    next_offset: int | None


class AgentPage(Schema):
    items: list[AgentOut]
    limit: int
    offset: int
    next_offset: int | None


def _caller(request: HttpRequest) -> Agent:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _teams(agent: Agent) -> QuerySet[Team]:
    teams = Team.objects.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True)
    ).order_by("name", "pk")
    return teams if agent.is_admin else teams.filter(pk__in=list(permissions.team_ids(agent)))


def _agents(agent: Agent) -> QuerySet[Agent]:
    agents = (
        Agent.objects.filter(is_active=True)
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("username", "pk")
    )
    if agent.is_admin:
        return agents
    shared = Agent.objects.filter(teams__in=list(permissions.team_ids(agent))).values("pk")
    return agents.filter(Q(pk=agent.pk) | Q(pk__in=shared))


def _team_out(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "slug": team.slug,
        "description": team.description,
        "email_address": team.email_address,
        "auto_assign": team.auto_assign,
        "assignment_mode": team.assignment_mode,
        "member_count": getattr(team, "member_count", 0),
    }


def _agent_out(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.pk,
        "username": agent.username,
        "name": str(agent),
        "role": agent.role,
        "language": agent.language,
        "available": agent.available,
        "answers_languages": list(agent.answers_languages or []),
        "senior": agent.senior,
        "teams": [{"id": t.pk, "name": t.name} for t in agent.teams.all()],
    }


def _page(rows: list[Any], *, limit: int, offset: int) -> dict[str, Any]:
    return {
        "limit": limit,
        "offset": offset,
        "next_offset": offset + limit if len(rows) > limit else None,
    }


@router.get("/teams", response=answers(TeamPage))
def list_teams(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Teams you may see, by name."""
    rows = list(_teams(_caller(request))[page.offset : page.offset + page.limit + 1])
    return {
        "items": [_team_out(t) for t in rows[: page.limit]],
        **_page(rows, limit=page.limit, offset=page.offset),
    }


@router.get("/teams/{team_id}", response=answers(TeamDetailOut, 404))
def get_team(request: HttpRequest, team_id: int) -> dict[str, Any]:
    """One team and its active members."""
    team = _teams(_caller(request)).get(pk=team_id)
    members = team.members.filter(is_active=True).order_by("username")
    return {
        **_team_out(team),
        "members": [
            {
                "id": m.pk,
                "username": m.username,
                "name": str(m),
                "role": m.role,
                "available": m.available,
            }
            for m in members
        ],
    }


@router.get("/agents", response=answers(AgentPage))
def list_agents(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Active agents you may see (yours: those sharing a team with you), by username."""
    rows = list(_agents(_caller(request))[page.offset : page.offset + page.limit + 1])
    return {
        "items": [_agent_out(a) for a in rows[: page.limit]],
        **_page(rows, limit=page.limit, offset=page.offset),
    }


@router.get("/agents/{agent_id}", response=answers(AgentOut, 404))
def get_agent(request: HttpRequest, agent_id: int) -> dict[str, Any]:
    return _agent_out(_agents(_caller(request)).get(pk=agent_id))
