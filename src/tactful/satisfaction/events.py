"""What surveys add to a ticket's timeline: asked, reminded, answered, cancelled or expired."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.satisfaction import scales
from tactful.tickets.events import Names, TicketChange


@dataclass(frozen=True, kw_only=True)
class SurveySent(TicketChange):
    """The customer was asked how it went (``reminder``: the one reminder)."""

    kind = "csat_sent"
    label = gettext_lazy("Satisfaction survey sent")
    survey_id: int
    agent_ids: tuple[int, ...] = ()
    reminder: bool = False

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"survey": self.survey_id, "agents": list(self.agent_ids)}
        if self.reminder:
            data["reminder"] = True
        return data

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("reminder"):
            return _("Satisfaction survey: reminder sent")
        agents = [names.agent(pk) for pk in data.get("agents") or []]
        if not agents:
            return _("Satisfaction survey sent")
        return _("Satisfaction survey sent (rates %(agents)s)") % {"agents": ", ".join(agents)}


@dataclass(frozen=True, kw_only=True)
class SurveyAnswered(TicketChange):
    """The customer rated the conversation (or changed their answer: ``changed``)."""

    kind = "csat_answered"
    label = gettext_lazy("Customer rated the conversation")
    survey_id: int
    scale: str
    rating: int
    sentiment: str
    has_comment: bool
    changed: bool = False
    via: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "survey": self.survey_id,
            "scale": self.scale,
            "rating": self.rating,
            "sentiment": self.sentiment,
            "comment": self.has_comment,
            "changed": self.changed,
            "via": self.via,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        scale = data.get("scale") if data.get("scale") in scales.SCALES else scales.FIVE
        rating = data.get("rating")
        words = scales.label(str(scale), rating if isinstance(rating, int) else None) or "?"
        text = (
            _("Customer changed their rating: %(rating)s")
            if data.get("changed")
            else _("Customer rated the conversation: %(rating)s")
        ) % {"rating": words}
        return text + (" " + _("(with a comment)") if data.get("comment") else "")


@dataclass(frozen=True, kw_only=True)
class SurveyClosed(TicketChange):
    """An unanswered survey stopped: the ticket was reopened, or the link expired."""

    kind = "csat_closed"
    label = gettext_lazy("Satisfaction survey withdrawn")
    survey_id: int
    reason: str  # "reopened" or "expired"

    def data(self) -> dict[str, Any]:
        return {"survey": self.survey_id, "reason": self.reason}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("reason") == "expired":
            return _("Satisfaction survey expired unanswered")
        return _("Satisfaction survey cancelled: the ticket was reopened")
