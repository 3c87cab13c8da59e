"""Freshdesk exports: API v2 responses saved to files.

What it reads (a file, or a folder of them): tickets as the API returns them (a JSON array
from ``GET /api/v2/tickets``, one ticket from ``GET /api/v2/tickets/[id]?include=
conversations,requester``, or one ticket per line), their conversations (embedded, or an
array from ``GET /api/v2/tickets/[id]/conversations``: each carries ``ticket_id``), and
contacts, agents and groups as arrays. Statuses (2 open, 3 pending, 4 resolved, 5 closed),
priorities (1 low … 4 urgent) and sources (1 e-mail, 2 portal, 3 phone, 7 chat, 9 feedback
widget, 10 outbound e-mail…) are mapped as Freshdesk's API reference documents them; a
custom status (6 and above) is treated as pending. Attachments are links
(``attachment_url``; they expire, and Tactful fetches nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from tactful.customers.models import Channel
from tactful.importing import values
from tactful.importing.readers.base import Reader, guarded, listing, mapping, size, sub
from tactful.importing.records import (
    AttachmentRecord,
    MessageRecord,
    Person,
    Record,
    Refusal,
    Skip,
    TicketRecord,
)
from tactful.tickets.models import Priority, Status

STATUSES: dict[Any, str] = {2: Status.OPEN, 3: Status.PENDING, 4: Status.SOLVED, 5: Status.CLOSED}
PRIORITIES: dict[Any, int] = {
    1: Priority.LOW,
    2: Priority.NORMAL,
    3: Priority.HIGH,
    4: Priority.URGENT,
}
SOURCES: dict[Any, str] = {
    1: Channel.EMAIL,
    2: Channel.WEB,
    3: Channel.PHONE,
    4: Channel.FORUM,
    5: Channel.SOCIAL,
    6: Channel.SOCIAL,
    7: Channel.CHAT,
    8: Channel.API,
    9: Channel.WEB,
    10: Channel.EMAIL,
}
OUTBOUND_EMAIL = 10


def _kind_of(obj: dict[str, Any]) -> str:
    if "subject" in obj and ("requester_id" in obj or "status" in obj):
        return "ticket"
    if "ticket_id" in obj and ("incoming" in obj or "body" in obj or "body_text" in obj):
        return "conversation"
    if isinstance(obj.get("contact"), dict):
        return "agent"
    if "agent_ids" in obj or ("name" in obj and "unassigned_for" in obj):
        return "group"
    if "email" in obj or "phone" in obj or "mobile" in obj:
        return "contact"
    return ""


class FreshdeskReader(Reader):
    source = "freshdesk"
    default_namespace = "freshdesk"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.contacts: dict[str, dict[str, Any]] = {}
        self.agents: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, str] = {}
        self.conversations: dict[str, list[dict[str, Any]]] = {}
        self.problems: list[Refusal] = []
        self.tickets = 0
        self._indexed = False

    def _objects(self, value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
        items = value if isinstance(value, list) else [value]
        for n, item in enumerate(items, start=1):
            if isinstance(item, dict):
                yield n, item

    def _index(self) -> None:
        if self._indexed:
            return
        self._indexed = True
        for path in self.files():
            for _location, value in self.values_in(path):
                if isinstance(value, Refusal):
                    self.problems.append(value)
                    continue
                for _n, obj in self._objects(value):
                    kind = _kind_of(obj)
                    if kind == "ticket":
                        self.tickets += 1
                    elif kind == "conversation":
                        self.conversations.setdefault(str(obj["ticket_id"]), []).append(obj)
                    elif kind == "contact" and "id" in obj:
                        self.contacts[str(obj["id"])] = obj
                    elif kind == "agent" and "id" in obj:
                        self.agents[str(obj["id"])] = obj
                    elif kind == "group" and "id" in obj:
                        self.groups[str(obj["id"])] = str(obj.get("name") or "")

    def count(self) -> int:
        self._index()
        return self.tickets + len(self.problems)

    def records(self) -> Iterator[Record]:
        self._index()
        yield from self.problems
        for path in self.files():
            for location, value in self.values_in(path):
                if isinstance(value, Refusal):
                    continue
                many = isinstance(value, list)
                for n, obj in self._objects(value):
                    if _kind_of(obj) != "ticket":
                        continue
                    where = f"{location} item {n}" if many else location
                    key = str(obj.get("id", ""))[:100]
                    if obj.get("deleted") or obj.get("spam"):
                        yield Skip(where, "tickets deleted or marked spam in the source", key)
                        continue
                    yield guarded(where, key, partial(self._build, where, obj))

    def _contact(self, contact_id: Any, embedded: Any, warnings: list[str]) -> Person:
        contact: dict[str, Any] | None
        listed = self.contacts.get(str(contact_id if contact_id is not None else ""))
        if isinstance(embedded, dict):
            contact = {**(listed or {}), **{k: v for k, v in embedded.items() if v is not None}}
        else:
            contact = listed
        if contact is None:
            warnings.append("requester missing from the export's contacts (imported without name)")
            return Person(key=values.key(contact_id, what="requester_id"))
        email = values.text(contact.get("email"), limit=254, what="contact e-mail").strip()
        identities = [(Channel.EMAIL.value, email)] if email else []
        for field in ("phone", "mobile"):
            phone = values.text(contact.get(field), limit=64, what=field).strip()
            if phone:
                identities.append((Channel.PHONE.value, phone))
        twitter = values.text(contact.get("twitter_id"), limit=100, what="twitter_id").strip()
        if twitter:
            identities.append((Channel.SOCIAL.value, "@" + twitter.lstrip("@")))
        return Person(
            key=values.key(contact.get("id", contact_id), what="contact id"),
            name=values.short_text(contact.get("name"), limit=values.MAX_NAME, what="name"),
            email=email,
            language=values.language(contact.get("language")),
            identities=tuple(dict.fromkeys(identities)),
            created_at=values.optional_when(contact.get("created_at"), naive_zone=self.naive_zone),
        )

    def _agent(self, agent_id: Any) -> Person | None:
        if agent_id is None:
            return None
        agent = self.agents.get(str(agent_id))
        if agent is None:
            return Person(key=values.key(agent_id, what="agent id"), role="agent", reference=True)
        contact = sub(agent, "contact")
        return Person(
            key=values.key(agent.get("id"), what="agent id"),
            role="agent",
            name=values.short_text(contact.get("name"), limit=values.MAX_NAME, what="name"),
            email=values.text(contact.get("email"), limit=254, what="agent e-mail").strip(),
            language=values.text(contact.get("language"), limit=10)[:2],
        )

    def _build(self, location: str, obj: dict[str, Any]) -> TicketRecord:
        zone = self.naive_zone
        ticket_key = values.key(obj.get("id"), what="ticket id")
        warnings: list[str] = []
        requester_id = obj.get("requester_id")
        if requester_id is None and not isinstance(obj.get("requester"), dict):
            raise values.RecordError("requester_id is missing")
        customer = self._contact(requester_id, obj.get("requester"), warnings)
        status_code = obj.get("status")
        if isinstance(status_code, int) and status_code >= 6:
            warnings.append("custom status (imported as pending)")
            status = Status.PENDING.value
        else:
            status = values.status(status_code, table=STATUSES)
        source = obj.get("source")
        channel = SOURCES.get(source, Channel.API)
        created = values.when(obj.get("created_at"), naive_zone=zone, what="created_at")
        responder = self._agent(obj.get("responder_id"))
        if responder is not None and responder.reference:
            warnings.append("agent missing from the export's agents (left unassigned)")
            responder = None
        messages: list[MessageRecord] = []
        description = obj.get("description") or obj.get("description_text")
        if description:
            outbound = source == OUTBOUND_EMAIL
            text, original = (
                values.reply_body(
                    plain=obj.get("description_text"),
                    html=obj.get("description"),
                    what="description",
                )
                if outbound
                else (values.body(description, what="description"), "")
            )
            messages.append(
                MessageRecord(
                    key=f"{ticket_key}:description",
                    kind="out" if outbound else "in",
                    body=text,
                    original_body=original,
                    created_at=created,
                    author=responder if outbound else None,
                    channel=channel,
                    attachments=self._attachments(obj.get("attachments")),
                )
            )
        conversations = obj.get("conversations")
        if conversations is None:
            conversations = self.conversations.get(ticket_key, [])
        conversations = listing(conversations, "conversations")
        if len(conversations) > values.MAX_MESSAGES:
            raise values.RecordError(f"{len(conversations):,} conversations (too many)")
        for n, item in enumerate(conversations, start=1):
            messages.append(self._conversation(mapping(item, "conversation"), n, channel, warnings))
        stats = sub(obj, "stats")
        custom = obj.get("custom_fields") or {}
        group = self.groups.get(str(obj.get("group_id")), "") if obj.get("group_id") else ""
        return TicketRecord(
            key=ticket_key,
            location=location,
            subject=values.short_text(obj.get("subject"), limit=values.MAX_SUBJECT),
            status=status,
            priority=values.priority(obj.get("priority"), table=PRIORITIES),
            channel=channel,
            language=customer.language or "und",
            customer=customer,
            created_at=created,
            updated_at=values.optional_when(obj.get("updated_at"), naive_zone=zone),
            solved_at=values.optional_when(
                stats.get("resolved_at") or stats.get("closed_at"), naive_zone=zone
            ),
            first_response_at=values.optional_when(
                stats.get("first_responded_at"), naive_zone=zone
            ),
            tags=values.tags(obj.get("tags")),
            team=values.short_text(group, limit=100),
            assignee=responder,
            messages=tuple(messages),
            custom_fields={
                k: v for k, v in mapping(custom, "custom_fields").items() if v is not None
            },
            number=ticket_key,
            warnings=tuple(dict.fromkeys(warnings)),
        )

    def _attachments(self, value: Any) -> tuple[AttachmentRecord, ...]:
        return tuple(
            AttachmentRecord(
                filename=values.safe_filename(a.get("name") or ""),
                content_type=values.text(a.get("content_type"), limit=100),
                size=size(a.get("size")),
                url=values.text(a.get("attachment_url"), limit=2000),
            )
            for a in (mapping(x, "attachment") for x in listing(value, "attachments"))
        )

    def _conversation(
        self, obj: dict[str, Any], position: int, channel: str, warnings: list[str]
    ) -> MessageRecord:
        what = f"conversation {position}"
        if obj.get("private"):
            kind = "note"
        elif obj.get("incoming"):
            kind = "in"
        else:
            kind = "out"
        author: Person | None = None
        if kind == "in":
            if obj.get("user_id") is not None and str(obj["user_id"]) in self.contacts:
                author = self._contact(obj["user_id"], None, warnings)
        else:
            author = self._agent(obj.get("user_id"))
            if author is not None and author.reference:
                warnings.append("conversation author missing from the export's agents")
                author = None
        if kind == "in":
            text, original = values.body(obj.get("body") or obj.get("body_text"), what=what), ""
        else:
            text, original = values.reply_body(
                plain=obj.get("body_text"), html=obj.get("body"), what=what
            )
        metadata: dict[str, Any] = {}
        for field in ("from_email", "to_emails", "cc_emails", "support_email"):
            if obj.get(field):
                metadata[field] = obj[field]
        return MessageRecord(
            key=values.key(obj.get("id"), what=f"{what} id"),
            kind=kind,  # type: ignore[arg-type]
            body=text,
            original_body=original,
            created_at=values.when(obj.get("created_at"), naive_zone=self.naive_zone, what=what),
            author=author,
            channel=channel,
            attachments=self._attachments(obj.get("attachments")),
            metadata=metadata,
        )
