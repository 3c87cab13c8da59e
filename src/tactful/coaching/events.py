"""What the coach adds to a ticket's timeline: it read the customer, or it could not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange
from tactful.tickets.models import EventKind
from tactful.tickets.presenters import emotion_label


@dataclass(frozen=True, kw_only=True)
class MessageAnalysed(TicketChange):
    """The coach read the customer's ``message``; the ticket's signals now say what it read."""

    kind = EventKind.ANALYSED.value
    label = gettext_lazy("Coach read the customer")
    emotion: str
    intensity: float | None
    abuse: bool
    threat: bool
    company_fault: bool
    language: str
    #: How long the coach took to read the message (not stored: for the metrics).
    coach_seconds: float | None = field(default=None, compare=False)

    def data(self) -> dict[str, Any]:
        return {
            "emotion": self.emotion,
            "intensity": self.intensity,
            "abuse": self.abuse,
            "threat": self.threat,
            "company_fault": self.company_fault,
            "language": self.language,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        parts = [
            _("Coach: %(emotion)s, intensity %(intensity)s")
            % {
                "emotion": emotion_label(data.get("emotion", "")),
                "intensity": number_format(float(data.get("intensity") or 0), 2),
            }
        ]
        if data.get("abuse"):
            parts.append(_("abusive"))
        if data.get("threat"):
            parts.append(_("threat"))
        return "; ".join(parts)


@dataclass(frozen=True, kw_only=True)
class AnalysisFailed(TicketChange):
    """The coach could not read ``message`` (written on the first failed attempt only)."""

    kind = EventKind.ANALYSIS_FAILED.value
    label = gettext_lazy("Coach analysis failed")
    error: str

    def data(self) -> dict[str, Any]:
        return {"error": self.error[:300]}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Coach analysis failed: %(error)s") % {"error": str(data.get("error", ""))[:200]}
