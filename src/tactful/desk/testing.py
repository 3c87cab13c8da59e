"""Builders for tests, the demo and the benchmark: real services, plus a bulk path for volume."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tactful.accounts import services as account_services
from tactful.accounts.models import Agent, Role, Team
from tactful.api.services import issue_token
from tactful.customers import services as customer_services
from tactful.customers.models import Customer, CustomerIdentity
from tactful.sla.models import Clock, ClockState, Target, TicketSla
from tactful.tickets import inbound, search, timeline
from tactful.tickets.models import Message, MessageKind, Status, Tag, Ticket, TicketEvent

_counter = itertools.count(1)


class DeskFactory:
    """Small helpers that go through the services, so tests exercise the real code paths."""

    def team(self, name: str | None = None, *, auto_assign: bool = False) -> Team:
        return account_services.create_team(
            name=name or f"Team {next(_counter)}", auto_assign=auto_assign
        )

    def agent(
        self,
        username: str | None = None,
        *,
        role: str = Role.AGENT,
        teams: Sequence[Team] = (),
        language: str = "en",
        password: str = "pw-for-tests-only",
    ) -> Agent:
        return account_services.create_agent(
            username=username or f"agent{next(_counter)}",
            password=password,
            role=role,
            teams=teams,
            language=language,
            first_name=(username or "Agent").capitalize(),
        )

    def lead(self, username: str | None = None, *, teams: Sequence[Team] = ()) -> Agent:
        return self.agent(username or f"lead{next(_counter)}", role=Role.LEAD, teams=teams)

    def admin(self, username: str | None = None) -> Agent:
        return self.agent(username or f"admin{next(_counter)}", role=Role.ADMIN)

    def customer(
        self,
        handle: str | None = None,
        *,
        name: str = "Casey Customer",
        language: str | None = None,
    ) -> Customer:
        return customer_services.get_or_create_customer(
            channel="email",
            handle=handle or f"customer{next(_counter)}@example.com",
            name=name,
            language=language,
        )

    def ticket(
        self,
        *,
        body: str = "My order has not arrived yet.",
        subject: str = "",
        customer: Customer | None = None,
        channel: str = "email",
        team: Team | None = None,
        language: str | None = "en",
        **kwargs: Any,
    ) -> Ticket:
        return inbound.create_ticket(
            customer=customer or self.customer(),
            body=body,
            subject=subject,
            channel=channel,
            team=team,
            language=language,
            **kwargs,
        )

    def token(self, agent: Agent) -> str:
        return issue_token(agent=agent, name=f"token {next(_counter)}")[1]


SUBJECTS = {
    "en": ["Charged twice for my order", "Where is my parcel?", "Cannot log in", "Refund please"],
    "es": [
        "Me cobraron dos veces",
        "¿Dónde está mi pedido?",
        "No puedo entrar",
        "Quiero un reembolso",
    ],
    "ru": ["Списали деньги дважды", "Где мой заказ?", "Не могу войти", "Верните деньги"],
}
BODIES = {
    "en": "Hello, I was charged twice for order {n}. Please refund the extra payment.",
    "es": "Hola, me cobraron dos veces el pedido {n}. Por favor devuélvanme el pago extra.",
    "ru": "Здравствуйте, с меня дважды списали оплату за заказ {n}. Верните лишний платёж.",
}
EMOTIONS = ["anger", "frustration", "sadness", "worry", "confusion", "gratitude", "neutral"]


@transaction.atomic
def bulk_tickets(
    count: int,
    *,
    teams: Sequence[Team] = (),
    agents: Sequence[Agent] = (),
    seed: int = 7,
    with_messages: bool = True,
    with_events: bool = True,
    index: bool = True,
    with_sla: bool = False,
    batch_size: int = 2000,
    overrides: dict[str, Any] | None = None,
) -> list[int]:
    """Insert ``count`` realistic tickets fast (bulk_create), for query counts and benchmarks.

    Skips the coach (signals are filled in at random) but writes customers, identities,
    tickets, one incoming message, a created event and tags, then builds the search index.
    ``with_sla``: also a running first-response clock and the SLA summary of each active
    ticket (a fifth breached, a fifth at risk, the rest due within a day).
    """
    rng = random.Random(seed)
    start = next(_counter) * 1_000_000 + Customer.objects.count()
    customers = Customer.objects.bulk_create(
        [
            Customer(
                name=f"Customer {start + i}",
                email=f"c{start + i}@example.com",
                preferred_language=rng.choice(["en", "es", "ru", "und"]),
            )
            for i in range(count)
        ],
        batch_size=batch_size,
    )
    CustomerIdentity.objects.bulk_create(
        [CustomerIdentity(customer=c, channel="email", handle=c.email) for c in customers],
        batch_size=batch_size,
    )
    tag_objs = [
        Tag.objects.get_or_create(name=name)[0] for name in ("billing", "shipping", "login", "vip")
    ]
    statuses = [Status.NEW, Status.OPEN, Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED]
    channels = ["email", "chat", "web", "api", "social", "forum", "phone", "video"]
    tickets = []
    for i, customer in enumerate(customers):
        language = rng.choice(["en", "en", "es", "ru", "und"])
        text_language = language if language != "und" else "en"
        emotion = rng.choice(EMOTIONS)
        tickets.append(
            Ticket(
                subject=f"{rng.choice(SUBJECTS[text_language])} ({start + i})",
                status=rng.choice(statuses),
                priority=rng.choice([1, 2, 2, 2, 3, 4]),
                channel=rng.choice(channels),
                language=language,
                customer=customer,
                team=rng.choice(teams) if teams and rng.random() < 0.9 else None,
                assignee=rng.choice(agents) if agents and rng.random() < 0.7 else None,
                emotion=emotion,
                intensity=round(rng.random(), 3),
                abuse=rng.random() < 0.03,
                threat=rng.random() < 0.01,
                coach_state="done",
            )
        )
    for ticket in tickets:
        for name, value in (overrides or {}).items():
            setattr(ticket, name, value)
    tickets = Ticket.objects.bulk_create(tickets, batch_size=batch_size)
    through = Ticket.tags.through
    through.objects.bulk_create(
        [
            through(ticket_id=t.pk, tag_id=rng.choice(tag_objs).pk)
            for t in tickets
            if rng.random() < 0.8
        ],
        batch_size=batch_size,
    )
    if with_messages:
        Message.objects.bulk_create(
            [
                Message(
                    ticket=t,
                    kind=MessageKind.INCOMING,
                    channel=t.channel,
                    author_customer_id=t.customer_id,
                    body=BODIES[t.language if t.language != "und" else "en"].format(n=t.pk),
                )
                for t in tickets
            ],
            batch_size=batch_size,
        )
    if with_events:
        timeline.record_history(
            [TicketEvent(ticket=t, kind="created", data={"channel": t.channel}) for t in tickets],
            batch_size=batch_size,
        )
    if with_sla:
        bulk_sla(tickets, rng=rng, batch_size=batch_size)
    ids = [t.pk for t in tickets]
    if index:
        for offset in range(0, len(ids), batch_size):
            search.reindex_tickets(ids[offset : offset + batch_size])
    return ids


def bulk_sla(tickets: Sequence[Ticket], *, rng: random.Random, batch_size: int = 2000) -> None:
    """Running first-response clocks and SLA summaries for the active ``tickets`` (bulk)."""
    now = timezone.now()
    clocks, summaries = [], []
    for ticket in tickets:
        if ticket.status not in {Status.NEW, Status.OPEN}:
            summaries.append(TicketSla(ticket_id=ticket.pk))
            continue
        # A fifth already late, a fifth at risk (past the 80 % warning), the rest later.
        roll = rng.random()
        minutes = (
            rng.randint(-600, -1)
            if roll < 0.2
            else rng.randint(1, 40)
            if roll < 0.4
            else rng.randint(60, 24 * 60)
        )
        due = now + timedelta(minutes=minutes)
        warn = due - timedelta(minutes=48)
        clocks.append(
            Clock(
                ticket_id=ticket.pk,
                target=Target.FIRST_RESPONSE,
                state=ClockState.RUNNING,
                started_at=due - timedelta(hours=1),
                target_seconds=3600,
                due_at=due,
                warn_at=warn,
                alarm_at=warn,
                team_id=ticket.team_id,
                channel=ticket.channel,
                language=ticket.language,
            )
        )
        summaries.append(
            TicketSla(
                ticket_id=ticket.pk,
                due_at=due,
                warn_at=warn,
                due_target=Target.FIRST_RESPONSE,
                breached=due <= now and rng.random() < 0.5,
            )
        )
    Clock.objects.bulk_create(clocks, batch_size=batch_size)
    TicketSla.objects.bulk_create(summaries, batch_size=batch_size)


def assert_same_query_count(request: Any, grow: Any, *, status: int = 200) -> int:
    """Run ``request()`` on a small data set and again after ``grow()``: same number of queries.

    The first call warms per-session work (session row, token last-used stamp) so that only
    the steady state is compared. Returns the query count.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = request()
    assert first.status_code == status, getattr(first, "content", b"")[:500]
    with CaptureQueriesContext(connection) as small:
        response = request()
    assert response.status_code == status
    grow()
    with CaptureQueriesContext(connection) as large:
        response = request()
    assert response.status_code == status
    small_sql = [q["sql"] for q in small.captured_queries]
    large_sql = [q["sql"] for q in large.captured_queries]
    assert len(small_sql) == len(large_sql), "\n".join(large_sql)
    return len(large_sql)
