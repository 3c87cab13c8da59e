"""Tactful's generic format: JSON lines (what ``tactful export desk`` writes) and CSV.

JSON lines: one object per line, ``"type"`` one of ``team``, ``agent``, ``customer`` or
``ticket`` (the default); tickets carry their messages. CSV: one row per message, with the
ticket's fields repeated on each row. The README documents both.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from datetime import tzinfo
from functools import partial
from pathlib import Path
from typing import IO, Any

from tactful.customers.models import Channel
from tactful.importing import values
from tactful.importing.readers.base import (
    Reader,
    guarded,
    inline_attachment,
    listing,
    mapping,
)
from tactful.importing.records import (
    AgentRecord,
    CustomerRecord,
    MessageRecord,
    Person,
    Record,
    Refusal,
    TeamRecord,
    TicketRecord,
)

KINDS = {"in": "in", "out": "out", "note": "note", "incoming": "in", "reply": "out"}
AGENT_ROLES = {"agent", "lead", "admin"}


def channel(value: Any, *, default: str = Channel.API) -> str:
    if value is None or value == "":
        return default
    name = values.text(value, what="channel").strip().lower()
    if name not in Channel.values:
        raise values.RecordError(f"unknown channel {value!r}")
    return name


def email_identity(email: str) -> tuple[tuple[str, str], ...]:
    return ((Channel.EMAIL.value, email),) if email else ()


def _identities(value: Any) -> tuple[tuple[str, str], ...]:
    found = []
    for item in listing(value, "identities"):
        item = mapping(item, "identity")
        handle = values.text(item.get("handle"), limit=255, what="identity handle").strip()
        if handle:
            found.append((channel(item.get("channel")), handle))
    return tuple(sorted(set(found)))


def customer(obj: dict[str, Any], *, naive_zone: tzinfo) -> Person:
    email = values.text(obj.get("email"), limit=254, what="customer e-mail").strip()
    # Identities as listed; without the list, the e-mail address is the one way to reach them.
    identities = (
        _identities(obj["identities"])
        if obj.get("identities") is not None
        else email_identity(email)
    )
    return Person(
        key=values.key(obj.get("id"), what="customer id"),
        name=values.short_text(obj.get("name"), limit=values.MAX_NAME, what="customer name"),
        email=email,
        language=values.language(obj.get("language")),
        identities=identities,
        notes=values.text(obj.get("notes"), limit=100_000, what="customer notes"),
        created_at=values.optional_when(obj.get("created_at"), naive_zone=naive_zone),
    )


def agent(obj: dict[str, Any]) -> Person:
    role = values.text(obj.get("role") or "agent", what="agent role").strip().lower()
    if role not in AGENT_ROLES:
        raise values.RecordError(f"unknown agent role {role!r}")
    teams = tuple(
        values.short_text(t, limit=100, what="team") for t in listing(obj.get("teams"), "teams")
    )
    return Person(
        key=values.key(obj.get("id"), what="agent id"),
        role="agent",
        name=values.short_text(obj.get("name"), limit=values.MAX_NAME, what="agent name"),
        email=values.text(obj.get("email"), limit=254, what="agent e-mail").strip(),
        language=values.text(obj.get("language"), limit=2, what="agent language"),
        username=values.text(obj.get("username"), limit=150, what="username").strip(),
        agent_role=role,
        teams=tuple(t for t in teams if t),
    )


def _person_ref(value: Any, *, role: str, naive_zone: tzinfo) -> Person | None:
    """A customer or agent named by id (``"42"``: defined elsewhere) or described inline."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        if role == "agent":
            obj = dict(value)
            if obj.get("id") in (None, ""):
                obj["id"] = obj.get("email") or obj.get("username") or obj.get("name")
            return agent(obj)
        obj = dict(value)
        if obj.get("id") in (None, ""):
            obj["id"] = obj.get("email")
        return customer(obj, naive_zone=naive_zone)
    return Person(
        key=values.key(value, what=f"{role} id"),
        role=role,  # type: ignore[arg-type]
        reference=True,
    )


def message(
    obj: dict[str, Any], *, ticket_channel: str, naive_zone: tzinfo, folder: str, position: int
) -> MessageRecord:
    what = f"message {position}"
    kind = KINDS.get(str(obj.get("kind") or "in").lower())
    if kind is None:
        raise values.RecordError(f"{what}: unknown kind {obj.get('kind')!r}")
    attachments = tuple(
        inline_attachment(mapping(item, "attachment"), folder=folder, what=f"{what} attachment")
        for item in listing(obj.get("attachments"), "attachments")
    )
    metadata = obj.get("metadata") or {}
    review = obj.get("review")
    return MessageRecord(
        key=values.key(obj.get("id"), what=f"{what} id"),
        kind=kind,  # type: ignore[arg-type]
        body=values.body(obj.get("body"), what=f"{what} body"),
        created_at=values.when(obj.get("created_at"), naive_zone=naive_zone, what=f"{what} date"),
        author=_person_ref(
            obj.get("author"), role="customer" if kind == "in" else "agent", naive_zone=naive_zone
        ),
        channel=channel(obj.get("channel"), default=ticket_channel),
        external_id=values.text(obj.get("external_id"), limit=255, what=f"{what} external id"),
        attachments=attachments,
        metadata=mapping(metadata, f"{what} metadata"),
        review=mapping(review, f"{what} review") if review is not None else None,
        original_body=values.body(obj.get("original_body"), what=f"{what} original"),
    )


def ticket(obj: dict[str, Any], *, location: str, naive_zone: tzinfo, folder: str) -> TicketRecord:
    ticket_key = values.key(obj.get("id"), what="ticket id")
    ticket_channel = channel(obj.get("channel"))
    raw_messages = listing(obj.get("messages"), "messages")
    if len(raw_messages) > values.MAX_MESSAGES:
        raise values.RecordError(
            f"{len(raw_messages):,} messages (at most {values.MAX_MESSAGES:,})"
        )
    messages = tuple(
        message(
            mapping(item, f"message {n}"),
            ticket_channel=ticket_channel,
            naive_zone=naive_zone,
            folder=folder,
            position=n,
        )
        for n, item in enumerate(raw_messages, start=1)
    )
    who = _person_ref(obj.get("customer"), role="customer", naive_zone=naive_zone)
    if who is None:
        raise values.RecordError("the ticket has no customer")
    created = values.optional_when(obj.get("created_at"), naive_zone=naive_zone)
    if created is None:
        if not messages:
            raise values.RecordError("created_at is missing (and there are no messages)")
        created = min(m.created_at for m in messages)
    custom = obj.get("custom_fields") or {}
    return TicketRecord(
        key=ticket_key,
        location=location,
        subject=values.short_text(obj.get("subject"), limit=values.MAX_SUBJECT, what="subject"),
        status=values.status(obj.get("status") or "open"),
        priority=values.priority(obj.get("priority")),
        channel=ticket_channel,
        language=values.language(obj.get("language")),
        customer=who,
        created_at=created,
        updated_at=values.optional_when(obj.get("updated_at"), naive_zone=naive_zone),
        solved_at=values.optional_when(obj.get("solved_at"), naive_zone=naive_zone),
        first_response_at=values.optional_when(obj.get("first_response_at"), naive_zone=naive_zone),
        tags=values.tags(obj.get("tags")),
        team=values.short_text(obj.get("team"), limit=100, what="team"),
        assignee=_person_ref(obj.get("assignee"), role="agent", naive_zone=naive_zone),
        messages=messages,
        custom_fields=mapping(custom, "custom_fields"),
        number=ticket_key,
    )


class JsonLinesReader(Reader):
    """Tactful's generic JSON lines (``tactful export desk`` writes them)."""

    source = "jsonl"
    default_namespace = "generic"

    def count(self) -> int:
        total = 0
        for path in self.files():
            with path.open("rb") as handle:
                total += sum(1 for line in handle if line.strip())
        return total

    def records(self) -> Iterator[Record]:
        for path in self.files():
            for location, value in self.json_lines(path):
                if isinstance(value, Refusal):
                    yield value
                    continue
                yield self.record(value, location)

    def record(self, value: Any, location: str) -> Record:
        if not isinstance(value, dict):
            return Refusal(location, "a line must hold one JSON object")
        kind = value.get("type", "ticket")
        key = str(value.get("id", value.get("name", "")))[:100]
        zone = self.naive_zone
        if kind == "ticket":
            return guarded(
                location,
                key,
                lambda: ticket(value, location=location, naive_zone=zone, folder=self.folder),
            )
        if kind == "customer":
            return guarded(
                location, key, lambda: CustomerRecord(customer(value, naive_zone=zone), location)
            )
        if kind == "agent":
            return guarded(location, key, lambda: AgentRecord(agent(value), location))
        if kind == "team":
            return guarded(location, key, lambda: _team(value, location))
        return Refusal(location, f"unknown type {kind!r}", key)


def _team(value: dict[str, Any], location: str) -> TeamRecord:
    name = values.short_text(value.get("name"), limit=100, what="team name")
    if not name:
        raise values.RecordError("team name is missing")
    return TeamRecord(
        name=name,
        location=location,
        description=values.text(value.get("description"), limit=10_000, what="description"),
    )


# --- CSV ----------------------------------------------------------------------------------

#: The generic CSV's columns (one row per message; the ticket's fields on every row).
CSV_COLUMNS = (
    "ticket_id",
    "subject",
    "status",
    "priority",
    "channel",
    "language",
    "tags",
    "team",
    "assignee_email",
    "ticket_created_at",
    "customer_id",
    "customer_name",
    "customer_email",
    "customer_language",
    "message_id",
    "kind",
    "author_name",
    "author_email",
    "body",
    "created_at",
)
REQUIRED_CSV_COLUMNS = ("ticket_id", "body", "created_at")


class _Lines:
    """The file's lines decoded one by one, so a line in another encoding refuses only the
    row it belongs to; remembers which physical lines could not be decoded."""

    def __init__(self, handle: IO[bytes], encoding: str):
        self.handle = handle
        self.encoding = codecs.lookup(encoding).name
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.fallback = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.number = 0
        self.bad: dict[int, str] = {}

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.number += 1
            if self.number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                yield self.decoder.decode(raw)
            except UnicodeDecodeError as exc:
                self.decoder.reset()
                self.bad[self.number] = (
                    f"not {self.encoding} text (byte 0x{exc.object[exc.start]:02x} "
                    f"at position {exc.start}); see --encoding"
                )
                yield self.fallback.decode(raw)


class CsvReader(Reader):
    """Tactful's generic CSV: one row per message (the README lists the columns)."""

    source = "csv"
    default_namespace = "generic"

    def wants(self, path: Path) -> bool:
        return path.suffix.lower() == ".csv"

    def count(self) -> int:
        total = 0
        for path in self.files():
            with path.open("rb") as handle:
                total += max(sum(1 for _ in handle) - 1, 0)
        return total

    def records(self) -> Iterator[Record]:
        # The field size limit guards memory: a single field larger than a message may be
        # is refused by the csv module instead of being read.
        csv.field_size_limit(values.MAX_BODY + 1)
        for path in self.files():
            yield from self._file(path)

    def _file(self, path: Path) -> Iterator[Record]:
        name = self.label(path)
        with path.open("rb") as raw:
            lines = _Lines(raw, self.encoding)
            reader = csv.DictReader(lines, strict=False)
            try:
                header = reader.fieldnames or []
            except csv.Error as exc:
                yield Refusal(name, f"not a CSV file ({exc})")
                return
            missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
            if missing:
                yield Refusal(name, f"missing column(s): {', '.join(missing)}")
                return
            group: list[tuple[int, int, dict[str, Any]]] = []
            while True:
                start = lines.number + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield Refusal(f"{name} line {start}", f"not valid CSV ({exc})")
                    continue
                location = (
                    f"{name} line {start}"
                    if lines.number == start
                    else f"{name} lines {start}-{lines.number}"
                )
                bad = [lines.bad[n] for n in range(start, lines.number + 1) if n in lines.bad]
                if bad:
                    yield Refusal(location, bad[0], str(row.get("ticket_id") or ""))
                    continue
                if None in row:  # more fields than the header names
                    yield Refusal(location, "more fields than the header has", "")
                    continue
                if group and row.get("ticket_id") != group[0][2].get("ticket_id"):
                    yield from self._ticket(name, group)
                    group = []
                group.append((start, lines.number, row))
            if group:
                yield from self._ticket(name, group)

    def _ticket(self, name: str, rows: list[tuple[int, int, dict[str, Any]]]) -> Iterator[Record]:
        """One ticket from its adjacent rows; a bad row is refused alone."""
        messages: list[MessageRecord] = []
        head: TicketRecord | None = None
        for start, end, row in rows:
            location = f"{name} line {start}" if start == end else f"{name} lines {start}-{end}"
            built = guarded(location, str(row.get("ticket_id") or ""), partial(self._row, row))
            if isinstance(built, Refusal):
                yield built
                continue
            head = head or built
            messages.extend(built.messages)
        if head is None:
            return
        first, last = rows[0][0], rows[-1][1]
        location = f"{name} line {first}" if first == last else f"{name} lines {first}-{last}"
        yield TicketRecord(
            **{
                **head.__dict__,
                "location": location,
                "messages": tuple(messages),
                "created_at": min([head.created_at, *(m.created_at for m in messages)]),
            }
        )

    def _row(self, row: dict[str, Any]) -> TicketRecord:
        zone = self.naive_zone
        ticket_key = values.key(row.get("ticket_id"), what="ticket_id")
        ticket_channel = channel(row.get("channel"))
        kind = KINDS.get((row.get("kind") or "in").strip().lower())
        if kind is None:
            raise values.RecordError(f"unknown kind {row.get('kind')!r}")
        created = values.when(row.get("created_at"), naive_zone=zone, what="created_at")
        message_body = values.body(row.get("body"))
        message_key = values.optional_key(row.get("message_id"), what="message_id")
        if not message_key:
            # No id: one made from what the row says, so the same row imports once.
            digest = hashlib.sha256(
                f"{ticket_key}\0{created.isoformat()}\0{kind}\0{message_body}".encode()
            ).hexdigest()[:24]
            message_key = f"{ticket_key}:{digest}"
        author_email = values.text(row.get("author_email"), limit=254, what="author_email").strip()
        author_name = values.short_text(
            row.get("author_name"), limit=values.MAX_NAME, what="author_name"
        )
        author = None
        if kind != "in" and (author_email or author_name):
            author = Person(
                key=author_email or author_name, role="agent", name=author_name, email=author_email
            )
        customer_email = values.text(
            row.get("customer_email"), limit=254, what="customer_email"
        ).strip()
        customer_key = values.optional_key(row.get("customer_id"), what="customer_id")
        if not customer_key and not customer_email:
            raise values.RecordError("customer_id and customer_email are both empty")
        who = Person(
            key=customer_key or customer_email.lower(),
            name=values.short_text(
                row.get("customer_name"), limit=values.MAX_NAME, what="customer_name"
            ),
            email=customer_email,
            identities=email_identity(customer_email),
            language=values.language(row.get("customer_language")),
        )
        assignee_email = values.text(
            row.get("assignee_email"), limit=254, what="assignee_email"
        ).strip()
        return TicketRecord(
            key=ticket_key,
            location="",
            subject=values.short_text(row.get("subject"), limit=values.MAX_SUBJECT),
            status=values.status(row.get("status") or "open"),
            priority=values.priority(row.get("priority")),
            channel=ticket_channel,
            language=values.language(row.get("language")),
            customer=who,
            created_at=values.optional_when(row.get("ticket_created_at"), naive_zone=zone)
            or created,
            tags=values.tags(row.get("tags")),
            team=values.short_text(row.get("team"), limit=100, what="team"),
            assignee=Person(key=assignee_email, role="agent", email=assignee_email)
            if assignee_email
            else None,
            messages=(
                MessageRecord(
                    key=message_key,
                    kind=kind,  # type: ignore[arg-type]
                    body=message_body,
                    created_at=created,
                    author=author,
                    channel=ticket_channel,
                ),
            ),
            number=ticket_key,
        )
