"""What automation adds to a ticket's timeline: a rule acted, a conversation was handed over."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.automation.defaults import rule_label
from tactful.tickets.events import Names, TicketChange
from tactful.tickets.models import EventKind


@dataclass(frozen=True, kw_only=True)
class RuleFired(TicketChange):
    """Rule ``rule_id`` acted on the ticket for ``trigger`` (``actions``: what it did, in
    words, in the language active when it ran)."""

    kind = EventKind.RULE_FIRED.value
    label = gettext_lazy("Automation rule applied")
    rule_id: int
    rule_name: str
    trigger: str
    actions: Sequence[str]

    def data(self) -> dict[str, Any]:
        return {
            "rule": self.rule_name,
            "rule_id": self.rule_id,
            "actions": list(self.actions),
            "trigger": self.trigger,
            "message": self.message.pk if self.message is not None else None,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        # A shipped rule's stored name is English: it reads in the reader's language. (The
        # actions are words in the language active when the rule ran.)
        return _("Rule “%(rule)s”: %(actions)s") % {
            "rule": rule_label(str(data.get("rule", ""))[:100]),
            "actions": ", ".join(str(a) for a in data.get("actions", []))[:300],
        }


@dataclass(frozen=True, kw_only=True)
class HandedOver(TicketChange):
    """``by`` handed the conversation to ``to_id`` with a note (``message`` is the note)."""

    kind = EventKind.HANDED_OVER.value
    label = gettext_lazy("Conversation handed over")
    previous_id: int | None
    to_id: int
    to_name: str
    note: str

    def data(self) -> dict[str, Any]:
        return {
            "from": self.previous_id,
            "to": self.to_id,
            "to_name": self.to_name,
            "note": self.note,
            "by": self.by.pk if self.by is not None else None,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Handed over to %(to)s: %(note)s") % {
            "to": str(data.get("to_name", data.get("to", ""))),
            "note": str(data.get("note", ""))[:300],
        }
