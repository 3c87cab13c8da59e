"""Reports benchmark: each report over a quarter, and the "breaches soonest" inbox, at scale.

    .venv/bin/python benchmarks/reports_bench.py                        # 1,000,000 tickets
    .venv/bin/python benchmarks/reports_bench.py --tickets 20000        # a quick look
    .venv/bin/python benchmarks/reports_bench.py --keep                 # reuse the seeded data

Seeds N tickets into a scratch PostgreSQL database (``tactful_reports_bench``) with a year of
realistic history — ``desk.testing.bulk_tickets`` for the tickets, ``bulk_history`` for their
SLA clocks, replies with the coach's review, follow-ups and daily figures (log-normal waits,
more tickets lately, quieter weekends, 6 % reopened, 3 % abusive) — then times, in process
through Django's test client or the selectors themselves:

* each report over the last 90 days (a quarter) with the quarter before it, by team;
* the whole reports page and its CSV export, by team and by agent;
* the inbox sorted by "breaches soonest", and filtered to SLA at risk or breached;

(``--generate`` tickets — 25,000 by default — are generated with their histories in Python;
the rest are SQL copies of them: a new customer and ticket with the same history each, ids
moved, the daily figures multiplied to match. A million histories generated one by one in
Python take hours on a small shared machine; the copies take minutes.)

and, as the baseline, the same reports written as a plain ORM loop (read each ticket and its
messages, compute in Python). The loop is measured on a sample of the quarter's tickets and
extrapolated linearly to all of them (it says so in the output). Seeding a million tickets
takes a while on a small machine: ``--keep`` reuses a database that already holds N tickets.
This is a benchmark, not a test: it prints figures and ratios and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from desk_bench import count_rows, database_url, recreate_database, summary

DEFAULT_URL = (
    os.environ.get("TACTFUL_BENCH_DATABASE_URL")
    or os.environ.get("TACTFUL_TEST_DATABASE_URL")
    or "postgresql://root@127.0.0.1:5432/test"
)
DATABASE = "tactful_reports_bench"
#: Replies and follow-ups are written as message rows for one ticket in five (the figures
#: count all of them): the ORM baseline samples from those, and seeding stays affordable.
MESSAGES_EVERY = 5


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timed(request: Any, *, count: int, budget_s: float) -> list[float]:
    request()  # warm
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        request()
        samples.append((time.perf_counter() - t0) * 1000)
        if len(samples) >= 5 and time.perf_counter() - started > budget_s:
            break
    return samples


def setup(args: argparse.Namespace) -> bool:
    url = database_url(args.database_url, args.database)
    reuse = args.keep and count_rows(url, "tickets_ticket") == args.tickets
    if not reuse:
        recreate_database(args.database_url, args.database)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=tempfile.mkdtemp(prefix="tactful-reports-bench-"),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    return reuse


#: How the SQL copy rewrites each table's columns: a primary key or a reference moves by the
#: referenced table's offset; a unique handle gets a suffix; anything else is copied as is.
COPIED_TABLES: list[tuple[str, dict[str, str]]] = [
    ("customers_customer", {"id": "customers_customer"}),
    (
        "customers_customeridentity",
        {
            "id": "customers_customeridentity",
            "customer_id": "customers_customer",
            "handle": "suffix",
        },
    ),
    ("tickets_ticket", {"id": "tickets_ticket", "customer_id": "customers_customer"}),
    ("tickets_ticket_tags", {"id": "tickets_ticket_tags", "ticket_id": "tickets_ticket"}),
    (
        "tickets_message",
        {
            "id": "tickets_message",
            "ticket_id": "tickets_ticket",
            "author_customer_id": "customers_customer",
        },
    ),
    (
        "sla_clock",
        {"id": "sla_clock", "ticket_id": "tickets_ticket", "message_id": "tickets_message"},
    ),
    ("sla_ticketsla", {"ticket_id": "tickets_ticket"}),
]


def copy_in_sql(copies: int) -> None:
    """Grow the generated tickets ``copies`` times over inside PostgreSQL: each copy is a new
    customer with a new ticket and the same history (ids moved, handles suffixed), and the
    daily figures are multiplied to match. Generating a million histories in Python on a
    small shared machine takes hours; copying them takes minutes."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        offsets = {}
        for table, _columns in COPIED_TABLES:
            key = "ticket_id" if table == "sla_ticketsla" else "id"
            cursor.execute(f"SELECT coalesce(max({key}), 0) FROM {table}")
            offsets[table] = int(cursor.fetchone()[0])
        for table, rules in COPIED_TABLES:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = %s ORDER BY ordinal_position",
                [table],
            )
            columns = [row[0] for row in cursor.fetchall()]
            for copy in range(1, copies):
                parts = []
                for column in columns:
                    rule = rules.get(column)
                    if rule == "suffix":
                        parts.append(f"{column} || '#{copy}'")
                    elif rule:
                        parts.append(f"{column} + {copy * offsets[rule]}")
                    else:
                        parts.append(column)
                names = ", ".join(columns)
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT {', '.join(parts)} FROM {table} WHERE {'ticket_id' if table == 'sla_ticketsla' else 'id'} <= {offsets[table]}"
                )
            log(f"  copied {table}")
        for table, _rules in COPIED_TABLES:
            if table != "sla_ticketsla":
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        for table, counters in (
            ("sla_clockday", [*sla_counts()]),
            ("reports_dailyfigures", list(daily_counters())),
        ):
            sets = ", ".join(f"{name} = {name} * {copies}" for name in counters)
            cursor.execute(f"UPDATE {table} SET {sets}")


def sla_counts() -> list[str]:
    from tactful.sla import stats

    return [*stats.COUNTS, *stats.HISTOGRAM]


def daily_counters() -> tuple[str, ...]:
    from tactful.reports.models import COUNTERS

    return COUNTERS


def seed(args: argparse.Namespace) -> None:
    from collections import Counter

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from tactful.desk.testing import (
        DeskFactory,
        bulk_history,
        bulk_tickets,
        write_clock_days,
        write_daily,
    )
    from tactful.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    desk = DeskFactory()
    generated = min(args.generate, args.tickets)
    copies = max(1, args.tickets // generated)
    log(f"seeding {generated:,} tickets with a year of history, then {copies} copies in SQL…")
    started = time.perf_counter()
    teams = [desk.team(name) for name in ("Billing", "Technical", "Shipping", "Accounts")]
    agents = [desk.agent(f"agent{i}", teams=teams[i % 4 : i % 4 + 2]) for i in range(40)]
    desk.admin("boss")
    end = timezone.now()
    start = end - timedelta(days=365)
    totals: dict[Any, dict[str, int]] = {}
    clock_totals: Counter[Any] = Counter()
    chunk = 25_000
    rows = {"clocks": 0, "messages": 0}
    for offset in range(0, generated, chunk):
        ids = bulk_tickets(
            min(chunk, generated - offset),
            teams=teams,
            agents=agents,
            seed=offset,
            index=False,
            with_events=False,
        )
        written = bulk_history(
            list(Ticket.objects.filter(pk__in=ids)),
            start=start,
            end=end,
            agents=agents,
            seed=offset,
            totals=totals,
            clock_totals=clock_totals,
            messages_every=MESSAGES_EVERY,
        )
        rows["clocks"] += written["clocks"]
        rows["messages"] += written["messages"]
        log(f"  {min(offset + chunk, generated):,} ({time.perf_counter() - started:.0f} s)")
    write_daily(totals)
    write_clock_days(clock_totals)
    if copies > 1:
        copy_in_sql(copies)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(
        f"seeded in {time.perf_counter() - started:.0f} s: {rows['clocks']:,} clocks, "
        f"{rows['messages']:,} more messages, {len(totals):,} daily rows"
    )


# --- the baseline: the same reports as a plain ORM loop -----------------------------------------


def loop_times(tickets: list[Any]) -> dict[str, Any]:
    """Response and resolution times per team, the way a first version would: each ticket,
    its messages, Python arithmetic (calendar time), then medians."""
    from tactful.tickets.models import MessageKind

    first: dict[Any, list[float]] = {}
    following: dict[Any, list[float]] = {}
    resolution: dict[Any, list[float]] = {}
    for ticket in tickets:
        waiting_since = None
        answered = False
        for message in ticket.messages.order_by("created_at"):
            if message.kind == MessageKind.INCOMING and waiting_since is None:
                waiting_since = message.created_at
            elif message.kind == MessageKind.OUTGOING and message.author_agent_id:
                if waiting_since is not None:
                    seconds = (message.created_at - waiting_since).total_seconds()
                    (following if answered else first).setdefault(ticket.team_id, []).append(
                        seconds
                    )
                answered, waiting_since = True, None
        if ticket.solved_at:
            resolution.setdefault(ticket.team_id, []).append(
                (ticket.solved_at - ticket.created_at).total_seconds()
            )
    return {
        name: {team: statistics.median(v) for team, v in values.items()}
        for name, values in (("first", first), ("next", following), ("resolution", resolution))
    }


def loop_coach(replies: list[Any]) -> dict[Any, dict[str, int]]:
    """The coach's figures per team: each reply's review read in Python."""
    counts: dict[Any, dict[str, int]] = {}
    for message in replies:
        review = message.review or {}
        bag = counts.setdefault(message.ticket.team_id, {})
        bag["replies"] = bag.get("replies", 0) + 1
        balance = review.get("balance", "")
        bag[balance] = bag.get(balance, 0) + 1
        if (review.get("next_step") or {}).get("present"):
            bag["next_step"] = bag.get("next_step", 0) + 1
    return counts


def loop_flow(tickets: list[Any], days: list[Any]) -> dict[str, Any]:
    """Tickets in, solved and the backlog per day, ticket by ticket."""
    opened = {day: 0 for day in days}
    backlog = {day: 0 for day in days}
    for ticket in tickets:
        day = ticket.created_at.date()
        if day in opened:
            opened[day] += 1
        for d in days:
            if ticket.created_at.date() <= d and (
                ticket.solved_at is None or ticket.solved_at.date() > d
            ):
                backlog[d] += 1
    return {"opened": opened, "backlog": backlog}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per measurement")
    parser.add_argument("--sample", type=int, default=2000, help="tickets the ORM loop reads")
    parser.add_argument("--keep", action="store_true", help="reuse a seeded database")
    parser.add_argument(
        "--generate",
        type=int,
        default=25_000,
        help="tickets generated in Python; the rest are copies of them made in SQL",
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--database", default=DATABASE, help="the scratch database's name (dropped unless --keep)"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed, measure nothing")
    parser.add_argument(
        "--only", help="measure only what has this in its name (e.g. inbox); skips the baseline"
    )
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()
    reuse = setup(args)
    if not reuse:
        seed(args)
    else:
        log(f"reusing {args.database} ({args.tickets:,} tickets)")
    if args.seed_only:
        return

    from django.db.models import Sum
    from django.test import Client
    from django.utils import timezone

    from tactful.accounts.models import Agent
    from tactful.reports import presenters, selectors
    from tactful.reports.models import DailyFigures
    from tactful.reports.period import last_days
    from tactful.tickets.models import Message, MessageKind, Ticket

    admin = Agent.objects.get(username="boss")
    agent = Agent.objects.get(username="agent0")
    lead_client, agent_client = Client(), Client()
    lead_client.force_login(admin)
    agent_client.force_login(agent)
    quarter = last_days(90, bucket="week")
    scope = selectors.Scope()
    measures: dict[str, Any] = {
        "report: response & resolution times, SLA achieved": lambda: selectors.times(
            scope, quarter, by="team"
        ),
        "report: volume, reopened, backlog": lambda: selectors.flow(scope, quarter, by="team"),
        "report: empathy balance, next steps, over-apology, abuse": lambda: selectors.coach(
            scope, quarter, by="team"
        ),
        "reports page, by team (all of the above, rendered)": lambda: lead_client.get(
            "/reports/?range=90&by=team&bucket=week"
        ),
        "reports page, by agent": lambda: lead_client.get("/reports/?range=90&by=agent"),
        "CSV export, by agent": lambda: lead_client.get("/reports/export.csv?range=90&by=agent"),
        "inbox, breaches soonest (agent)": lambda: agent_client.get("/inbox/?sort=sla_due"),
        "inbox, SLA at risk or breached (agent)": lambda: agent_client.get(
            "/inbox/?sla=at_risk_or_breached&sort=sla_due"
        ),
        "inbox, breaches soonest (admin)": lambda: lead_client.get("/inbox/?sort=sla_due"),
        "inbox, breaches soonest, next page (agent)": lambda: agent_client.get(next_page),
        "inbox, breaches soonest, page 201 (agent)": lambda: agent_client.get(deep_page),
        "inbox sidebar: queue counts (agent)": lambda: agent_client.get("/inbox/counts/"),
    }
    # PostgreSQL plans the inbox's LIMIT 26 index walk with two parallel workers; starting them
    # costs more than the walk itself on a small, busy machine. Measured again without them.
    measures_serial = {
        "inbox, breaches soonest (agent), no parallel workers": lambda: agent_client.get(
            "/inbox/?sort=sla_due"
        ),
        "inbox, SLA at risk or breached (agent), no parallel workers": lambda: agent_client.get(
            "/inbox/?sla=at_risk_or_breached&sort=sla_due"
        ),
    }

    # The second page of the sorted inbox, as its "Next" link asks for it: a cursor where the
    # inbox pages by seeking from a row, a page number where it still pages by OFFSET.
    def next_link(page: int) -> str:
        shown = agent_client.get(f"/inbox/?sort=sla_due&page={page}").content.decode()
        link = re.search(rf'href="\?([^"]*page={page + 1}[^"&]*(&amp;[^"]*)?)"', shown)
        fallback = f"sort=sla_due&page={page + 1}"
        return "/inbox/?" + (link[1].replace("&amp;", "&") if link else fallback)

    next_page, deep_page = next_link(1), next_link(200)
    if args.only:
        measures = {k: v for k, v in measures.items() if args.only in k}
        measures_serial = {k: v for k, v in measures_serial.items() if args.only in k}
    log(f"load average {os.getloadavg()}; next page: {next_page}; page 201: {deep_page}")
    results: dict[str, Any] = {}
    for name, request in measures.items():
        response = request()
        if hasattr(response, "status_code"):
            assert response.status_code == 200, (name, response.status_code)
        results[name] = summary(timed(request, count=args.requests, budget_s=args.budget))
        log(f"  {name}: p50 {results[name]['p50']:.1f} ms, p95 {results[name]['p95']:.1f} ms")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    for name, request in measures_serial.items():
        assert request().status_code == 200, name
        results[name] = summary(timed(request, count=args.requests, budget_s=args.budget))
        log(f"  {name}: p50 {results[name]['p50']:.1f} ms, p95 {results[name]['p95']:.1f} ms")
    with connection.cursor() as cursor:
        cursor.execute("RESET max_parallel_workers_per_gather")
    log(f"load average {os.getloadavg()}")
    if args.only:
        print()
        print(f"{args.tickets:,} tickets; load average {os.getloadavg()}")
        print("| measured | p50 ms | p95 ms | n |")
        print("|---|---:|---:|---:|")
        for name, figures in results.items():
            print(f"| {name} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['n']} |")
        return
    # Sanity: the page really computed something.
    report = presenters.build(
        presenters.read(scope, quarter, by="team"), quarter, by="team", own_figures_only=False
    )
    headline = {k: c.current for k, c in report.headline.items()}

    # The baseline, on a sample of the two quarters' tickets, extrapolated.
    both = (quarter.previous.start, quarter.end)
    population = Ticket.objects.filter(created_at__gte=both[0], created_at__lt=both[1]).count()
    replies_total = (
        DailyFigures.objects.filter(
            day__gte=quarter.previous.first, day__lte=quarter.last
        ).aggregate(n=Sum("replies"))["n"]
        or 0
    )
    rng = random.Random(5)
    ids = [
        pk
        for pk in Ticket.objects.filter(
            created_at__gte=both[0], created_at__lt=both[1]
        ).values_list("id", flat=True)
        if pk % MESSAGES_EVERY == 0
    ]
    sample_ids = rng.sample(ids, min(args.sample, len(ids)))
    days = [
        (timezone.localtime(quarter.start) + timedelta(days=i)).date() for i in range(quarter.days)
    ]
    baseline: dict[str, Any] = {}

    def loop(name: str, run: Any, share: float) -> None:
        t0 = time.perf_counter()
        run()
        seconds = time.perf_counter() - t0
        baseline[name] = {"sample_s": seconds, "extrapolated_ms": seconds / share * 1000}
        log(f"  loop {name}: {seconds:.2f} s on the sample → {seconds / share:.1f} s for all")

    share = len(sample_ids) / max(1, population)
    loop(
        "report: response & resolution times, SLA achieved",
        lambda: loop_times(list(Ticket.objects.filter(pk__in=sample_ids))),
        share,
    )
    loop(
        "report: volume, reopened, backlog",
        lambda: loop_flow(list(Ticket.objects.filter(pk__in=sample_ids)), days),
        share,
    )
    sample_replies = list(
        Message.objects.filter(ticket_id__in=sample_ids, kind=MessageKind.OUTGOING).values_list(
            "id", flat=True
        )
    )
    loop(
        "report: empathy balance, next steps, over-apology, abuse",
        lambda: loop_coach(list(Message.objects.filter(pk__in=sample_replies))),
        len(sample_replies) / max(1, replies_total),
    )
    print()
    print(
        f"{args.tickets:,} tickets; a quarter = {quarter.first}..{quarter.last} with the quarter "
        f"before ({population:,} tickets, {replies_total:,} replies in the two)"
    )
    print(
        f"baseline: a plain ORM loop on {len(sample_ids):,} sampled tickets, extrapolated "
        "linearly to all of them"
    )
    print()
    print("| measured | p50 ms | p95 ms | n | plain ORM loop ms (extrapolated) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, figures in results.items():
        loop_ms = baseline.get(name, {}).get("extrapolated_ms")
        ratio = f"{loop_ms / figures['p95']:.0f}×" if loop_ms else ""
        loop_text = f"{loop_ms:,.0f}" if loop_ms else ""
        print(
            f"| {name} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['n']} | "
            f"{loop_text} | {ratio} |"
        )
    print()
    print("headline (sanity):", json.dumps(headline, default=str)[:600])
    if args.out:
        Path(args.out).write_text(
            json.dumps({"results": results, "baseline": baseline, "headline": headline}, indent=2)
        )


if __name__ == "__main__":
    main()
