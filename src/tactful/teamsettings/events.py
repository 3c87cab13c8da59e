"""The timeline entry for custom ticket fields set on the ticket page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange


@dataclass(frozen=True, kw_only=True)
class CustomFieldsChanged(TicketChange):
    """Agents set (or cleared) custom fields; ``changes`` maps each name to its new value."""

    kind = "custom_fields"
    label = gettext_lazy("Custom fields changed")
    changes: dict[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"changes": dict(self.changes)}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        changes = data.get("changes")
        if not isinstance(changes, dict) or not changes:
            return str(cls.label)
        parts = [f"{name} = {str(value)[:80] or '—'}" for name, value in list(changes.items())[:8]]
        return _("Custom fields: %(changes)s") % {"changes": "; ".join(parts)}
