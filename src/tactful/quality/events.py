"""What quality reviews add to a ticket's timeline: a review, a dispute, a lead's decision."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange


def _agent(data: dict[str, Any], names: Names) -> str:
    """The reviewed agent's name as it was when the review was made (kept in the row: the
    timeline looks up the names of assignees only)."""
    return str(data.get("reviewee_name") or names.agent(data.get("reviewee")))[:150]


def _score(value: Any) -> str:
    # Halves round up, as on the quality pages (Python's format rounds 62.5 to 62).
    return str(math.floor(float(value) + 0.5)) if isinstance(value, int | float) else "—"


@dataclass(frozen=True, kw_only=True)
class ReviewRecorded(TicketChange):
    """``by`` graded the conversation (or the reply ``message``) of ``reviewee_id``.

    The score is left out of the timeline for calibration reviews: those measure the reviewers,
    not the agent.
    """

    kind = "qa_review"
    label = gettext_lazy("Quality review")
    review_id: int
    scorecard: str
    reviewee_id: int | None
    reviewee_name: str
    score: float | None
    calibration: bool = False
    override: bool = False

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "review": self.review_id,
            "scorecard": self.scorecard,
            "reviewee": self.reviewee_id,
            "reviewee_name": self.reviewee_name,
            "score": None if self.calibration else self.score,
        }
        if self.message is not None:
            data["reply"] = self.message.pk
        if self.calibration:
            data["calibration"] = True
        if self.override:
            data["override"] = True
        return data

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        values = {
            "scorecard": str(data.get("scorecard", ""))[:100],
            "agent": _agent(data, names),
            "score": _score(data.get("score")),
        }
        if data.get("calibration"):
            return _("Calibration review (%(scorecard)s) of %(agent)s's work") % values
        if data.get("override"):
            return (
                _("Review replacing the coach's (%(scorecard)s): %(agent)s %(score)s/100") % values
            )
        if data.get("reply"):
            return _("Reply reviewed (%(scorecard)s): %(agent)s %(score)s/100") % values
        return _("Conversation reviewed (%(scorecard)s): %(agent)s %(score)s/100") % values


@dataclass(frozen=True, kw_only=True)
class CoachReviewed(TicketChange):
    """The coach reviewed ``reviewee_id``'s replies in the solved conversation automatically."""

    kind = "qa_coach"
    label = gettext_lazy("The coach reviewed the conversation")
    review_id: int
    scorecard: str
    reviewee_id: int | None
    reviewee_name: str
    score: float | None
    coach_version: str
    again: bool = False

    def data(self) -> dict[str, Any]:
        return {
            "review": self.review_id,
            "scorecard": self.scorecard,
            "reviewee": self.reviewee_id,
            "reviewee_name": self.reviewee_name,
            "score": self.score,
            "coach_version": self.coach_version,
            "again": self.again,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        values = {
            "scorecard": str(data.get("scorecard", ""))[:100],
            "agent": _agent(data, names),
            "score": _score(data.get("score")),
        }
        if data.get("again"):
            return _("The coach reviewed again (%(scorecard)s): %(agent)s %(score)s/100") % values
        return _("The coach reviewed (%(scorecard)s): %(agent)s %(score)s/100") % values


@dataclass(frozen=True, kw_only=True)
class ReviewDisputed(TicketChange):
    """``by`` (the reviewed agent) disputes review ``review_id``."""

    kind = "qa_dispute"
    label = gettext_lazy("Review disputed")
    review_id: int
    dispute_id: int
    reason: str

    def data(self) -> dict[str, Any]:
        return {"review": self.review_id, "dispute": self.dispute_id, "reason": self.reason[:500]}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Review disputed: %(reason)s") % {"reason": str(data.get("reason", ""))[:300]}


@dataclass(frozen=True, kw_only=True)
class DisputeResolved(TicketChange):
    """A lead decided a dispute: ``upheld`` withdraws the review, otherwise it stands."""

    kind = "qa_dispute_done"
    label = gettext_lazy("Dispute decided")
    review_id: int
    dispute_id: int
    upheld: bool
    resolution: str

    def data(self) -> dict[str, Any]:
        return {
            "review": self.review_id,
            "dispute": self.dispute_id,
            "upheld": self.upheld,
            "resolution": self.resolution[:500],
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        note = str(data.get("resolution", ""))[:300]
        if data.get("upheld"):
            return _("Dispute upheld, review withdrawn: %(note)s") % {"note": note}
        return _("Dispute rejected, review stands: %(note)s") % {"note": note}
