"""What playbooks add to a ticket's timeline: a step ticked off (or un-ticked), a playbook done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange

#: Characters of a step's text kept in the event (enough to recognise it on the timeline).
STEP_TEXT_CHARS = 160


@dataclass(frozen=True, kw_only=True)
class PlaybookStepChecked(TicketChange):
    """An agent ticked step ``number`` of a playbook off on this ticket (``done`` False: they
    un-ticked it). The ticket's progress through a playbook is the latest of these per step."""

    kind = "playbook_step"
    label = gettext_lazy("Playbook step")
    playbook_id: int
    playbook: str
    version: int
    number: int
    text: str
    done: bool

    def data(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook_id,
            "name": self.playbook,
            "version": self.version,
            "step": self.number,
            "text": self.text[:STEP_TEXT_CHARS],
            "done": self.done,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        values = {
            "name": str(data.get("name", ""))[:120],
            "n": data.get("step", "?"),
            "text": str(data.get("text", ""))[:STEP_TEXT_CHARS],
        }
        if data.get("done"):
            return _("“%(name)s”: step %(n)s done (%(text)s)") % values
        return _("“%(name)s”: step %(n)s not done after all (%(text)s)") % values


@dataclass(frozen=True, kw_only=True)
class PlaybookCompleted(TicketChange):
    """The last open step of a playbook was ticked off on this ticket."""

    kind = "playbook_done"
    label = gettext_lazy("Playbook completed")
    playbook_id: int
    playbook: str
    version: int
    steps: int

    def data(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook_id,
            "name": self.playbook,
            "version": self.version,
            "steps": self.steps,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Playbook “%(name)s” completed (%(steps)s steps)") % {
            "name": str(data.get("name", ""))[:120],
            "steps": data.get("steps", "?"),
        }
