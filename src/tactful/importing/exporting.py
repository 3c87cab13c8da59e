"""Exports: the whole desk in the generic JSON lines the import reads, and one customer's data.

Ids in an export are the ones the records had where they came from: an imported record keeps
its source's id (``zendesk:123``; the generic format's own ids as they were), a record made
in Tactful its number. So exporting a desk, importing that file into an empty desk and
exporting again gives the same file, line for line.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from tactful.accounts.models import Agent, Team
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.customers.models import Customer, CustomerIdentity
from tactful.importing import values
from tactful.importing.models import SourceKey, SourceKind
from tactful.tickets.models import Attachment, Message, MessageKind, Ticket

#: Tickets read per query while exporting.
CHUNK = 500
GENERIC = "generic"
CUSTOMER_EXPORT_FORMAT = "tactful-customer-export/1"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


class _Ids:
    """The export id of each object: its source key if it was imported, else its number."""

    def __init__(self, kind: str):
        self.kind = kind
        self.known: dict[int, str] = {}

    def load(self, pks: Iterable[int | None]) -> None:
        wanted = [pk for pk in set(pks) if pk is not None and pk not in self.known]
        for start in range(0, len(wanted), 5000):
            part = wanted[start : start + 5000]
            rows = SourceKey.objects.filter(kind=self.kind, object_id__in=part).values_list(
                "object_id", "namespace", "external_id"
            )
            for object_id, namespace, external_id in rows.order_by("id"):
                self.known.setdefault(
                    int(object_id),
                    external_id if namespace == GENERIC else f"{namespace}:{external_id}",
                )
            for pk in part:
                self.known.setdefault(pk, str(pk))

    def __call__(self, pk: int | None) -> str | None:
        if pk is None:
            return None
        if pk not in self.known:
            self.load([pk])
        return self.known[pk]


class _Exporter:
    def __init__(self) -> None:
        self.tickets = _Ids(SourceKind.TICKET)
        self.messages = _Ids(SourceKind.MESSAGE)
        self.customers = _Ids(SourceKind.CUSTOMER)
        self.agents = _Ids(SourceKind.AGENT)
        self.team_names = dict(Team.objects.values_list("id", "name"))

    def team(self, team: Team) -> dict[str, Any]:
        return {"type": "team", "name": team.name, "description": team.description}

    def agent(self, agent: Agent) -> dict[str, Any]:
        return {
            "type": "agent",
            "id": self.agents(agent.pk),
            "username": agent.username,
            "email": agent.email,
            "name": f"{agent.first_name} {agent.last_name}".strip(),
            "role": agent.role,
            "language": agent.language,
            "teams": sorted(self.team_names[t.pk] for t in agent.teams.all()),
        }

    def customer(self, customer: Customer) -> dict[str, Any]:
        return {
            "type": "customer",
            "id": self.customers(customer.pk),
            "name": customer.name,
            "email": customer.email,
            "language": customer.preferred_language,
            "identities": sorted(
                ({"channel": i.channel, "handle": i.handle} for i in customer.identities.all()),
                key=lambda i: (i["channel"], i["handle"]),
            ),
            "notes": customer.notes,
            "created_at": _iso(customer.created_at),
        }

    def ticket(self, ticket: Ticket, *, readings: bool = False) -> dict[str, Any]:
        return {
            "type": "ticket",
            "id": self.tickets(ticket.pk),
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": values.PRIORITY_LABELS.get(ticket.priority, "normal"),
            "channel": ticket.channel,
            "language": ticket.language,
            "customer": self.customers(ticket.customer_id),
            "team": self.team_names.get(ticket.team_id) if ticket.team_id else None,
            "assignee": self.agents(ticket.assignee_id),
            "tags": sorted(tag.name for tag in ticket.tags.all()),
            "custom_fields": ticket.custom_fields,
            "created_at": _iso(ticket.created_at),
            "updated_at": _iso(ticket.updated_at),
            "first_response_at": _iso(ticket.first_response_at),
            "solved_at": _iso(ticket.solved_at),
            "messages": [self.message(m, readings=readings) for m in ticket.messages.all()],
        }

    def message(self, message: Message, *, readings: bool) -> dict[str, Any]:
        kind = str(message.kind)
        author = (
            self.customers(message.author_customer_id)
            if kind == MessageKind.INCOMING
            else self.agents(message.author_agent_id)
        )
        item: dict[str, Any] = {
            "id": self.messages(message.pk),
            "kind": kind,
            "channel": message.channel,
            "author": author,
            "body": message.body,
            "original_body": message.original_body,
            "created_at": _iso(message.created_at),
            "external_id": message.external_id,
            "metadata": message.metadata,
            "review": message.review,
            "attachments": [self.attachment(a) for a in message.attachments.all()],
        }
        if readings and kind == MessageKind.INCOMING:
            item["coach_reading"] = _reading(message)
        return item

    def attachment(self, attachment: Attachment) -> dict[str, Any]:
        try:
            with attachment.file.open("rb") as handle:
                content: str | None = base64.b64encode(handle.read()).decode("ascii")
        except (OSError, ValueError):
            content = None  # the file is gone from storage: say so rather than fail
        item: dict[str, Any] = {
            "filename": attachment.filename,
            "content_type": attachment.content_type,
        }
        if content is None:
            item["missing"] = True
        else:
            item["content_base64"] = content
        return item

    def prepare(self, tickets: Sequence[Ticket]) -> None:
        """Load the ids of everything these tickets mention, in a few queries."""
        self.tickets.load(t.pk for t in tickets)
        messages = [m for t in tickets for m in t.messages.all()]
        self.messages.load(m.pk for m in messages)
        self.customers.load(
            [t.customer_id for t in tickets] + [m.author_customer_id for m in messages]
        )
        self.agents.load([t.assignee_id for t in tickets] + [m.author_agent_id for m in messages])


def _reading(message: Message) -> dict[str, Any] | None:
    try:
        analysis = message.analysis
    except MessageAnalysis.DoesNotExist:
        return None
    if analysis.status != AnalysisStatus.DONE:
        return None
    return {
        "language": analysis.language,
        "emotion": analysis.top_emotion,
        "emotions": analysis.emotions,
        "intensity": analysis.intensity,
        "formality": analysis.formality,
        "urgent": analysis.urgent,
        "abusive": analysis.abuse,
        "threat": analysis.threat,
        "company_may_be_at_fault": analysis.company_fault,
        "analysed_at": _iso(analysis.analysed_at),
    }


def _tickets(queryset: Any, *, with_readings: bool) -> Any:
    messages = Message.objects.order_by("created_at", "id").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if with_readings:
        messages = messages.select_related("analysis")
    return (
        queryset.defer("search_vector")
        .order_by("id")
        .prefetch_related("tags", Prefetch("messages", queryset=messages))
    )


def desk_lines() -> Iterator[dict[str, Any]]:
    """Every team, agent, customer and ticket as generic JSON-lines objects, in id order."""
    exporter = _Exporter()
    for team in Team.objects.order_by("name"):
        yield exporter.team(team)
    agents = list(Agent.objects.order_by("id").prefetch_related("teams"))
    exporter.agents.load(a.pk for a in agents)
    for agent in agents:
        yield exporter.agent(agent)
    last = 0
    while True:
        customers = list(
            Customer.objects.filter(pk__gt=last)
            .order_by("id")
            .prefetch_related(Prefetch("identities", queryset=CustomerIdentity.objects.all()))[
                : CHUNK * 4
            ]
        )
        if not customers:
            break
        exporter.customers.load(c.pk for c in customers)
        for customer in customers:
            yield exporter.customer(customer)
        last = customers[-1].pk
    last = 0
    while True:
        tickets = list(_tickets(Ticket.objects.filter(pk__gt=last), with_readings=False)[:CHUNK])
        if not tickets:
            break
        exporter.prepare(tickets)
        for ticket in tickets:
            yield exporter.ticket(ticket)
        last = tickets[-1].pk


def export_desk(out: IO[str]) -> int:
    """Write the whole desk to ``out`` as JSON lines; returns the number of lines."""
    count = 0
    for line in desk_lines():
        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def find_customer(email_or_id: str) -> Customer | None:
    """The customer behind an e-mail address (any case) or a customer number."""
    wanted = email_or_id.strip()
    if "@" in wanted:
        address = wanted.lower()
        identity = (
            CustomerIdentity.objects.filter(channel="email", handle=address)
            .select_related("customer")
            .first()
        )
        if identity is not None:
            return identity.customer
        return Customer.objects.filter(email__iexact=address).order_by("id").first()
    if wanted.isdigit():
        return Customer.objects.filter(pk=int(wanted)).first()
    return None


def customer_document(customer: Customer) -> dict[str, Any]:
    """Everything the desk keeps about one customer (a data-access request), as one JSON
    document: their details and identities, every ticket they opened or wrote in with its
    messages and files, and what the coach read in their messages."""
    exporter = _Exporter()
    tickets = list(
        _tickets(
            Ticket.objects.filter(
                Q(customer=customer) | Q(messages__author_customer=customer)
            ).distinct(),
            with_readings=True,
        )
    )
    exporter.prepare(tickets)
    details = exporter.customer(Customer.objects.prefetch_related("identities").get(pk=customer.pk))
    details.pop("type")
    return {
        "format": CUSTOMER_EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "customer": details,
        "tickets": [
            {k: v for k, v in exporter.ticket(t, readings=True).items() if k != "type"}
            for t in tickets
        ],
    }
