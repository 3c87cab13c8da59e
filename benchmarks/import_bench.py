"""Importing a help desk's history: Tactful's bulk importer against a naive one-row-at-a-time
ORM import, on the same Zendesk export, in the same run.

    .venv/bin/python benchmarks/import_bench.py [--tickets 100000] [--messages-per-ticket 4]
                                                [--naive-sample 1000] [--sqlite]

1. **write the export** — a Zendesk full JSON export in a temporary folder: ``tickets.json``
   (one ticket per line with its comments: half the customer's, half the agents', in
   English, Spanish and Russian, some HTML, tags, custom fields) and ``users.json``;
2. **read only** — the Zendesk reader over the whole export, writing nothing (the floor);
3. **naive ORM import** — the same records written one row at a time through the ORM, the
   way a hand-written importer does it: look the key up, ``save()`` each customer, identity,
   ticket, tag, message and timeline row, put the historical dates back with an UPDATE
   (``auto_now_add`` overwrote them), rebuild the ticket's search entry. It runs on the first
   ``--naive-sample`` tickets only and its rate is extrapolated to the whole export (it
   would take hours otherwise); the tables are emptied before step 4;
4. **Tactful import** — ``tactful.importing.services.import_export`` over the whole export
   (chunks of 500 tickets, bulk inserts, one transaction per chunk, search index included);
5. **second run** — the same command again: everything is found and skipped.

PostgreSQL when ``TACTFUL_BENCH_DATABASE_URL`` (or ``TACTFUL_TEST_DATABASE_URL``) names a
server — a scratch database ``tactful_import_bench`` is created on it — else SQLite in a
temporary directory. Prints a table with rates and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SCRATCH = "tactful_import_bench"

TEXT = {
    "en": [
        "I was charged twice for order {n} and I still can't see the refund.",
        "This is the third time I'm writing about the same problem.",
        "Thanks, I've refunded the duplicate charge; you'll see it within 3 days.",
        "Could you tell me when my parcel will arrive?",
    ],
    "es": [
        "Me cobraron dos veces el pedido {n} y todavía no veo el reembolso.",
        "Es la tercera vez que escribo por el mismo problema.",
        "Gracias, he devuelto el cargo duplicado; lo verás en 3 días.",
        "¿Podrían decirme cuándo llega mi paquete?",
    ],
    "ru": [
        "С меня дважды списали оплату за заказ {n}, а возврата всё нет.",
        "Я пишу по этой проблеме уже третий раз.",
        "Спасибо, я вернул лишний платёж; деньги придут в течение 3 дней.",
        "Подскажите, когда придёт моя посылка?",
    ],
}
LOCALES = {"en": "en-US", "es": "es", "ru": "ru"}
STATUSES = ["new", "open", "pending", "hold", "solved", "solved", "closed", "closed"]
PRIORITIES = ["low", "normal", "normal", "high", "urgent", None]
CHANNELS = ["email", "email", "web", "chat", "api", "voice", "twitter"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the export ---------------------------------------------------------------------------


def write_export(folder: Path, *, tickets: int, per_ticket: int, seed: int) -> tuple[int, int]:
    """A Zendesk full JSON export; returns (tickets, comments) written."""
    rng = random.Random(seed)
    customers = max(tickets // 3, 1)
    agents = 20
    with (folder / "users.json").open("w", encoding="utf-8") as users:
        for a in range(agents):
            users.write(
                json.dumps(
                    {
                        "id": 1_000_000 + a,
                        "name": f"Agent {a}",
                        "role": "agent",
                        "email": f"agent{a}@bench.example",
                        "locale": "en-US",
                    }
                )
                + "\n"
            )
        for c in range(customers):
            language = ("en", "en", "es", "ru")[c % 4]
            users.write(
                json.dumps(
                    {
                        "id": c + 1,
                        "name": f"Customer {c}",
                        "role": "end-user",
                        "email": f"customer{c}@bench.example",
                        "locale": LOCALES[language],
                        "created_at": "2020-01-01T00:00:00Z",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    comments = 0
    with (folder / "tickets.json").open("w", encoding="utf-8") as out:
        for n in range(1, tickets + 1):
            requester = rng.randrange(customers) + 1
            language = ("en", "en", "es", "ru")[(requester - 1) % 4]
            agent = 1_000_000 + rng.randrange(agents)
            day = 1 + n % 28
            thread = []
            for i in range(per_ticket):
                from_customer = i % 2 == 0
                text = rng.choice(TEXT[language]).format(n=n)
                thread.append(
                    {
                        "id": n * 100 + i,
                        "type": "Comment",
                        "author_id": requester if from_customer else agent,
                        "body": text,
                        "html_body": f'<div class="zd-comment"><p>{text}</p></div>',
                        "public": True,
                        "attachments": [],
                        "created_at": f"2023-{1 + n % 12:02d}-{day:02d}T{8 + i:02d}:00:00Z",
                    }
                )
            comments += len(thread)
            ticket = {
                "id": n,
                "via": {"channel": rng.choice(CHANNELS)},
                "created_at": thread[0]["created_at"] if thread else "2023-01-01T00:00:00Z",
                "updated_at": thread[-1]["created_at"] if thread else "2023-01-01T00:00:00Z",
                "subject": TEXT[language][0].format(n=n)[:60],
                "priority": rng.choice(PRIORITIES),
                "status": rng.choice(STATUSES),
                "requester_id": requester,
                "assignee_id": agent,
                "group_id": None,
                "tags": rng.sample(["billing", "shipping", "login", "vip", "refund"], 2),
                "custom_fields": [{"id": 360011, "value": f"order-{n}"}],
                "comments": thread,
            }
            out.write(json.dumps(ticket, ensure_ascii=False) + "\n")
    return tickets, comments


# --- setup --------------------------------------------------------------------------------


def database_url(args: argparse.Namespace, data_dir: str) -> tuple[str, str]:
    base = "" if args.sqlite else args.database_url
    if base:
        try:
            import psycopg

            with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{SCRATCH}"')
            return urlunparse(urlparse(base)._replace(path=f"/{SCRATCH}")), "PostgreSQL"
        except Exception as exc:  # no server: fall back, and say so
            log(f"PostgreSQL at {base} unavailable ({exc}); using SQLite")
    return f"sqlite:///{data_dir}/bench.sqlite3", "SQLite"


def setup_django(url: str, data_dir: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=data_dir,
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- the naive import ---------------------------------------------------------------------


def naive_import(records: Iterator[Any], limit: int) -> tuple[int, int]:
    """One row at a time through the ORM: what a hand-written importer does."""
    from django.db import transaction

    from tactful.accounts.models import Agent
    from tactful.customers.models import Customer, CustomerIdentity
    from tactful.importing.models import SourceKey
    from tactful.importing.records import TicketRecord
    from tactful.tickets import search
    from tactful.tickets.models import Message, Tag, Ticket, TicketEvent

    def keyed(kind: str, external_id: str) -> int | None:
        found = SourceKey.objects.filter(
            namespace="naive", kind=kind, external_id=external_id
        ).first()
        return int(found.object_id) if found else None

    def remember(kind: str, external_id: str, pk: int) -> None:
        SourceKey.objects.create(
            namespace="naive", kind=kind, external_id=external_id, object_id=pk
        )

    def agent_for(person: Any) -> int | None:
        if person is None:
            return None
        pk = keyed("agent", person.key)
        if pk is None:
            agent = Agent.objects.filter(email__iexact=person.email).first()
            if agent is None:
                agent = Agent(
                    username=person.email or person.key, email=person.email, is_active=False
                )
                agent.set_unusable_password()
                agent.save()
            pk = agent.pk
            remember("agent", person.key, pk)
        return pk

    tickets = messages = 0
    for record in records:
        if not isinstance(record, TicketRecord):
            continue
        if tickets >= limit:
            break
        with transaction.atomic():
            if keyed("ticket", record.key) is not None:
                continue
            customer_pk = keyed("customer", record.customer.key)
            if customer_pk is None:
                customer = Customer(
                    name=record.customer.name,
                    email=record.customer.email,
                    preferred_language=record.customer.language or "und",
                )
                customer.save()
                Customer.objects.filter(pk=customer.pk).update(
                    created_at=record.customer.created_at
                )
                for channel, handle in record.customer.identities:
                    CustomerIdentity.objects.get_or_create(
                        channel=channel, handle=handle.lower(), defaults={"customer": customer}
                    )
                customer_pk = customer.pk
                remember("customer", record.customer.key, customer_pk)
            ticket = Ticket(
                subject=record.subject,
                status=record.status,
                priority=record.priority,
                channel=record.channel,
                language=record.language,
                customer_id=customer_pk,
                assignee_id=agent_for(record.assignee),
                custom_fields=record.custom_fields,
            )
            ticket.save()
            for name in record.tags:
                ticket.tags.add(Tag.objects.get_or_create(name=name)[0])
            for message in record.messages:
                if keyed("message", message.key) is not None:
                    continue
                row = Message(
                    ticket=ticket,
                    kind=message.kind,
                    channel=message.channel or record.channel,
                    author_customer_id=customer_pk if message.kind == "in" else None,
                    author_agent_id=agent_for(message.author) if message.kind != "in" else None,
                    body=message.body,
                )
                row.save()
                Message.objects.filter(pk=row.pk).update(created_at=message.created_at)
                event = TicketEvent(
                    ticket=ticket,
                    kind="received" if message.kind == "in" else "replied",
                    message=row,
                    data={},
                )
                event.save()
                TicketEvent.objects.filter(pk=event.pk).update(created_at=message.created_at)
                remember("message", message.key, row.pk)
                messages += 1
            Ticket.objects.filter(pk=ticket.pk).update(
                created_at=record.created_at, updated_at=record.updated_at or record.created_at
            )
            remember("ticket", record.key, ticket.pk)
            search.reindex_tickets([ticket.pk])
            tickets += 1
    return tickets, messages


def empty_tables() -> None:
    from django.db import connection

    from tactful.accounts.models import Agent
    from tactful.customers.models import Customer, CustomerIdentity
    from tactful.importing.models import ImportRun, SourceKey
    from tactful.tickets.models import Message, Tag, Ticket, TicketEvent

    models = [
        TicketEvent,
        Message,
        Ticket.tags.through,
        Ticket,
        CustomerIdentity,
        Customer,
        Tag,
        SourceKey,
        ImportRun,
    ]
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    Agent.objects.filter(is_active=False).delete()


# --- run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages-per-ticket", type=int, default=4)
    parser.add_argument("--naive-sample", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TACTFUL_BENCH_DATABASE_URL")
        or os.environ.get("TACTFUL_TEST_DATABASE_URL", ""),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tactful-import-bench-") as data_dir:
        folder = Path(data_dir) / "zendesk"
        folder.mkdir()
        started = time.perf_counter()
        tickets, comments = write_export(
            folder, tickets=args.tickets, per_ticket=args.messages_per_ticket, seed=13
        )
        size = sum(p.stat().st_size for p in folder.iterdir())
        log(
            f"export: {tickets:,} tickets, {comments:,} comments, {size / 1e6:.0f} MB "
            f"written in {time.perf_counter() - started:.1f} s"
        )
        url, backend = database_url(args, data_dir)
        setup_django(url, data_dir)

        from tactful.importing import services
        from tactful.importing.readers.zendesk import ZendeskReader

        rows: list[tuple[str, int, int, float, str]] = []

        started = time.perf_counter()
        read = sum(1 for _ in ZendeskReader(folder).records())
        seconds = time.perf_counter() - started
        rows.append(("read only (parse + check, no writes)", read, comments, seconds, "measured"))
        log(f"read only: {seconds:.1f} s")

        sample = min(args.naive_sample, tickets)
        started = time.perf_counter()
        naive_tickets, naive_messages = naive_import(ZendeskReader(folder).records(), sample)
        seconds = time.perf_counter() - started
        factor = tickets / max(naive_tickets, 1)
        rows.append(
            (
                f"naive ORM import (first {naive_tickets:,} tickets, extrapolated ×{factor:.0f})",
                tickets,
                comments,
                seconds * factor,
                f"measured {seconds:.1f} s on the sample",
            )
        )
        log(f"naive: {naive_tickets:,} tickets, {naive_messages:,} messages in {seconds:.1f} s")
        empty_tables()

        started = time.perf_counter()
        summary = services.import_export(reader=ZendeskReader(folder))
        seconds = time.perf_counter() - started
        assert summary.imported["tickets"] == tickets, summary  # a wrong run is no benchmark
        rows.append(
            ("Tactful import (bulk, chunks of 500)", tickets, comments, seconds, "measured")
        )
        log(f"tactful: {seconds:.1f} s; {dict(summary.imported)}")

        started = time.perf_counter()
        again = services.import_export(reader=ZendeskReader(folder), resume=False)
        seconds = time.perf_counter() - started
        rows.append(
            ("second run (everything already imported)", tickets, comments, seconds, "measured")
        )
        log(f"second run: {seconds:.1f} s; skipped {dict(again.skipped)}")

    naive_seconds = rows[1][3]
    print(
        f"\nImporting {tickets:,} tickets with {comments:,} messages ({backend}, "
        f"{size / 1e6:.0f} MB Zendesk export)\n"
    )
    print("| step | seconds | tickets/s | messages/s | × naive | note |")
    print("|---|---:|---:|---:|---:|---|")
    for name, count, messages, seconds, note in rows:
        print(
            f"| {name} | {seconds:,.1f} | {count / seconds:,.0f} | {messages / seconds:,.0f} "
            f"| {naive_seconds / seconds:,.1f} | {note} |"
        )


if __name__ == "__main__":
    main()
