"""Help Scout exports: Mailbox API 2.0 responses saved to files.

What it reads (a file, or a folder of them): conversation pages
(``{"_embedded": {"conversations": [...]}}`` from ``GET /v2/conversations?embed=threads``),
single conversations, conversations one per line, thread pages
(``{"_embedded": {"threads": [...]}}`` saved as ``<conversation id>.json``), and customers,
users and mailboxes pages. Statuses: ``active`` → open, ``pending`` → pending, ``closed``
→ solved (a closed conversation reopens when the customer writes), ``spam`` and drafts or
deleted conversations are skipped. Thread types: ``customer`` → from the customer,
``message`` → reply, ``note``/``phone``/forwards → internal note, ``chat`` by who wrote it,
``lineitem`` (the desk's own log lines) left out. Help Scout has no priority (normal). A
mailbox becomes the team of the same name. Attachments are links.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
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
from tactful.tickets.models import Status

STATUSES: dict[Any, str] = {
    "active": Status.OPEN,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "closed": Status.SOLVED,
}
CHANNELS = {"email": Channel.EMAIL, "chat": Channel.CHAT, "phone": Channel.PHONE}
SOURCE_CHANNELS = {"web": Channel.WEB, "api": Channel.API, "beacon-v2": Channel.CHAT}
NOTE_TYPES = {"note", "phone", "forwardparent", "forwardchild"}
BY_AUTHOR_TYPES = {"chat", "beaconchat"}
LEFT_OUT_TYPES = {"lineitem"}


def _name(obj: dict[str, Any]) -> str:
    first = obj.get("first") or obj.get("firstName") or ""
    last = obj.get("last") or obj.get("lastName") or ""
    return f"{first} {last}".strip()


def _email(obj: dict[str, Any]) -> str:
    if obj.get("email"):
        return str(obj["email"])
    emails = sub(obj, "_embedded").get("emails") or obj.get("emails") or []
    for item in emails:
        if isinstance(item, dict) and item.get("value"):
            return str(item["value"])
        if isinstance(item, str):
            return item
    return ""


class HelpScoutReader(Reader):
    source = "helpscout"
    default_namespace = "helpscout"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.customers: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.mailboxes: dict[str, str] = {}
        self.threads: dict[str, list[dict[str, Any]]] = {}
        self.problems: list[Refusal] = []
        self.conversations = 0
        self._indexed = False

    def _index(self) -> None:
        if self._indexed:
            return
        self._indexed = True
        for path in self.files():
            for location, value in self.values_in(path):
                if isinstance(value, Refusal):
                    self.problems.append(value)
                    continue
                self._index_value(path, location, value)

    def _index_value(self, path: Path, location: str, value: Any) -> None:
        if not isinstance(value, dict):
            return
        embedded = sub(value, "_embedded")
        if "threads" in embedded and "conversations" not in embedded and "subject" not in value:
            conversation_id = value.get("conversationId")
            if conversation_id is None:
                digits = re.findall(r"\d+", path.stem)
                conversation_id = digits[-1] if digits else None
            if conversation_id is None:
                self.problems.append(
                    Refusal(location, "threads without a conversation id (name the file <id>.json)")
                )
                return
            self.threads.setdefault(str(conversation_id), []).extend(
                t for t in embedded["threads"] if isinstance(t, dict)
            )
            return
        for item in embedded.get("customers") or []:
            if isinstance(item, dict) and "id" in item:
                self.customers[str(item["id"])] = item
        for item in embedded.get("users") or []:
            if isinstance(item, dict) and "id" in item:
                self.users[str(item["id"])] = item
        for item in embedded.get("mailboxes") or []:
            if isinstance(item, dict) and "id" in item:
                self.mailboxes[str(item["id"])] = str(item.get("name") or "")
        self.conversations += len(embedded.get("conversations") or [])
        if "subject" in value and "id" in value:
            self.conversations += 1

    def count(self) -> int:
        self._index()
        return self.conversations + len(self.problems)

    def records(self) -> Iterator[Record]:
        self._index()
        yield from self.problems
        for path in self.files():
            for location, value in self.values_in(path):
                if not isinstance(value, dict):
                    continue
                embedded = sub(value, "_embedded")
                if "subject" in value and "id" in value:
                    yield self._conversation(location, value)
                for n, item in enumerate(embedded.get("conversations") or [], start=1):
                    if isinstance(item, dict):
                        yield self._conversation(f"{location} conversation {n}", item)

    def _conversation(self, location: str, obj: dict[str, Any]) -> Record:
        key = str(obj.get("id", ""))[:100]
        if obj.get("status") == "spam":
            return Skip(location, "conversations marked spam in the source", key)
        if obj.get("state") in {"draft", "deleted"}:
            return Skip(location, "draft or deleted conversations in the source", key)
        return guarded(location, key, lambda: self._build(location, obj))

    def _customer(self, obj: dict[str, Any] | None, warnings: list[str]) -> Person:
        if not isinstance(obj, dict) or obj.get("id") is None:
            raise values.RecordError("the conversation has no customer")
        known = self.customers.get(str(obj["id"]), {})
        merged = {**known, **{k: v for k, v in obj.items() if v not in (None, "")}}
        email = values.text(_email(merged), limit=254, what="customer e-mail").strip()
        if not email and not _name(merged):
            warnings.append("customer missing from the export (imported without name)")
        identities = [(Channel.EMAIL.value, email)] if email else []
        for phone in sub(merged, "_embedded").get("phones") or []:
            if isinstance(phone, dict) and phone.get("value"):
                identities.append((Channel.PHONE.value, str(phone["value"])[:64]))
        return Person(
            key=values.key(merged.get("id"), what="customer id"),
            name=values.short_text(_name(merged), limit=values.MAX_NAME, what="customer name"),
            email=email,
            language=values.language(merged.get("locale") or merged.get("language")),
            identities=tuple(dict.fromkeys(identities)),
        )

    def _user(self, obj: Any) -> Person | None:
        if not isinstance(obj, dict) or obj.get("id") is None:
            return None
        known = self.users.get(str(obj["id"]), {})
        merged = {**known, **{k: v for k, v in obj.items() if v not in (None, "")}}
        if merged.get("type") == "team":
            return None
        if not _email(merged) and not _name(merged):
            return Person(
                key=values.key(merged["id"], what="user id"), role="agent", reference=True
            )
        return Person(
            key=values.key(merged["id"], what="user id"),
            role="agent",
            name=values.short_text(_name(merged), limit=values.MAX_NAME, what="user name"),
            email=values.text(_email(merged), limit=254, what="user e-mail").strip(),
            agent_role="admin" if merged.get("role") in {"owner", "admin"} else "agent",
        )

    def _build(self, location: str, obj: dict[str, Any]) -> TicketRecord:
        zone = self.naive_zone
        ticket_key = values.key(obj.get("id"), what="conversation id")
        warnings: list[str] = []
        customer = self._customer(obj.get("primaryCustomer") or obj.get("customer"), warnings)
        source = sub(obj, "source")
        channel = SOURCE_CHANNELS.get(
            str(source.get("type", "")), CHANNELS.get(str(obj.get("type", "")), Channel.EMAIL)
        )
        embedded = sub(obj, "_embedded")
        threads = embedded.get("threads")
        if threads is None:
            threads = self.threads.get(ticket_key, [])
        threads = listing(threads, "threads")
        if len(threads) > values.MAX_MESSAGES:
            raise values.RecordError(f"{len(threads):,} threads (too many)")
        messages = []
        for n, thread in enumerate(threads, start=1):
            built = self._thread(mapping(thread, "thread"), n, channel, warnings)
            if built is not None:
                messages.append(built)
        messages.sort(key=lambda m: m.created_at)  # the API lists threads newest first
        assignee = self._user(obj.get("assignee"))
        if assignee is not None and assignee.reference:
            warnings.append("assignee missing from the export's users (left unassigned)")
            assignee = None
        custom = {}
        for field in listing(obj.get("customFields"), "customFields"):
            field = mapping(field, "custom field")
            if field.get("value") not in (None, ""):
                custom[str(field.get("name") or field.get("id"))] = (
                    field.get("text") or field["value"]
                )
        return TicketRecord(
            key=ticket_key,
            location=location,
            subject=values.short_text(obj.get("subject"), limit=values.MAX_SUBJECT),
            status=values.status(obj.get("status") or "active", table=STATUSES),
            priority=values.priority(None),
            channel=channel,
            language=customer.language or "und",
            customer=customer,
            created_at=values.when(obj.get("createdAt"), naive_zone=zone, what="createdAt"),
            updated_at=values.optional_when(obj.get("userUpdatedAt"), naive_zone=zone),
            solved_at=values.optional_when(obj.get("closedAt"), naive_zone=zone),
            tags=values.tags(obj.get("tags")),
            team=values.short_text(self.mailboxes.get(str(obj.get("mailboxId")), ""), limit=100),
            assignee=assignee,
            messages=tuple(messages),
            custom_fields=custom,
            number=str(obj.get("number") or ticket_key)[:100],
            warnings=tuple(dict.fromkeys(warnings)),
        )

    def _thread(
        self, obj: dict[str, Any], position: int, channel: str, warnings: list[str]
    ) -> MessageRecord | None:
        what = f"thread {position}"
        thread_type = str(obj.get("type") or "")
        if thread_type in LEFT_OUT_TYPES or obj.get("state") in {"draft", "hidden"}:
            return None
        created_by = sub(obj, "createdBy")
        by_customer = created_by.get("type") == "customer"
        if thread_type == "customer" or (thread_type in BY_AUTHOR_TYPES and by_customer):
            kind = "in"
        elif thread_type == "message" or thread_type in BY_AUTHOR_TYPES:
            kind = "out"
        elif thread_type in NOTE_TYPES:
            kind = "note"
        else:
            warnings.append(f"thread of unknown type {thread_type[:20]!r} (kept as a note)")
            kind = "note"
        author: Person | None = None
        if kind == "in":
            if created_by.get("id") is not None:
                author = self._customer(created_by, warnings)
        else:
            author = self._user(created_by) if not by_customer else None
            if author is not None and author.reference:
                author = None
        attachments = tuple(
            AttachmentRecord(
                filename=values.safe_filename(a.get("filename") or ""),
                content_type=values.text(a.get("mimeType"), limit=100),
                size=size(a.get("size")),
                url=values.text(
                    sub(sub(a, "_links"), "web").get("href")
                    or sub(sub(a, "_links"), "data").get("href"),
                    limit=2000,
                ),
            )
            for a in (
                mapping(x, "attachment")
                for x in listing(sub(obj, "_embedded").get("attachments"), "attachments")
            )
        )
        source = sub(obj, "source")
        if kind == "in":
            text, original = values.body(obj.get("body"), what=what), ""
        else:
            text, original = values.reply_body(plain=None, html=obj.get("body"), what=what)
        return MessageRecord(
            key=values.key(obj.get("id"), what=f"{what} id"),
            kind=kind,  # type: ignore[arg-type]
            body=text,
            original_body=original,
            created_at=values.when(obj.get("createdAt"), naive_zone=self.naive_zone, what=what),
            author=author,
            # Where the customer wrote from; a reply goes back the conversation's way.
            channel=SOURCE_CHANNELS.get(str(source.get("type", "")), channel)
            if kind == "in"
            else channel,
            attachments=attachments,
        )
