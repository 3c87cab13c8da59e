"""Video calls on the ticket's timeline: offered, accepted or declined, connected, ended.

Each sentence is written whole for each side (not "by %(side)s"): Russian and Spanish inflect
"by the visitor" differently from the word alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange


def _duration(seconds: Any) -> str:
    """``3 min 05 s`` / ``42 s``: short enough for a timeline line, exact to the second."""
    total = int(seconds) if isinstance(seconds, int | float) and seconds > 0 else 0
    minutes, rest = divmod(total, 60)
    if minutes:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": rest}
    return _("%(s)d s") % {"s": rest}


@dataclass(frozen=True, kw_only=True)
class CallOffered(TicketChange):
    """One side of a chat offered a video call (``by``: the agent, or ``None`` for the visitor)."""

    kind = "call_offered"
    label = gettext_lazy("Video call offered")
    call_id: int
    side: str
    video: bool = True

    def data(self) -> dict[str, Any]:
        return {"call": self.call_id, "side": self.side, "video": self.video}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("side") == "visitor":
            return _("Video call offered by the visitor")
        return _("Video call offered by the agent")


@dataclass(frozen=True, kw_only=True)
class CallAccepted(TicketChange):
    """The other side accepted; ``recording`` is the visitor's answer when the team asked."""

    kind = "call_accepted"
    label = gettext_lazy("Video call accepted")
    call_id: int
    side: str
    recording: str = ""

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"call": self.call_id, "side": self.side}
        if self.recording:
            data["recording"] = self.recording
        return data

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("side") == "visitor":
            text = _("Video call accepted by the visitor")
        else:
            text = _("Video call accepted by the agent")
        if data.get("recording") == "agreed":
            text += " " + _("(the visitor agreed to recording)")
        elif data.get("recording") == "refused":
            text += " " + _("(the visitor refused recording: not recorded)")
        return text


@dataclass(frozen=True, kw_only=True)
class CallDeclined(TicketChange):
    kind = "call_declined"
    label = gettext_lazy("Video call declined")
    call_id: int
    side: str

    def data(self) -> dict[str, Any]:
        return {"call": self.call_id, "side": self.side}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("side") == "visitor":
            return _("Video call declined by the visitor")
        return _("Video call declined by the agent")


@dataclass(frozen=True, kw_only=True)
class CallStarted(TicketChange):
    """Media flows between the two browsers (the first time the connection came up)."""

    kind = "call_started"
    label = gettext_lazy("Video call connected")
    call_id: int

    def data(self) -> dict[str, Any]:
        return {"call": self.call_id}


@dataclass(frozen=True, kw_only=True)
class CallEnded(TicketChange):
    """The call is over: how, after how long, and who took part.

    ``participants`` keeps the names as they were (the agent's and the visitor's), so the
    timeline reads the same after a rename. ``ended_by`` is ``""`` when Tactful ended it.
    """

    kind = "call_ended"
    label = gettext_lazy("Video call ended")
    call_id: int
    reason: str
    ended_by: str
    duration_seconds: int
    participants: list[str] = field(default_factory=list)
    screen_shared: bool = False
    ice_restarts: int = 0
    signalling_messages: int = 0

    def data(self) -> dict[str, Any]:
        return {
            "call": self.call_id,
            "reason": self.reason,
            "ended_by": self.ended_by,
            "duration": self.duration_seconds,
            "participants": list(self.participants),
            "screen_shared": self.screen_shared,
            "ice_restarts": self.ice_restarts,
            "signalling": self.signalling_messages,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        reason = data.get("reason")
        who = ", ".join(str(name) for name in data.get("participants", []) if name)
        if reason == "unanswered":
            return _("Video call not answered")
        if reason == "cancelled":
            return _("Video call cancelled before an answer")
        text = _("Video call ended after %(duration)s") % {
            "duration": _duration(data.get("duration"))
        }
        if who:
            text += " — " + who
        if reason == "lost":
            text += " " + _("(connection lost)")
        elif reason == "failed":
            text += " " + _("(could not connect)")
        elif data.get("ended_by") == "visitor":
            text += " " + _("(hung up by the visitor)")
        elif data.get("ended_by") == "agent":
            text += " " + _("(hung up by the agent)")
        if data.get("screen_shared"):
            text += " · " + _("the visitor shared their screen")
        return text
