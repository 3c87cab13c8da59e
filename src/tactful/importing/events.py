"""What an import adds to a ticket's timeline: where the ticket came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange

#: How each source is named on the timeline.
SOURCE_NAMES = {
    "zendesk": "Zendesk",
    "freshdesk": "Freshdesk",
    "helpscout": "Help Scout",
    "csv": "CSV",
    "jsonl": "JSONL",
}


@dataclass(frozen=True, kw_only=True)
class TicketImported(TicketChange):
    """The ticket was imported (history only: written with ``record_history``, never emitted)."""

    kind = "imported"
    label = gettext_lazy("Imported from another help desk")
    source: str
    number: str
    run_id: int | None = None

    def data(self) -> dict[str, Any]:
        return {"source": self.source, "number": self.number, "run": self.run_id}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        source = str(data.get("source", ""))
        return _("Imported from %(source)s (ticket %(number)s)") % {
            "source": SOURCE_NAMES.get(source, source[:40]),
            "number": str(data.get("number", ""))[:100],
        }
