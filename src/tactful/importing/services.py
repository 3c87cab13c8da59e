"""Importing another help desk's history: idempotent, silent, resumable, in bulk.

:func:`import_export` reads records from a reader (:mod:`tactful.importing.readers`) and
writes them in chunks, each chunk one transaction:

* **idempotent** — every ticket, message, customer and agent is keyed by the source's id
  (:class:`SourceKey`, per namespace); a second run finds them and imports nothing twice,
  only messages it has not seen yet (an incremental export adds to its tickets);
* **silent** — rows are inserted as history (``tickets.history``, ``timeline.record_history``)
  with their own dates; nothing is emitted, so no rule, notification, auto-reply, SLA clock,
  survey, delivery or analysis starts for the past (``analyse=True`` queues the coach's
  reading explicitly, and that reading is silent too);
* **resumable** — the run's position is committed with each chunk, so running the same
  command again after an interruption continues after the last committed record;
* **forgiving** — a record that cannot be imported is refused with its place and reason and
  the rest goes on; a chunk the database rejects is retried record by record.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tactful.accounts.models import Agent, Role, Team, UiLanguage
from tactful.coaching.models import MessageAnalysis
from tactful.customers.models import Channel, Customer, CustomerIdentity, normalize_language
from tactful.customers.services import normalize_handle
from tactful.importing import tasks, values
from tactful.importing.events import TicketImported
from tactful.importing.models import ImportRun, RunState, SourceKey, SourceKind
from tactful.importing.readers.base import Reader
from tactful.importing.records import (
    AgentRecord,
    CustomerRecord,
    MessageRecord,
    Person,
    Record,
    Refusal,
    Skip,
    TeamRecord,
    TicketRecord,
)
from tactful.tickets import events, history, search, timeline
from tactful.tickets.models import (
    Attachment,
    CoachState,
    Message,
    MessageKind,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)
from tactful.tickets.rendering import plain_text

logger = logging.getLogger(__name__)

#: Refusals kept word for word in the run's report (all are counted).
KEPT_REFUSALS = 1000
#: Incoming messages per queued analysis task.
ANALYSIS_BATCH = 200

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Progress = Callable[[int, int | None], None]


@dataclass
class Summary:
    """What an import did: counted, with the refusals' reasons and the warnings."""

    source: str
    namespace: str
    dry_run: bool = False
    imported: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    refused_count: int = 0
    resumed_after: int = 0
    records: int = 0
    analyses_queued: int = 0
    run_id: int | None = None

    def refuse(self, refusal: Refusal) -> None:
        self.refused_count += 1
        if len(self.refused) < KEPT_REFUSALS:
            self.refused.append(str(refusal))

    def as_counts(self) -> dict[str, object]:
        return {
            "imported": dict(self.imported),
            "skipped": dict(self.skipped),
            "warnings": dict(self.warnings),
            "refused": self.refused_count,
            "records": self.records,
        }

    def restore(self, run: ImportRun) -> None:
        counts = run.counts or {}
        self.imported.update(counts.get("imported", {}))
        self.skipped.update(counts.get("skipped", {}))
        self.warnings.update(counts.get("warnings", {}))
        self.refused_count = int(counts.get("refused", 0))
        self.refused = list(run.refusals or [])
        self.records = int(counts.get("records", 0))


class _Rollback(Exception):
    """Raised at the end of a dry run to undo everything it wrote."""


def import_export(
    *,
    reader: Reader,
    namespace: str | None = None,
    dry_run: bool = False,
    analyse: bool = False,
    resume: bool = True,
    chunk_size: int = 500,
    progress: Progress | None = None,
) -> Summary:
    """Import everything ``reader`` finds; returns what was imported, skipped and refused.

    Args:
        reader: the export (its format's reader, over a file or folder).
        namespace: where the source's ids are kept (default: the reader's; ``generic`` for
            CSV and JSONL). Two different systems whose ids could collide need two names.
        dry_run: read, check and write everything in a transaction that is then rolled
            back: the report is exact, and nothing is stored.
        analyse: queue the coach's (silent) reading of every imported customer message.
        resume: continue an unfinished run of the same export after its last chunk.
        chunk_size: tickets per transaction.
        progress: called with (records read, records expected or None).
    """
    namespace = namespace or reader.default_namespace
    summary = Summary(source=reader.source, namespace=namespace, dry_run=dry_run)
    writer = _Writer(namespace=namespace, summary=summary, dry_run=dry_run, analyse=analyse)
    if dry_run:
        try:
            with transaction.atomic():
                _run(reader, writer, summary, None, chunk_size, progress)
                raise _Rollback
        except _Rollback:
            pass
        return summary
    fingerprint = reader.fingerprint()
    run = None
    if resume:
        run = (
            ImportRun.objects.filter(
                source=reader.source, namespace=namespace, fingerprint=fingerprint
            )
            .exclude(state=RunState.FINISHED)
            .order_by("-id")
            .first()
        )
    if run is not None:
        summary.restore(run)
        summary.resumed_after = run.records_done
        run.state = RunState.RUNNING
        run.save(update_fields=["state"])
    else:
        run = ImportRun.objects.create(
            source=reader.source,
            namespace=namespace,
            path=str(reader.path)[:1000],
            fingerprint=fingerprint,
        )
    summary.run_id = run.pk
    writer.run = run
    try:
        _run(reader, writer, summary, run, chunk_size, progress)
    except BaseException:
        ImportRun.objects.filter(pk=run.pk).update(state=RunState.STOPPED)
        raise
    run.state = RunState.FINISHED
    run.finished_at = timezone.now()
    run.counts = summary.as_counts()
    run.refusals = summary.refused
    run.save(update_fields=["state", "finished_at", "counts", "refusals"])
    return summary


def _run(
    reader: Reader,
    writer: _Writer,
    summary: Summary,
    run: ImportRun | None,
    chunk_size: int,
    progress: Progress | None,
) -> None:
    skip = run.records_done if run is not None else 0
    total = reader.count()
    batch: list[Record] = []
    keys: set[str] = set()
    position = 0
    for record in reader.records():
        position += 1
        if position <= skip:
            if progress is not None and position % 1000 == 0:
                progress(position, total)
            continue
        summary.records += 1
        if isinstance(record, Refusal):
            summary.refuse(record)
        elif isinstance(record, Skip):
            summary.skipped[record.reason] += 1
        else:
            if isinstance(record, TicketRecord):
                # The same ticket twice in one chunk: write the first before reading the
                # second, which then only adds the messages the first did not have.
                if record.key in keys:
                    writer.write(batch, position - 1)
                    batch, keys = [], set()
                keys.add(record.key)
            batch.append(record)
        if len(keys) >= chunk_size or len(batch) >= chunk_size * 4:
            writer.write(batch, position)
            batch, keys = [], set()
        if progress is not None:
            progress(position, total)
    writer.write(batch, position)
    if progress is not None:
        progress(position, position)


@dataclass
class _Chunk:
    """Ids resolved for one chunk of records."""

    customers: dict[str, int] = field(default_factory=dict)
    missing_customers: set[str] = field(default_factory=set)


class _Writer:
    """Writes chunks of records; keeps the run-long caches (tags, teams, agents)."""

    def __init__(self, *, namespace: str, summary: Summary, dry_run: bool, analyse: bool):
        self.namespace = namespace
        self.summary = summary
        self.dry_run = dry_run
        self.analyse = analyse
        self.run: ImportRun | None = None
        self._reset_caches()

    def _reset_caches(self) -> None:
        self.tags: dict[str, int] = {}
        self.teams: dict[str, int] = {}
        self.agents: dict[str, int | None] = {}

    # --- one chunk --------------------------------------------------------------------------

    def write(self, batch: Sequence[Record], position: int) -> None:
        """Write ``batch`` (one transaction) and move the run's position to ``position``."""
        if not batch and self.run is None:
            return
        before = self._counts()
        try:
            with events.atomic():
                self._write(batch)
                self._checkpoint(position)
            return
        except Exception:
            logger.exception("import chunk failed; retrying its records one by one")
            self._restore(before)
        for record in batch:
            before = self._counts()
            try:
                with events.atomic():
                    self._write([record])
            except Exception as exc:
                self._restore(before)
                location = getattr(record, "location", "")
                key = getattr(record, "key", "")
                self.summary.refuse(
                    Refusal(location, f"could not be stored ({type(exc).__name__}: {exc})", key)
                )
        with events.atomic():
            self._checkpoint(position)

    def _counts(self) -> tuple[Counter[str], Counter[str], Counter[str], list[str], int]:
        summary = self.summary
        return (
            Counter(summary.imported),
            Counter(summary.skipped),
            Counter(summary.warnings),
            list(summary.refused),
            summary.refused_count,
        )

    def _restore(
        self, counts: tuple[Counter[str], Counter[str], Counter[str], list[str], int]
    ) -> None:
        """Undo what a rolled-back attempt counted, and forget the ids it made (gone too)."""
        summary = self.summary
        (
            summary.imported,
            summary.skipped,
            summary.warnings,
            summary.refused,
            summary.refused_count,
        ) = counts
        self._reset_caches()

    def _checkpoint(self, position: int) -> None:
        if self.run is None:
            return
        self.run.records_done = position
        self.run.counts = self.summary.as_counts()
        self.run.refusals = self.summary.refused
        self.run.save(update_fields=["records_done", "counts", "refusals"])

    def _write(self, batch: Sequence[Record]) -> None:
        for record in batch:
            if isinstance(record, TeamRecord):
                self._team(record)
        for record in batch:
            if isinstance(record, AgentRecord):
                self._agent_record(record)
        tickets = [r for r in batch if isinstance(r, TicketRecord)]
        customer_records = [r for r in batch if isinstance(r, CustomerRecord)]
        chunk = _Chunk()
        self._customers(customer_records, tickets, chunk)
        self._tickets(tickets, chunk)

    # --- teams and agents ---------------------------------------------------------------------

    def team_id(self, name: str, *, create: bool = False) -> int | None:
        if not name:
            return None
        folded = name.casefold()
        if folded in self.teams:
            return self.teams[folded]
        team = Team.objects.filter(name__iexact=name).only("id").first()
        if team is None and create:
            team = Team.objects.create(name=name, auto_assign=False)
            self.summary.imported["teams"] += 1
        if team is None:
            self.summary.warnings[
                f"team {name!r} is not in the desk (tickets left without team)"
            ] += 1
            return None
        self.teams[folded] = team.pk
        return int(team.pk)

    def _team(self, record: TeamRecord) -> None:
        if Team.objects.filter(name__iexact=record.name).exists():
            self.summary.skipped["teams"] += 1
        else:
            Team.objects.create(name=record.name, description=record.description, auto_assign=False)
            self.summary.imported["teams"] += 1
        self.teams.pop(record.name.casefold(), None)

    def _agent_record(self, record: AgentRecord) -> None:
        before = self.summary.imported["agents"]
        self.agent_id(record.person)
        if self.summary.imported["agents"] == before:
            self.summary.skipped["agents"] += 1

    def agent_id(self, person: Person | None) -> int | None:
        """The Tactful agent for a source's agent: by key, by e-mail or username, or created
        inactive (no password, cannot log in until an admin activates them)."""
        if person is None:
            return None
        if person.key in self.agents:
            return self.agents[person.key]
        found = (
            SourceKey.objects.filter(
                namespace=self.namespace, kind=SourceKind.AGENT, external_id=person.key
            )
            .values_list("object_id", flat=True)
            .first()
        )
        if found is not None and not Agent.objects.filter(pk=found).exists():
            found = None  # deleted since: find or create again
        agent_pk = int(found) if found is not None else None
        if agent_pk is None:
            agent_pk = self._match_agent(person)
            if agent_pk is None and person.described:
                agent_pk = self._create_agent(person)
            if agent_pk is not None:
                SourceKey.objects.get_or_create(
                    namespace=self.namespace,
                    kind=SourceKind.AGENT,
                    external_id=person.key,
                    defaults={"object_id": agent_pk, "run": self.run},
                )
            else:
                self.summary.warnings["agent named by id but not in the export or the desk"] += 1
        self.agents[person.key] = agent_pk
        return agent_pk

    def _match_agent(self, person: Person) -> int | None:
        query = Q()
        if person.email:
            query |= Q(email__iexact=person.email)
        if person.username:
            query |= Q(username=person.username)
        if not query:
            return None
        found = Agent.objects.filter(query).order_by("id").values_list("id", flat=True).first()
        return int(found) if found is not None else None

    def _create_agent(self, person: Person) -> int:
        base = (person.username or person.email or f"{self.namespace}-{person.key}")[:140]
        username = base
        suffix = 1
        while Agent.objects.filter(username=username).exists():
            suffix += 1
            username = f"{base}-{suffix}"
        first, _, last = person.name.partition(" ")
        agent = Agent(
            username=username,
            email=person.email if _EMAIL.match(person.email or "") else "",
            first_name=first[:150],
            last_name=last[:150],
            role=person.agent_role if person.agent_role in Role.values else Role.AGENT,
            language=person.language if person.language in UiLanguage.values else "en",
            is_active=False,
            password=make_password(None),
        )
        agent.save()
        team_ids = [t for t in (self.team_id(name) for name in person.teams) if t is not None]
        if team_ids:
            agent.teams.set(team_ids)
        self.summary.imported["agents"] += 1
        return int(agent.pk)

    # --- customers ----------------------------------------------------------------------------

    def _customers(
        self,
        records: Sequence[CustomerRecord],
        tickets: Sequence[TicketRecord],
        chunk: _Chunk,
    ) -> None:
        """Resolve every customer the chunk names: by key, by e-mail address, or new."""
        persons: dict[str, Person] = {}
        listed: set[str] = set()
        for record in records:
            if record.person.key not in persons:
                persons[record.person.key] = record.person
                listed.add(record.person.key)
        for ticket in tickets:
            for person in (ticket.customer, *(m.author for m in ticket.messages if m.kind == "in")):
                if person is None:
                    continue
                known = persons.get(person.key)
                if known is None or (known.reference and person.described):
                    persons[person.key] = person
        if not persons:
            return
        found = dict(
            SourceKey.objects.filter(
                namespace=self.namespace, kind=SourceKind.CUSTOMER, external_id__in=list(persons)
            ).values_list("external_id", "object_id")
        )
        chunk.customers.update({k: int(v) for k, v in found.items()})
        self.summary.skipped["customers"] += len(listed & set(found))
        pending = {k: p for k, p in persons.items() if k not in found}
        # Someone the desk already knows by e-mail stays who they are: linked, not changed.
        by_email: dict[str, list[str]] = {}
        for key, person in pending.items():
            if person.described and person.email:
                address = normalize_handle(channel=Channel.EMAIL, handle=person.email)
                by_email.setdefault(address, []).append(key)
        known_addresses = dict(
            CustomerIdentity.objects.filter(
                channel=Channel.EMAIL, handle__in=list(by_email)
            ).values_list("handle", "customer_id")
        )
        links = []
        for address, customer_id in known_addresses.items():
            for key in by_email[address]:
                chunk.customers[key] = int(customer_id)
                links.append(key)
                pending.pop(key)
                if key in listed:
                    self.summary.skipped["customers"] += 1
                else:
                    self.summary.imported["customers matched by e-mail"] += 1
        new = {}
        for key, person in pending.items():
            if person.reference:
                chunk.missing_customers.add(key)
            else:
                new[key] = person
        rows = []
        now = timezone.now()
        # Two keys with one address in this chunk: one customer.
        address_owner: dict[str, str] = {}
        for key, person in new.items():
            address = normalize_handle(channel=Channel.EMAIL, handle=person.email)
            if address and _EMAIL.match(address) and address in address_owner:
                continue
            if address and _EMAIL.match(address):
                address_owner[address] = key
            rows.append(
                (
                    key,
                    Customer(
                        name=person.name,
                        email=address if _EMAIL.match(address or "") else "",
                        preferred_language=normalize_language(person.language),
                        notes=person.notes,
                        created_at=person.created_at or now,
                    ),
                )
            )
        history.insert_rows(Customer, [c for _, c in rows])
        for key, customer in rows:
            chunk.customers[key] = int(customer.pk)
        for key, person in new.items():
            if key not in chunk.customers:  # shared an address with another key
                address = normalize_handle(channel=Channel.EMAIL, handle=person.email)
                chunk.customers[key] = chunk.customers[address_owner[address]]
                links.append(key)
        self.summary.imported["customers"] += len(rows)
        self._identities([(chunk.customers[key], new[key]) for key, _ in rows])
        SourceKey.objects.bulk_create(
            [
                SourceKey(
                    namespace=self.namespace,
                    kind=SourceKind.CUSTOMER,
                    external_id=key,
                    object_id=chunk.customers[key],
                    run=self.run,
                )
                for key in [k for k, _ in rows] + links
            ],
            ignore_conflicts=True,
        )

    def _identities(self, customers: Iterable[tuple[int, Person]]) -> None:
        wanted: dict[tuple[str, str], int] = {}
        for customer_id, person in customers:
            for channel, handle in person.identities:
                handle = normalize_handle(channel=channel, handle=handle)
                if channel == Channel.EMAIL and not _EMAIL.match(handle):
                    self.summary.warnings["e-mail address that is not one (left out)"] += 1
                    continue
                if handle and len(handle) <= 255:
                    wanted.setdefault((channel, handle), customer_id)
        if not wanted:
            return
        taken = set(
            CustomerIdentity.objects.filter(handle__in={h for _, h in wanted}).values_list(
                "channel", "handle"
            )
        )
        rows = [
            CustomerIdentity(customer_id=customer_id, channel=channel, handle=handle)
            for (channel, handle), customer_id in wanted.items()
            if (channel, handle) not in taken
        ]
        if len(rows) < len(wanted):
            self.summary.warnings["identity already belongs to another customer (left out)"] += len(
                wanted
            ) - len(rows)
        history.insert_rows(CustomerIdentity, rows)

    # --- tickets and messages ------------------------------------------------------------------

    def _tickets(self, records: Sequence[TicketRecord], chunk: _Chunk) -> None:
        if not records:
            return
        existing = dict(
            SourceKey.objects.filter(
                namespace=self.namespace,
                kind=SourceKind.TICKET,
                external_id__in=[r.key for r in records],
            ).values_list("external_id", "object_id")
        )
        message_keys = [m.key for r in records for m in r.messages]
        seen_messages = set(
            SourceKey.objects.filter(
                namespace=self.namespace, kind=SourceKind.MESSAGE, external_id__in=message_keys
            ).values_list("external_id", flat=True)
        )
        # Tickets imported before and not deleted in Tactful since, in one query.
        still_there = set(
            Ticket.objects.filter(pk__in=[int(v) for v in existing.values()]).values_list(
                "pk", flat=True
            )
        )
        new_tickets: list[tuple[TicketRecord, Ticket]] = []
        # (record, ticket id, message record) for every message to write.
        to_write: list[tuple[TicketRecord, int | None, MessageRecord]] = []
        appended: set[int] = set()
        for record in records:
            if record.customer.key in chunk.missing_customers:
                self.summary.refuse(
                    Refusal(
                        record.location,
                        f"customer {record.customer.key!r} is neither in the export nor "
                        "imported before",
                        record.key,
                    )
                )
                continue
            for warning in record.warnings:
                self.summary.warnings[warning] += 1
            fresh = []
            for message in record.messages:
                if message.key in seen_messages:
                    self.summary.skipped["messages"] += 1
                    continue
                seen_messages.add(message.key)
                fresh.append(message)
            ticket_id = existing.get(record.key)
            if ticket_id is not None:
                if int(ticket_id) not in still_there:
                    self.summary.skipped["tickets deleted in Tactful since"] += 1
                    continue
                if fresh:
                    self.summary.imported["messages added to tickets imported before"] += len(fresh)
                    appended.add(int(ticket_id))
                else:
                    self.summary.skipped["tickets"] += 1
                to_write.extend((record, int(ticket_id), m) for m in fresh)
                continue
            ticket = self._ticket_row(record, fresh, chunk)
            new_tickets.append((record, ticket))
            to_write.extend((record, None, m) for m in fresh)
        history.insert_rows(Ticket, [t for _, t in new_tickets])
        ids = {record.key: int(ticket.pk) for record, ticket in new_tickets}
        self.summary.imported["tickets"] += len(new_tickets)
        self._tags(new_tickets)
        messages = self._messages(
            [(record, ticket_id or ids[record.key], m) for record, ticket_id, m in to_write],
            chunk,
        )
        self._events(new_tickets, messages)
        self._keys(new_tickets, messages)
        if appended:
            self._touch(appended, messages)
        search.reindex_tickets([*ids.values(), *appended])
        if self.analyse:
            self._queue_analyses(messages)

    def _ticket_row(
        self, record: TicketRecord, messages: Sequence[MessageRecord], chunk: _Chunk
    ) -> Ticket:
        times = sorted(m.created_at for m in messages)
        last = max([record.created_at, *times])
        updated = record.updated_at or last
        first_response = record.first_response_at or _first_response(messages)
        solved = record.solved_at
        if solved is None and record.status in (Status.SOLVED, Status.CLOSED):
            solved = updated
        subject = record.subject or _subject_from(messages)
        has_incoming = any(m.kind == "in" for m in messages)
        return Ticket(
            subject=subject,
            status=record.status,
            priority=record.priority,
            channel=record.channel,
            language=record.language,
            customer_id=chunk.customers[record.customer.key],
            team_id=self.team_id(record.team),
            assignee_id=self.agent_id(record.assignee),
            created_at=record.created_at,
            updated_at=updated,
            first_response_at=first_response,
            solved_at=solved,
            custom_fields=record.custom_fields,
            coach_state=CoachState.PENDING if self.analyse and has_incoming else CoachState.NONE,
        )

    def _tags(self, new_tickets: Sequence[tuple[TicketRecord, Ticket]]) -> None:
        names = {name for record, _ in new_tickets for name in record.tags}
        missing = names - set(self.tags)
        if missing:
            Tag.objects.bulk_create([Tag(name=n) for n in sorted(missing)], ignore_conflicts=True)
            self.tags.update(Tag.objects.filter(name__in=missing).values_list("name", "id"))
        through = Ticket.tags.through
        through.objects.bulk_create(
            [
                through(ticket_id=ticket.pk, tag_id=self.tags[name])
                for record, ticket in new_tickets
                for name in record.tags
            ],
            batch_size=2000,
        )

    def _messages(
        self, items: Sequence[tuple[TicketRecord, int, MessageRecord]], chunk: _Chunk
    ) -> list[tuple[int, MessageRecord, Message]]:
        """Insert the messages (with their own dates) and their files."""
        wanted_ids = {(m.channel or r.channel, m.external_id) for r, _, m in items if m.external_id}
        taken = set()
        if wanted_ids:
            taken = set(
                Message.objects.filter(external_id__in={e for _, e in wanted_ids}).values_list(
                    "channel", "external_id"
                )
            )
        rows: list[tuple[int, MessageRecord, Message]] = []
        for record, ticket_id, message in items:
            channel = message.channel or record.channel
            metadata = dict(message.metadata)
            external_id = message.external_id
            if external_id and (channel, external_id) in taken:
                # Another message already holds the channel's id (the mailbox was connected
                # before the import): keep the id for the record, not for threading.
                metadata.setdefault("external_id", external_id)
                external_id = ""
            elif external_id:
                taken.add((channel, external_id))
            author_agent_id = None
            author_customer_id = None
            if message.kind == "in":
                author = message.author or record.customer
                author_customer_id = chunk.customers.get(author.key) or chunk.customers.get(
                    record.customer.key
                )
            else:
                author_agent_id = self.agent_id(message.author)
                if author_agent_id is None and message.author is not None:
                    metadata.setdefault(
                        "author",
                        {
                            k: v
                            for k, v in (
                                ("id", message.author.key),
                                ("name", message.author.name),
                                ("email", message.author.email),
                            )
                            if v
                        },
                    )
            links = [a for a in message.attachments if a.content is None]
            if links:
                metadata.setdefault(
                    "attachments",
                    [
                        {
                            k: v
                            for k, v in (
                                ("filename", a.filename),
                                ("content_type", a.content_type),
                                ("size", a.size),
                                ("url", a.url),
                            )
                            if v
                        }
                        for a in links
                    ],
                )
            rows.append(
                (
                    ticket_id,
                    message,
                    Message(
                        ticket_id=ticket_id,
                        kind={"in": MessageKind.INCOMING, "out": MessageKind.OUTGOING}.get(
                            message.kind, MessageKind.NOTE
                        ),
                        channel=channel,
                        author_agent_id=author_agent_id,
                        author_customer_id=author_customer_id,
                        body=message.body,
                        original_body=message.original_body,
                        external_id=external_id,
                        metadata=metadata,
                        review=message.review,
                        created_at=message.created_at,
                    ),
                )
            )
        history.insert_rows(Message, [m for _, _, m in rows])
        self.summary.imported["messages"] += len(rows)
        self._attachments(rows)
        return rows

    def _attachments(self, rows: Sequence[tuple[int, MessageRecord, Message]]) -> None:
        limit_warning = "attachment larger than TACTFUL_MAX_ATTACHMENT_BYTES (left out)"
        stored = []
        for ticket_id, record, message in rows:
            for item in record.attachments:
                if item.content is None:
                    continue
                if len(item.content) > values.max_attachment_bytes():
                    self.summary.warnings[limit_warning] += 1
                    continue
                attachment = Attachment(
                    message=message,
                    filename=item.filename,
                    content_type=item.content_type,
                    size=len(item.content),
                )
                if self.dry_run:
                    attachment.file.name = f"attachments/{ticket_id}/{message.pk}/{item.filename}"
                else:
                    attachment.file.save(item.filename, ContentFile(item.content), save=False)
                stored.append(attachment)
        Attachment.objects.bulk_create(stored, batch_size=500)
        self.summary.imported["attachments"] += len(stored)

    def _events(
        self,
        new_tickets: Sequence[tuple[TicketRecord, Ticket]],
        messages: Sequence[tuple[int, MessageRecord, Message]],
    ) -> None:
        """The timeline as it would have been written: opened, each message, the status it
        ended in, and the import itself; history rows, emitted to nobody."""
        now = timezone.now()
        rows: list[TicketEvent] = []
        opened: dict[int, int | None] = {}
        for _, _, message in messages:
            if message.kind == MessageKind.INCOMING:
                opened.setdefault(int(message.ticket_id), int(message.pk))
        run_id = self.run.pk if self.run is not None else None
        new_ids = set()
        for record, ticket in new_tickets:
            new_ids.add(ticket.pk)
            rows.append(
                TicketEvent(
                    ticket_id=ticket.pk,
                    kind=events.TicketOpened.kind,
                    message_id=opened.get(int(ticket.pk)),
                    data={"channel": ticket.channel, "subject": ticket.subject},
                    created_at=ticket.created_at,
                )
            )
            if ticket.status != Status.NEW:
                rows.append(
                    TicketEvent(
                        ticket_id=ticket.pk,
                        kind=events.StatusChanged.kind,
                        data={"from": Status.NEW.value, "to": ticket.status},
                        created_at=ticket.solved_at or ticket.updated_at,
                    )
                )
            rows.append(
                TicketEvent(
                    ticket_id=ticket.pk,
                    kind=TicketImported.kind,
                    data=TicketImported(
                        ticket=ticket,
                        source=self.summary.source,
                        number=record.number or record.key,
                        run_id=run_id,
                    ).data(),
                    created_at=now,
                )
            )
        for _, _, message in messages:
            if message.kind == MessageKind.INCOMING:
                if (
                    opened.get(int(message.ticket_id)) == message.pk
                    and message.ticket_id in new_ids
                ):
                    continue  # the message that opened the ticket
                kind, data = events.CustomerWrote.kind, {}
            elif message.kind == MessageKind.OUTGOING:
                kind = events.ReplyRecorded.kind
                data = {} if message.author_agent_id else {"system": True}
            else:
                kind = events.NoteAdded.kind
                data = {} if message.author_agent_id else {"system": True}
            rows.append(
                TicketEvent(
                    ticket_id=message.ticket_id,
                    kind=kind,
                    actor_id=message.author_agent_id,
                    message_id=message.pk,
                    data=data,
                    created_at=message.created_at,
                )
            )
        timeline.record_history(rows)
        self.summary.imported["timeline events"] += len(rows)

    def _keys(
        self,
        new_tickets: Sequence[tuple[TicketRecord, Ticket]],
        messages: Sequence[tuple[int, MessageRecord, Message]],
    ) -> None:
        history.insert_rows(
            SourceKey,
            [
                SourceKey(
                    namespace=self.namespace,
                    kind=SourceKind.TICKET,
                    external_id=record.key,
                    object_id=ticket.pk,
                    run=self.run,
                )
                for record, ticket in new_tickets
            ]
            + [
                SourceKey(
                    namespace=self.namespace,
                    kind=SourceKind.MESSAGE,
                    external_id=record.key,
                    object_id=message.pk,
                    run=self.run,
                )
                for _, record, message in messages
            ],
        )

    def _touch(
        self, ticket_ids: set[int], messages: Sequence[tuple[int, MessageRecord, Message]]
    ) -> None:
        """A ticket imported before that got new messages: its last activity moves on."""
        newest: dict[int, datetime] = {}
        for ticket_id, _, message in messages:
            if ticket_id in ticket_ids:
                newest[ticket_id] = max(
                    newest.get(ticket_id, message.created_at), message.created_at
                )
        for ticket_id, at in newest.items():
            Ticket.objects.filter(pk=ticket_id, updated_at__lt=at).update(updated_at=at)

    def _queue_analyses(self, messages: Sequence[tuple[int, MessageRecord, Message]]) -> None:
        incoming = [m for _, _, m in messages if m.kind == MessageKind.INCOMING]
        if not incoming:
            return
        MessageAnalysis.objects.bulk_create(
            [MessageAnalysis(message_id=m.pk) for m in incoming],
            batch_size=2000,
            ignore_conflicts=True,
        )
        Ticket.objects.filter(pk__in={m.ticket_id for m in incoming}).update(
            coach_state=CoachState.PENDING
        )
        ids = [int(m.pk) for m in incoming]
        self.summary.analyses_queued += len(ids)
        for start in range(0, len(ids), ANALYSIS_BATCH):
            part = ids[start : start + ANALYSIS_BATCH]
            transaction.on_commit(partial(tasks.queue_history_analysis, part))


def _first_response(messages: Sequence[MessageRecord]) -> datetime | None:
    """When the customer first heard back: the first reply after their first message."""
    first_in = None
    for message in sorted(messages, key=lambda m: m.created_at):
        if message.kind == "in" and first_in is None:
            first_in = message.created_at
        elif message.kind == "out" and first_in is not None:
            return message.created_at
    return None


def _subject_from(messages: Sequence[MessageRecord]) -> str:
    for message in messages:
        line = " ".join(plain_text(message.body).split())
        if line:
            return line if len(line) <= 80 else line[:79] + "…"
    return "—"
