"""What every reader turns another desk's export into: plain, validated values, one per record.

Readers know a product's format; the importer (:mod:`tactful.importing.services`) knows the
desk. Between them sit these frozen values, already checked (lengths, dates, kinds), so a
record that reaches the importer can be written, and one that cannot becomes a
:class:`Refusal` with its place in the file and the reason, and never stops the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PersonRole = Literal["customer", "agent"]
MessageKindName = Literal["in", "out", "note"]


@dataclass(frozen=True)
class Person:
    """A customer or an agent as the source knows them; ``key`` is the source's id for them."""

    key: str
    role: PersonRole = "customer"
    name: str = ""
    email: str = ""
    language: str = ""
    #: Other ways to reach a customer: ``(channel, handle)`` pairs (phone, social handle…).
    identities: tuple[tuple[str, str], ...] = ()
    notes: str = ""
    created_at: datetime | None = None
    #: Agents only: their login, role (agent/lead/admin), interface language and team names.
    username: str = ""
    agent_role: str = ""
    teams: tuple[str, ...] = ()
    #: Named by id only, defined elsewhere in the export or by an earlier import: it must
    #: exist (a described person who is new is created instead).
    reference: bool = False

    @property
    def described(self) -> bool:
        return not self.reference


@dataclass(frozen=True)
class AttachmentRecord:
    """A file sent with a message: its bytes when the export has them, else where it was."""

    filename: str
    content_type: str = ""
    size: int = 0
    content: bytes | None = None
    #: The source's link to the file (vendor exports carry links, not files).
    url: str = ""


@dataclass(frozen=True)
class MessageRecord:
    """One turn of a conversation: from the customer (``in``), a reply (``out``) or a note."""

    key: str
    kind: MessageKindName
    body: str
    created_at: datetime
    #: Who wrote it; ``None`` for a customer message means the ticket's customer, for a
    #: reply or note the source's system (Tactful shows it as written by nobody in person).
    author: Person | None = None
    channel: str = ""
    external_id: str = ""
    attachments: tuple[AttachmentRecord, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    review: dict[str, Any] | None = None
    #: The message as the source had it, when ``body`` is a cleaned version (a reply's HTML).
    original_body: str = ""


@dataclass(frozen=True)
class TicketRecord:
    """One conversation with everything the export says about it."""

    key: str
    #: Where the record is in the export, for messages: ``tickets.json line 12``.
    location: str
    subject: str
    status: str
    priority: int
    channel: str
    language: str
    customer: Person
    created_at: datetime
    updated_at: datetime | None = None
    solved_at: datetime | None = None
    first_response_at: datetime | None = None
    tags: tuple[str, ...] = ()
    team: str = ""
    assignee: Person | None = None
    messages: tuple[MessageRecord, ...] = ()
    custom_fields: dict[str, Any] = field(default_factory=dict)
    #: The number people knew the ticket by in the source (shown on the timeline).
    number: str = ""
    #: Things the reader had to guess or leave out, counted in the summary
    #: (``"requester missing from the export's users"``).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerRecord:
    """A customer listed on their own (the generic format), with or without tickets."""

    person: Person
    location: str


@dataclass(frozen=True)
class AgentRecord:
    """An agent listed on their own (the generic format)."""

    person: Person
    location: str


@dataclass(frozen=True)
class TeamRecord:
    """A team listed on its own (the generic format)."""

    name: str
    location: str
    description: str = ""


@dataclass(frozen=True)
class Refusal:
    """A record that cannot be imported: where it is, its id when known, and why."""

    location: str
    reason: str
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.location} (id {self.key})" if self.key else self.location
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Skip:
    """A record left out on purpose (deleted or spam in the source): counted, not refused."""

    location: str
    reason: str
    key: str = ""


Record = TicketRecord | CustomerRecord | AgentRecord | TeamRecord | Refusal | Skip
