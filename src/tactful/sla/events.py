"""What the SLA clocks add to a ticket's timeline: a target at risk, breached, or met."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tactful.sla.models import Target
from tactful.tickets.events import Names, TicketChange


def target_label(value: Any) -> str:
    return str(Target(value).label) if value in Target.values else str(value)


def minutes_text(minutes: int) -> str:
    """``90`` → "1 h 30 min" (the timeline and the ticket page say durations this way)."""
    minutes = max(0, int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return ngettext("%(d)d day %(h)d h", "%(d)d days %(h)d h", days) % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


@dataclass(frozen=True, kw_only=True)
class SlaWarning(TicketChange):
    """A running target is close to its deadline: the policy's warning share has passed, or
    it is within ``lead_minutes`` of the deadline (a rule asked to hear about that)."""

    kind = "sla_warning"
    label = gettext_lazy("SLA target at risk")
    target: str
    clock_id: int
    due_at: datetime
    minutes_left: int
    lead_minutes: int | None = None

    def data(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "clock": self.clock_id,
            "due": self.due_at.isoformat(),
            "minutes_left": self.minutes_left,
            "lead": self.lead_minutes,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        left = data.get("minutes_left")
        return _("SLA at risk: %(target)s due in %(left)s") % {
            "target": target_label(data.get("target")),
            "left": minutes_text(left) if isinstance(left, int) else "?",
        }


@dataclass(frozen=True, kw_only=True)
class SlaBreached(TicketChange):
    """A target's deadline passed before it was met (once per clock)."""

    kind = "sla_breached"
    label = gettext_lazy("SLA target breached")
    target: str
    clock_id: int
    due_at: datetime

    def data(self) -> dict[str, Any]:
        return {"target": self.target, "clock": self.clock_id, "due": self.due_at.isoformat()}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("SLA breached: %(target)s") % {"target": target_label(data.get("target"))}


@dataclass(frozen=True, kw_only=True)
class SlaAchieved(TicketChange):
    """A target was met in time (once per clock)."""

    kind = "sla_achieved"
    label = gettext_lazy("SLA target met")
    target: str
    clock_id: int
    elapsed_seconds: float
    target_seconds: int

    def data(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "clock": self.clock_id,
            "elapsed": round(self.elapsed_seconds),
            "limit": self.target_seconds,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        elapsed = data.get("elapsed")
        return _("SLA met: %(target)s in %(time)s") % {
            "target": target_label(data.get("target")),
            "time": minutes_text(elapsed // 60) if isinstance(elapsed, int) else "?",
        }
