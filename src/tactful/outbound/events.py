"""What delivery adds to a ticket's timeline: a reply that did not arrive, and a resend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange
from tactful.tickets.models import EventKind


@dataclass(frozen=True, kw_only=True)
class DeliveryFailed(TicketChange):
    """The reply ``message`` could not be delivered (``error`` ``"uncertain"``: a worker died
    while sending, so it may or may not have arrived)."""

    kind = EventKind.DELIVERY_FAILED.value
    label = gettext_lazy("Reply could not be delivered")
    error: str
    attempts: int | None = None

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"error": self.error[:300]}
        if self.attempts is not None:
            data["attempts"] = self.attempts
        return data

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("error") == "uncertain":
            return _("A reply may not have been delivered (the worker stopped while sending)")
        return _("A reply could not be delivered: %(error)s") % {
            "error": str(data.get("error", ""))[:200]
        }


@dataclass(frozen=True, kw_only=True)
class ReplyResent(TicketChange):
    """An agent sent the reply ``message`` again by hand."""

    kind = EventKind.RESENT.value
    label = gettext_lazy("Reply sent again")

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("A reply was sent again by hand")
