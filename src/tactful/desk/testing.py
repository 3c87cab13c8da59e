"""Builders for tests, the demo and the benchmark: real services, plus a bulk path for volume."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tactful.accounts import services as account_services
from tactful.accounts.models import Agent, Role, Team
from tactful.api.services import issue_token
from tactful.customers import services as customer_services
from tactful.customers.models import Customer, CustomerIdentity
from tactful.desk.seed_texts import BODIES, SUBJECTS, conversation_text
from tactful.reports.models import COUNTERS, DailyFigures
from tactful.reports.rollup import Key, key_for, review_counts
from tactful.sla import services as sla_services
from tactful.sla import stats as sla_stats
from tactful.sla.models import Clock, ClockDay, ClockState, Target, TicketSla
from tactful.tickets import history, inbound, search, timeline
from tactful.tickets.models import (
    EventKind,
    Message,
    MessageKind,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

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


EMOTIONS = ["anger", "frustration", "sadness", "worry", "confusion", "gratitude", "neutral"]


#: How long seeded agents take to answer and seeded customers to write again (seconds, drawn
#: uniformly): spread enough that conversations cross days, as real ones do.
REPLY_WAIT_SECONDS = (3 * 60, 8 * 3600)
FOLLOW_UP_WAIT_SECONDS = (10 * 60, 36 * 3600)


@transaction.atomic
def bulk_tickets(
    count: int,
    *,
    teams: Sequence[Team] = (),
    agents: Sequence[Agent] = (),
    seed: int = 7,
    with_messages: bool = True,
    messages_per_ticket: int = 1,
    with_events: bool = True,
    index: bool = True,
    with_sla: bool = False,
    batch_size: int = 2000,
    overrides: dict[str, Any] | None = None,
) -> list[int]:
    """Insert ``count`` realistic tickets fast (bulk_create), for query counts and benchmarks.

    Skips the coach (signals are filled in at random) but writes customers, identities,
    tickets, one incoming message, a created event and tags, then builds the search index.
    ``messages_per_ticket``: above 1, each ticket holds a conversation in its language
    instead: the customer's first message, then agent replies and customer follow-ups in
    turn, each with its event, all in the past (see :func:`_write_conversations`).
    ``with_sla``: also a running first-response clock and the SLA summary of each active
    ticket (a fifth breached, a fifth at risk, the rest due within a day).
    """
    if messages_per_ticket < 1:
        raise ValueError("messages_per_ticket must be at least 1")
    conversations = with_messages and messages_per_ticket > 1
    if conversations and with_sla:
        # bulk_sla seeds a wait for the first response, which a replied ticket no longer has.
        raise ValueError("with_sla seeds unanswered tickets: use messages_per_ticket=1")
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
                # A seeded conversation holds an agent's replies, and whoever answers a ticket
                # holds it (as ``services.reply`` assigns it): every such ticket has an agent.
                assignee=(
                    rng.choice(agents) if agents and (conversations or rng.random() < 0.7) else None
                ),
                emotion=emotion,
                intensity=round(rng.random(), 3),
                abuse=rng.random() < 0.03,
                threat=rng.random() < 0.01,
                coach_state="done",
            )
        )
    plans: list[_Conversation] = []
    if conversations:
        # A generator of its own: one seed gives the same tickets whatever their length.
        plans = _plan_conversations(
            tickets,
            messages=messages_per_ticket,
            rng=random.Random(f"{seed}-conversations"),
        )
    for ticket in tickets:
        for name, value in (overrides or {}).items():
            setattr(ticket, name, value)
    with (
        keeping_dates(Ticket, names=("created_at", "updated_at"))
        if conversations
        else nullcontext()
    ):
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
    if conversations:
        for offset in range(0, len(tickets), batch_size):
            _write_conversations(
                tickets[offset : offset + batch_size],
                plans[offset : offset + batch_size],
                with_events=with_events,
                batch_size=batch_size,
            )
    elif with_messages:
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
    if with_events and not conversations:
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


@dataclass(frozen=True)
class _Conversation:
    """When each message of one seeded ticket was written, and which agent answers."""

    times: tuple[datetime, ...]
    replier_id: int | None


def _plan_conversations(
    tickets: Sequence[Ticket], *, messages: int, rng: random.Random
) -> list[_Conversation]:
    """Date each unsaved ticket's conversation (ending before now) and set what a real reply
    would have set on the ticket: created and updated times, the first response, and, as
    ``services.reply`` does, a new ticket opened. Its assignee answers (``bulk_tickets`` gives
    every such ticket one when there are agents); with no agents the replies are Tactful's
    own, which change none of that.
    """
    now = timezone.now()
    plans = []
    for ticket in tickets:
        waits = [
            rng.uniform(*(REPLY_WAIT_SECONDS if position % 2 else FOLLOW_UP_WAIT_SECONDS))
            for position in range(1, messages)
        ]
        opened = now - timedelta(seconds=sum(waits) + rng.uniform(60, 2 * 86400))
        times = list(
            itertools.accumulate(waits, lambda at, s: at + timedelta(seconds=s), initial=opened)
        )
        replier = ticket.assignee if ticket.assignee_id else None
        ticket.created_at = times[0]
        ticket.updated_at = times[-1]
        if replier is not None:
            ticket.first_response_at = times[1]
            if ticket.status == Status.NEW:
                ticket.status = Status.OPEN
        plans.append(_Conversation(tuple(times), int(replier.pk) if replier else None))
    return plans


def _write_conversations(
    tickets: Sequence[Ticket],
    plans: Sequence[_Conversation],
    *,
    with_events: bool,
    batch_size: int,
) -> None:
    """Insert the planned messages of saved ``tickets`` (and their events) with their dates.

    Called for a slice of tickets at a time, so that millions of messages never sit in memory
    together. The customer opens and writes the even-numbered messages; agents write the odd.
    """
    messages: list[Message] = []
    for ticket, plan in zip(tickets, plans, strict=True):
        for position, at in enumerate(plan.times):
            incoming = position % 2 == 0
            messages.append(
                Message(
                    ticket_id=ticket.pk,
                    kind=MessageKind.INCOMING if incoming else MessageKind.OUTGOING,
                    channel=ticket.channel,
                    author_customer_id=ticket.customer_id if incoming else None,
                    author_agent_id=None if incoming else plan.replier_id,
                    body=conversation_text(ticket.language, position, int(ticket.pk)),
                    created_at=at,
                )
            )
    history.insert_rows(Message, messages, batch_size=batch_size)
    if not with_events:
        return
    events = []
    written = iter(messages)
    for ticket, plan in zip(tickets, plans, strict=True):
        for position in range(len(plan.times)):
            message = next(written)
            data: dict[str, Any] = {}
            if position == 0:
                kind, data = EventKind.CREATED, {"channel": ticket.channel}
            elif message.kind == MessageKind.INCOMING:
                kind = EventKind.MESSAGE_RECEIVED
            else:
                # What ReplyRecorded writes: an answer nobody signed is Tactful's own.
                kind = EventKind.REPLIED
                if plan.replier_id is None:
                    data = {"system": True}
            events.append(
                TicketEvent(
                    ticket_id=ticket.pk,
                    kind=kind.value,
                    actor_id=message.author_agent_id,
                    message_id=message.pk,
                    data=data,
                    created_at=message.created_at,
                )
            )
    timeline.record_history(events, batch_size=batch_size)


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


@contextmanager
def keeping_dates(*models: Any, names: Sequence[str] = ("created_at",)) -> Iterator[None]:
    """Let bulk inserts keep the dates they set in the fields ``names`` (``created_at``, and
    ``updated_at`` too where asked), which Django would stamp with the current time: history
    is seeded in the past."""
    fields = [model._meta.get_field(name) for model in models for name in names]
    saved = [(field.auto_now, field.auto_now_add) for field in fields]
    try:
        for field in fields:
            field.auto_now = field.auto_now_add = False
        yield
    finally:
        for field, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


#: Targets the seeded history is measured against (minutes): a four-hour first response, an
#: eight-hour next response, three days to resolve.
HISTORY_TARGETS = {"first_response": 240, "next_response": 480, "resolution": 3 * 24 * 60}
BALANCE_WEIGHTS = (("balanced", 0.62), ("too_little", 0.24), ("too_much", 0.14))


def _review(rng: random.Random, progress: float) -> dict[str, Any]:
    """A send-time review as the coach stores it (the team improves as time goes on)."""
    roll, balance = rng.random(), "balanced"
    shift = 0.12 * progress
    if roll < BALANCE_WEIGHTS[1][1] - shift:
        balance = "too_little"
    elif roll > 1 - BALANCE_WEIGHTS[2][1] + shift / 2:
        balance = "too_much"
    over = rng.random() < 0.12 - 0.06 * progress
    return {
        "balance": balance,
        "next_step": {"present": rng.random() < 0.6 + 0.2 * progress, "spans": []},
        "findings": [{"kind": "over_apology", "severity": "warning", "message": "", "spans": []}]
        if over
        else [],
        "apology_count": 2 if over else 1,
    }


def bulk_history(
    tickets: Sequence[Ticket],
    *,
    start: datetime,
    end: datetime,
    agents: Sequence[Agent],
    seed: int = 7,
    batch_size: int = 5000,
    messages: bool = True,
    messages_every: int = 1,
    totals: dict[Any, dict[str, int]] | None = None,
    clock_totals: Counter[Any] | None = None,
) -> dict[str, int]:
    """Give bulk ``tickets`` a past: opened between ``start`` and ``end`` (more of them lately),
    answered after log-normal waits, some customers writing again, most solved, a few
    reopened — written as SLA clocks, replies with the coach's review, follow-up messages and
    the daily figures, all in bulk. Returns how many rows of each kind it wrote.

    The waits shorten and the replies improve over the period, so charts show a trend.
    Tickets whose status is active keep running clocks (due soon, some already late).
    ``messages_every``: write the reply and follow-up rows for one ticket in N only (the
    figures are counted for all of them; a benchmark's ORM baseline reads that share).
    ``totals``/``clock_totals``: collect the daily counts there instead of writing them (for
    a caller that seeds in batches and writes them once with :func:`write_daily` and
    :func:`write_clock_days`).
    """
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    now = timezone.now()
    clocks: list[Clock] = []
    replies: list[Message] = []
    summaries: list[TicketSla] = []
    daily: dict[Any, dict[str, int]] = {}
    created: dict[int, datetime] = {}
    agent_ids = [int(a.pk) for a in agents] or [None]

    def count(key: Any, counts: dict[str, int]) -> None:
        bag = daily.setdefault(key, {})
        for name, n in counts.items():
            bag[name] = bag.get(name, 0) + n

    def wait(median_minutes: float, progress: float) -> float:
        minutes = rng.lognormvariate(math.log(median_minutes), 0.9) * (1.25 - 0.5 * progress)
        return max(1.0, minutes) * 60.0

    for ticket in tickets:
        progress = math.sqrt(rng.random())  # more tickets lately: volume grows
        opened = start + timedelta(seconds=span * progress)
        if opened.weekday() >= 5 and rng.random() < 0.6:  # quieter weekends
            opened -= timedelta(days=2)
        opened = max(start, min(opened, end - timedelta(minutes=5)))
        created[ticket.pk] = opened
        agent_id = ticket.assignee_id or rng.choice(agent_ids)
        write = messages and ticket.pk % messages_every == 0
        dims = {"team_id": ticket.team_id, "channel": ticket.channel, "language": ticket.language}
        active = ticket.status in {Status.NEW, Status.OPEN, Status.PENDING}
        if active and opened < now - timedelta(days=14):
            # Real backlogs are young: a ticket from months ago was solved long since.
            active = False
            ticket.status = rng.choice([Status.SOLVED, Status.CLOSED])
        count(
            key_for(at=opened, agent_id=agent_id, **dims),
            {"customer_messages": 1, "abusive_messages": int(rng.random() < 0.03)},
        )
        moment = opened
        turns: list[tuple[str, datetime, float]] = []
        first = wait(110, progress)
        turns.append(("first_response", opened, first))
        for _ in range(rng.choices((0, 1, 2, 3), weights=(50, 30, 15, 5))[0]):
            turns.append(
                (
                    "next_response",
                    # The customer writes again after the previous answer.
                    turns[-1][1]
                    + timedelta(seconds=turns[-1][2])
                    + timedelta(hours=rng.uniform(1, 30)),
                    wait(150, progress),
                )
            )
        for sequence, (target, began, elapsed) in enumerate(turns):
            answered = began + timedelta(seconds=elapsed)
            limit = HISTORY_TARGETS[target] * 60
            if answered > now - timedelta(minutes=1) or (
                active and sequence == len(turns) - 1 and rng.random() < 0.5
            ):
                due = began + timedelta(seconds=limit)
                clocks.append(
                    Clock(
                        ticket_id=ticket.pk,
                        target=target,
                        sequence=sequence,
                        state=ClockState.RUNNING,
                        started_at=began,
                        target_seconds=limit,
                        due_at=due,
                        warn_at=began + timedelta(seconds=0.8 * limit),
                        alarm_at=began + timedelta(seconds=0.8 * limit),
                        **dims,
                    )
                )
                moment = began
                break
            clocks.append(
                Clock(
                    ticket_id=ticket.pk,
                    target=target,
                    sequence=sequence,
                    state=ClockState.MET if elapsed <= limit else ClockState.MISSED,
                    started_at=began,
                    ended_at=answered,
                    target_seconds=limit,
                    elapsed_seconds=elapsed,
                    due_at=began + timedelta(seconds=limit),
                    agent_id=agent_id,
                    **dims,
                )
            )
            if target == "next_response":
                count(key_for(at=began, agent_id=agent_id, **dims), {"customer_messages": 1})
                if write:
                    replies.append(
                        Message(
                            ticket_id=ticket.pk,
                            kind=MessageKind.INCOMING,
                            channel=ticket.channel,
                            author_customer_id=ticket.customer_id,
                            body="Any news?",
                            created_at=began,
                        )
                    )
            review = _review(rng, progress)
            count(key_for(at=answered, agent_id=agent_id, **dims), review_counts(review))
            if write:
                replies.append(
                    Message(
                        ticket_id=ticket.pk,
                        kind=MessageKind.OUTGOING,
                        channel=ticket.channel,
                        author_agent_id=agent_id,
                        body="Done: refund issued; you will see it Friday.",
                        review=review,
                        created_at=answered,
                    )
                )
            moment = answered
        resolution_limit = HISTORY_TARGETS["resolution"] * 60
        solved_after = max(wait(20 * 60, progress), (moment - opened).total_seconds() + 60)
        solved = opened + timedelta(seconds=solved_after)
        if active or solved > now:
            clocks.append(
                Clock(
                    ticket_id=ticket.pk,
                    target="resolution",
                    sequence=0,
                    state=ClockState.RUNNING,
                    started_at=opened,
                    target_seconds=resolution_limit,
                    due_at=opened + timedelta(seconds=resolution_limit),
                    **dims,
                )
            )
        else:
            reopened = rng.random() < 0.06
            clocks.append(
                Clock(
                    ticket_id=ticket.pk,
                    target="resolution",
                    sequence=0,
                    state=ClockState.MET if solved_after <= resolution_limit else ClockState.MISSED,
                    started_at=opened,
                    ended_at=solved,
                    target_seconds=resolution_limit,
                    elapsed_seconds=solved_after,
                    superseded=reopened,
                    agent_id=agent_id,
                    **dims,
                )
            )
            if reopened:
                again = solved + timedelta(hours=rng.uniform(1, 48))
                extra = wait(6 * 60, progress)
                done = again + timedelta(seconds=extra)
                finished = done < now
                clocks.append(
                    Clock(
                        ticket_id=ticket.pk,
                        target="resolution",
                        sequence=1,
                        state=(
                            ClockState.MET
                            if solved_after + extra <= resolution_limit
                            else ClockState.MISSED
                        )
                        if finished
                        else ClockState.RUNNING,
                        started_at=again,
                        ended_at=done if finished else None,
                        target_seconds=resolution_limit,
                        elapsed_seconds=solved_after + extra if finished else solved_after,
                        carried_seconds=solved_after,
                        agent_id=agent_id if finished else None,
                        **dims,
                    )
                )
        running = [
            c for c in clocks[-6:] if c.ticket_id == ticket.pk and c.state == ClockState.RUNNING
        ]
        soonest = min(running, key=lambda c: c.due_at or now, default=None)
        summaries.append(
            TicketSla(
                ticket_id=ticket.pk,
                due_at=soonest.due_at if soonest else None,
                warn_at=soonest.warn_at if soonest else None,
                due_target=soonest.target if soonest else "",
                breached=bool(soonest and soonest.due_at and soonest.due_at <= now),
            )
        )
    with keeping_dates(Ticket, Message):
        for offset in range(0, len(tickets), batch_size):
            part = list(tickets[offset : offset + batch_size])
            for ticket in part:
                ticket.created_at = created[ticket.pk]
            Ticket.objects.bulk_update(part, ["created_at", "status"])
        Message.objects.filter(
            ticket_id__in=[t.pk for t in tickets], kind=MessageKind.INCOMING
        ).update(
            created_at=Subquery(
                Ticket.objects.filter(pk=OuterRef("ticket_id")).values("created_at")[:1]
            )
        )
        Message.objects.bulk_create(replies, batch_size=batch_size)
    Clock.objects.bulk_create(clocks, batch_size=batch_size)
    if clock_totals is None:
        sla_services.add_to_days(sla_stats.total(clocks))
    else:
        clock_totals.update(sla_stats.total(clocks))
    TicketSla.objects.filter(ticket_id__in=[t.pk for t in tickets]).delete()
    TicketSla.objects.bulk_create(summaries, batch_size=batch_size)
    if totals is None:
        write_daily(daily, batch_size=batch_size)
    else:
        for key, counts in daily.items():
            bag = totals.setdefault(key, {})
            for name, n in counts.items():
                bag[name] = bag.get(name, 0) + n
    return {"clocks": len(clocks), "messages": len(replies), "daily": len(daily)}


def write_clock_days(counts: Counter[Any], *, batch_size: int = 5000) -> None:
    """Write collected SLA day rows into an empty table (a fresh benchmark database)."""
    rows = sla_stats.by_row(counts)
    ClockDay.objects.bulk_create(
        [ClockDay(**sla_stats.lookup(row), **values) for row, values in rows.items()],
        batch_size=batch_size,
    )


def write_daily(daily: dict[Any, dict[str, int]], *, batch_size: int = 5000) -> None:
    """Add counts (keyed by ``rollup.Key``) to the daily figures, merging with stored rows."""
    days = sorted({key.day for key in daily})
    merged: dict[Any, dict[str, int]] = {key: dict(counts) for key, counts in daily.items()}
    with transaction.atomic():
        for offset in range(0, len(days), 100):
            stored = DailyFigures.objects.filter(day__in=days[offset : offset + 100])
            for row in stored:
                key = Key(row.day, row.team_id, row.agent_id, row.channel, row.language)
                bag = merged.setdefault(key, {})
                for name in COUNTERS:
                    bag[name] = bag.get(name, 0) + getattr(row, name)
            stored.delete()
        DailyFigures.objects.bulk_create(
            [DailyFigures(**key.lookup(), **counts) for key, counts in merged.items()],
            batch_size=batch_size,
        )
