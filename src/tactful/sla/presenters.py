"""Service levels in words: a ticket's targets on its page, an inbox row's badge, and the
policies listed for leads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Team
from tactful.customers.models import Channel, Language
from tactful.sla.events import minutes_text, target_label
from tactful.sla.models import Clock, ClockState, Policy, TicketSla
from tactful.tickets.models import Priority


def _minutes(seconds: float) -> int:
    return int(max(0.0, seconds) // 60)


@dataclass(frozen=True, slots=True)
class Badge:
    """An inbox row's SLA badge: ``state`` is ``at_risk``, ``breached`` or ``running``."""

    state: str
    text: str
    title: str


def badge(summary: TicketSla | None, *, now: datetime | None = None) -> Badge | None:
    """The badge for a ticket's SLA summary, or ``None`` when nothing runs."""
    if summary is None or (summary.due_at is None and not summary.breached):
        return None
    now = now or timezone.now()
    target = target_label(summary.due_target) if summary.due_target else ""
    due = summary.due_at
    if summary.breached or (due is not None and due <= now):
        late = _minutes((now - due).total_seconds()) if due is not None else 0
        text = (
            _("SLA breached %(time)s ago") % {"time": minutes_text(late)}
            if due
            else _("SLA breached")
        )
        return Badge("breached", text, target)
    assert due is not None
    left = minutes_text(_minutes((due - now).total_seconds()))
    if summary.warn_at is not None and summary.warn_at <= now:
        return Badge("at_risk", _("SLA at risk: %(time)s left") % {"time": left}, target)
    return Badge("running", _("%(time)s left") % {"time": left}, target)


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One target on the ticket page."""

    target: str
    label: str
    state: str
    text: str
    due_iso: str
    policy: str


def target_rows(clocks: Sequence[Clock], *, now: datetime | None = None) -> list[TargetRow]:
    now = now or timezone.now()
    rows = []
    for clock in clocks:
        if clock.state == ClockState.RUNNING and clock.due_at is not None:
            if clock.due_at <= now or clock.breached_at is not None:
                state = "breached"
                text = _("breached %(time)s ago") % {
                    "time": minutes_text(_minutes((now - clock.due_at).total_seconds()))
                }
            else:
                at_risk = clock.warn_at is not None and clock.warn_at <= now
                state = "at_risk" if at_risk else "running"
                text = _("%(time)s left") % {
                    "time": minutes_text(_minutes((clock.due_at - now).total_seconds()))
                }
        elif clock.state == ClockState.RUNNING:
            state, text = "running", _("running, no target")
        elif clock.state == ClockState.PAUSED:
            state = "breached" if clock.breached_at is not None else "paused"
            text = _("paused while pending")
        elif clock.state == ClockState.MET:
            state = "met"
            text = _("met in %(time)s") % {"time": minutes_text(_minutes(clock.elapsed_seconds))}
        elif clock.state == ClockState.MISSED:
            state = "missed"
            text = _("missed: took %(time)s") % {
                "time": minutes_text(_minutes(clock.elapsed_seconds))
            }
        else:
            continue
        rows.append(
            TargetRow(
                target=clock.target,
                label=target_label(clock.target),
                state=state,
                text=text,
                due_iso=clock.due_at.isoformat() if clock.due_at else "",
                policy=clock.policy.name if clock.policy else "",
            )
        )
    return rows


@dataclass(frozen=True, slots=True)
class PolicyRow:
    policy: Policy
    conditions: tuple[str, ...]
    targets: tuple[str, ...]


def policy_rows(policies: Sequence[Policy]) -> list[PolicyRow]:
    """Policies in order, their conditions and targets in words (one query for team names)."""
    team_ids = {t for p in policies for t in (p.teams or []) if isinstance(t, int)}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
    channels, languages = dict(Channel.choices), dict(Language.choices)
    priorities: dict[Any, Any] = dict(Priority.choices)
    rows = []
    for policy in policies:
        parts = []
        if policy.teams:
            parts.append(
                _("team: %(v)s") % {"v": ", ".join(teams.get(t, "?") for t in policy.teams)}
            )
        if policy.channels:
            parts.append(
                _("channel: %(v)s")
                % {"v": ", ".join(str(channels.get(c, c)) for c in policy.channels)}
            )
        if policy.priorities:
            parts.append(
                _("priority: %(v)s")
                % {"v": ", ".join(str(priorities.get(p, p)) for p in policy.priorities)}
            )
        if policy.languages:
            parts.append(
                _("language: %(v)s")
                % {"v": ", ".join(str(languages.get(x, x)) for x in policy.languages)}
            )
        if policy.tags:
            parts.append(_("any tag of: %(v)s") % {"v": ", ".join(policy.tags)})
        if policy.customers:
            parts.append(_("%(n)d chosen customers") % {"n": len(policy.customers)})
        targets = []
        for name, minutes in (
            (_("first response"), policy.first_response_minutes),
            (_("next response"), policy.next_response_minutes),
            (_("resolution"), policy.resolution_minutes),
        ):
            if minutes:
                targets.append(f"{name} ≤ {minutes_text(minutes)}")
        rows.append(
            PolicyRow(
                policy=policy,
                conditions=tuple(parts) or (_("every ticket"),),
                targets=tuple(targets),
            )
        )
    return rows
