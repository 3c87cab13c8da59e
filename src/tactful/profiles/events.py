"""What a merge of two customers writes on each ticket that moved, and what its undo writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.tickets.events import Names, TicketChange


@dataclass(frozen=True, kw_only=True)
class CustomerMerged(TicketChange):
    """The ticket's customer was merged into another customer (the ticket moved with them)."""

    kind = "customer_merged"
    label = gettext_lazy("Customers merged")
    merge_id: int
    from_customer: int
    to_customer: int

    def data(self) -> dict[str, Any]:
        return {"merge": self.merge_id, "from": self.from_customer, "to": self.to_customer}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Customer #%(from)s merged into customer #%(to)s") % {
            "from": str(data.get("from", "?"))[:20],
            "to": str(data.get("to", "?"))[:20],
        }


@dataclass(frozen=True, kw_only=True)
class CustomerMergeUndone(TicketChange):
    """A merge was undone: the ticket is back with the customer it came from."""

    kind = "customer_unmerge"
    label = gettext_lazy("Customer merge undone")
    merge_id: int
    from_customer: int
    to_customer: int

    def data(self) -> dict[str, Any]:
        return {"merge": self.merge_id, "from": self.from_customer, "to": self.to_customer}

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        return _("Merge undone: back with customer #%(from)s (was #%(to)s)") % {
            "from": str(data.get("from", "?"))[:20],
            "to": str(data.get("to", "?"))[:20],
        }


@dataclass(frozen=True, kw_only=True)
class CustomerBlockChanged(TicketChange):
    """A lead blocked, suspended or lifted the block on the ticket's customer."""

    kind = "customer_block"
    label = gettext_lazy("Customer blocked or unblocked")
    block_id: int
    block_kind: str
    lifted: bool = False
    until: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "block": self.block_id,
            "kind": self.block_kind,
            "lifted": self.lifted,
            "until": self.until,
        }

    @classmethod
    def describe(cls, data: dict[str, Any], names: Names) -> str:
        if data.get("lifted"):
            return _("The block on this customer was lifted")
        if data.get("kind") == "suspend":
            return _("Customer suspended until %(until)s") % {
                "until": str(data.get("until", "?"))[:40]
            }
        return _("Customer blocked until a lead lifts it")
