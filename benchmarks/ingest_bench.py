"""E-mail ingest throughput in one worker process: parse + store + coach, and IMAP end to end.

    .venv/bin/python benchmarks/ingest_bench.py [--mails 600] [--imap-mails 300] [--sqlite]

Everything runs in this one process, the way one Celery worker (pool solo) does the work:

1. **parse only** — ``tactful.mail.parsing.parse_email``, with the standard library's
   ``BytesParser`` timed on the same mails as the baseline;
2. **store only** — ``ingest_email`` (parse, thread, customer, ticket/message, search index)
   with the coach switched off;
3. **coach only** — ``analyze_incoming_message`` on the messages stored in step 2: the time a
   worker spends in the coach, reported on its own;
4. **store + coach** — ``ingest_email`` with the analysis running inline after each commit,
   on fresh mails: what one worker sustains;
4b. **store + coach, in groups** — the same, with each group of ``--group`` mails stored
   inside ``coaching.tasks.analyses_in_batches()`` as an IMAP poll stores a fetched group:
   the coach reads the group in one encoder call after it;
5. **IMAP end to end** — APPEND the mails to the test Dovecot, then ``poll_mailbox`` (fetch,
   store, coach, flag \\Seen). Needs ``scripts/mailserver.sh`` (skipped without it).

PostgreSQL when ``TACTFUL_BENCH_DATABASE_URL`` (or ``TACTFUL_TEST_DATABASE_URL``) names a
server — a scratch database ``tactful_ingest_bench`` is created on it — else SQLite in a
temporary directory. The mails are realistic (en/es/ru, a third of them replies threaded by
In-Reply-To with the quoted history below, HTML alternatives, some attachments). Target from
the issue: ≥ 100 mails/s per worker process. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SENTENCES = {
    "en": [
        "I was charged twice for my subscription this month and I can't see any refund yet.",
        "This is the third time I'm writing to you about the same problem.",
        "Your agent promised me a callback on Monday but nobody ever called.",
        "I have already restarted the router twice and the connection still drops every hour.",
        "Could you tell me when the money will be back on my card?",
        "The order number is 58213 and it was supposed to arrive last Friday.",
        "Thank you for the quick answer, that solved it.",
    ],
    "es": [
        "Me han cobrado dos veces la suscripción este mes y todavía no veo ningún reembolso.",
        "Es la tercera vez que les escribo por el mismo problema.",
        "Su agente me prometió una llamada el lunes pero nadie me llamó.",
        "¿Podrían decirme cuándo volverá el dinero a mi tarjeta?",
        "El número de pedido es 58213 y tenía que llegar el viernes pasado.",
        "Gracias por la respuesta rápida, ya está resuelto.",
    ],
    "ru": [
        "В этом месяце с меня дважды списали оплату подписки, а возврата до сих пор нет.",
        "Я пишу вам по этой проблеме уже третий раз.",
        "Ваш оператор обещал перезвонить в понедельник, но никто так и не позвонил.",
        "Подскажите, когда деньги вернутся на карту?",
        "Номер заказа 58213, он должен был прийти в прошлую пятницу.",
        "Спасибо за быстрый ответ, всё заработало.",
    ],
}
SUBJECTS = {
    "en": ["Charged twice", "Where is my parcel?", "Cannot log in", "Refund please"],
    "es": ["Me cobraron dos veces", "¿Dónde está mi pedido?", "No puedo entrar"],
    "ru": ["Списали деньги дважды", "Где мой заказ?", "Не могу войти"],
}
SIGNATURE = "\n-- \nCasey Customer\nSent from my phone"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_corpus(count: int, *, to: str, seed: int) -> list[bytes]:
    """``count`` raw mails: two thirds new conversations, one third replies to earlier ones."""
    rng = random.Random(seed)
    run = uuid.uuid4().hex[:8]
    mails: list[bytes] = []
    earlier: list[tuple[str, str, str, str]] = []  # (message id, sender, subject, body)
    for n in range(count):
        language = rng.choice(["en", "en", "es", "ru"])
        body = " ".join(rng.choice(SENTENCES[language]) for _ in range(rng.randint(3, 7)))
        body += f" (ref {run}-{n})"
        mail = EmailMessage()
        message_id = make_msgid(domain="bench.example")
        if earlier and rng.random() < 1 / 3:
            parent_id, sender, subject, parent_body = rng.choice(earlier)
            mail["Subject"] = f"Re: {subject}"
            mail["In-Reply-To"] = parent_id
            mail["References"] = parent_id
            quoted = "\n".join(f"> {line}" for line in parent_body.splitlines())
            text = f"{body}\n\nOn Monday, support wrote:\n{quoted}{SIGNATURE}"
        else:
            sender = f"customer-{run}-{n}@bench.example"
            subject = f"{rng.choice(SUBJECTS[language])} #{n}"
            mail["Subject"] = subject
            text = body + SIGNATURE
        mail["From"] = f"Customer {n} <{sender}>"
        mail["To"] = to
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = message_id
        mail.set_content(text)
        if rng.random() < 0.5:
            mail.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
        if rng.random() < 0.1:
            mail.add_attachment(
                rng.randbytes(20_000), maintype="application", subtype="pdf", filename="invoice.pdf"
            )
        earlier.append((message_id, sender, mail["Subject"].removeprefix("Re: "), body))
        mails.append(mail.as_bytes())
    return mails


# --- setup ------------------------------------------------------------------------------------


def scratch_name(default: str) -> str:
    """The scratch database's name: ``TACTFUL_BENCH_SCRATCH_DB`` lets two checkouts sharing one
    PostgreSQL server benchmark at once without dropping each other's database."""
    name = os.environ.get("TACTFUL_BENCH_SCRATCH_DB") or default
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"scratch database name {name!r}: letters, digits and _ only")
    return name


def database_url(args: argparse.Namespace, data_dir: str) -> tuple[str, str]:
    """(URL, description): a fresh PostgreSQL scratch database, or SQLite in ``data_dir``."""
    base = "" if args.sqlite else args.database_url
    if base:
        try:
            import psycopg

            name = scratch_name("tactful_ingest_bench")
            with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            url = urlunparse(urlparse(base)._replace(path=f"/{name}"))
            return url, "PostgreSQL"
        except Exception as exc:  # no server: fall back, and say so
            log(f"PostgreSQL at {base} unavailable ({exc}); using SQLite")
    return f"sqlite:///{data_dir}/bench.sqlite3", "SQLite (WAL)"


def setup_django(url: str, data_dir: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=data_dir,
    )
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks run inline: this process is the worker
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class CoachTimer:
    """Seconds spent inside ``tactful.coach.analyze_message`` (wrapped for the benchmark)."""

    def __init__(self) -> None:
        import tactful.coach

        self.seconds = 0.0
        self.calls = 0
        real = tactful.coach.analyze_message

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        tactful.coach.analyze_message = timed  # coaching.analysis calls it through the module
        real_many = tactful.coach.analyze_many

        def timed_many(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return real_many(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        tactful.coach.analyze_many = timed_many

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


class CoachSwitch:
    """Turns the inline analysis after each ingest off and on (the benchmark's lever only)."""

    def __init__(self) -> None:
        from tactful.coaching import tasks

        self._tasks = tasks
        self._real = tasks.enqueue_analysis

    def off(self) -> None:
        self._tasks.enqueue_analysis = lambda message_id: None

    def on(self) -> None:
        self._tasks.enqueue_analysis = self._real


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


#: The process CPU seconds of the last ``timed`` step: this worker's own work (PostgreSQL's
#: is in its server process), much less sensitive than the wall clock to a busy machine.
_last_cpu = [0.0]


def timed(step: Callable[[], Any]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    step()
    _last_cpu[0] = time.process_time() - cpu
    return time.perf_counter() - started


Row = tuple[str, int, float, float, str]


def add_row(rows: list[Row], entry: tuple[str, int, float, str]) -> None:
    """Add a step's row with the CPU time of the step just timed."""
    name, count, seconds, note = entry
    rows.append((name, count, seconds, _last_cpu[0], note))


def imap_port() -> int | None:
    port = int(os.environ.get("TACTFUL_TEST_IMAP_PORT") or 1143)
    with socket.socket() as probe:
        probe.settimeout(1)
        return port if probe.connect_ex(("127.0.0.1", port)) == 0 else None


# --- the run ----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> list[Row]:
    data_dir = tempfile.mkdtemp(prefix="tactful-ingest-bench-")
    url, backend = database_url(args, data_dir)
    setup_django(url, data_dir)
    log(f"database: {backend}; encoder threads: {os.environ['TACTFUL_ENCODER_THREADS']}")

    from tactful.accounts import services as account_services
    from tactful.coaching.analysis import analyze_incoming_message
    from tactful.mail import imap
    from tactful.mail.models import Mailbox
    from tactful.mail.parsing import parse_email
    from tactful.mail.services import ingest_email
    from tactful.tickets.models import Message, MessageKind

    team = account_services.create_team(name="Support", auto_assign=False)
    timer = CoachTimer()
    switch = CoachSwitch()

    started = time.perf_counter()
    import tactful.coach

    tactful.coach.analyze_message("Warm-up: load the encoder and the lexicons once.")
    for language in ("es", "ru"):
        tactful.coach.analyze_message(SENTENCES[language][0])
    log(f"coach warm-up (model load): {time.perf_counter() - started:.1f} s")

    rows: list[Row] = []
    corpus = make_corpus(args.mails, to="support@bench.example", seed=1)
    size = sum(map(len, corpus)) / len(corpus)
    log(f"{len(corpus)} mails, {size / 1024:.1f} KiB on average")

    stdlib = BytesParser(policy=default_policy)
    baseline = timed(lambda: [stdlib.parsebytes(raw) for raw in corpus])
    add_row(rows, ("stdlib BytesParser (baseline)", len(corpus), baseline, ""))
    parsing = timed(lambda: [parse_email(raw) for raw in corpus])
    add_row(rows, ("parse_email", len(corpus), parsing, f"{parsing / baseline:.1f}× baseline time"))

    switch.off()
    outcomes: list[Any] = []
    store = timed(lambda: outcomes.extend(ingest_email(raw, team=team) for raw in corpus))
    created = sum(o.status == "created" for o in outcomes)
    appended = sum(o.status == "appended" for o in outcomes)
    add_row(
        rows,
        (
            "store only (coach off)",
            len(corpus),
            store,
            f"{created} new tickets, {appended} replies",
        ),
    )
    stored = list(
        Message.objects.filter(kind=MessageKind.INCOMING, pk__in=[o.message_id for o in outcomes])
    )
    timer.reset()
    coach = timed(lambda: [analyze_incoming_message(message=m) for m in stored])
    add_row(
        rows,
        (
            "coach only (analysis of those)",
            len(stored),
            coach,
            f"{timer.seconds / max(coach, 1e-9):.0%} inside analyze_message",
        ),
    )
    switch.on()

    fresh = make_corpus(args.mails, to="support@bench.example", seed=2)
    timer.reset()
    both = timed(lambda: [ingest_email(raw, team=team) for raw in fresh])
    add_row(
        rows,
        (
            "store + coach (one worker)",
            len(fresh),
            both,
            f"coach {timer.seconds:.2f} s = {timer.seconds / both:.0%} of the time",
        ),
    )

    if args.group > 0:
        from tactful.coaching.tasks import analyses_in_batches

        grouped = make_corpus(args.mails, to="support@bench.example", seed=4)
        timer.reset()

        def in_groups() -> None:
            for start in range(0, len(grouped), args.group):
                with analyses_in_batches():  # as an IMAP poll stores a fetched group
                    for raw in grouped[start : start + args.group]:
                        ingest_email(raw, team=team)

        batched = timed(in_groups)
        add_row(
            rows,
            (
                f"store + coach, groups of {args.group}",
                len(grouped),
                batched,
                f"one encoder call per group; coach {timer.seconds:.2f} s = "
                f"{timer.seconds / batched:.0%} of the time",
            ),
        )

    port = None if args.imap_mails <= 0 else imap_port()
    if port is None:
        log("IMAP: no test Dovecot (run scripts/mailserver.sh); skipping the end-to-end step")
    else:
        from imapclient import IMAPClient

        domain = os.environ.get("TACTFUL_TEST_MAIL_DOMAIN", "example.test")
        password = os.environ.get("TACTFUL_TEST_MAIL_PASSWORD", "tactful")
        username = f"bench-{uuid.uuid4().hex[:8]}@{domain}"
        mails = make_corpus(args.imap_mails, to=username, seed=3)
        client = IMAPClient("127.0.0.1", port=port, ssl=False)
        client.login(username, password)
        append = timed(lambda: [client.append("INBOX", raw) for raw in mails])
        client.logout()
        add_row(rows, ("IMAP APPEND (test setup)", len(mails), append, "Dovecot on loopback"))
        mailbox = Mailbox.objects.create(
            name="bench",
            team=team,
            imap_host="127.0.0.1",
            imap_port=port,
            use_ssl=False,
            username=username,
            password=password,
        )
        timer.reset()
        result: list[Any] = []
        poll = timed(lambda: result.append(imap.poll_mailbox(mailbox)))
        polled = result[0]
        add_row(
            rows,
            (
                "IMAP poll end to end",
                polled.fetched,
                poll,
                f"{polled.created} new, {polled.appended} replies, {polled.errors} errors; "
                f"coach {timer.seconds / poll:.0%}",
            ),
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=600, help="mails per in-process step")
    parser.add_argument("--imap-mails", type=int, default=300, help="0 skips the IMAP step")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TACTFUL_BENCH_DATABASE_URL")
        or os.environ.get("TACTFUL_TEST_DATABASE_URL")
        or "",
        help="a PostgreSQL server (a scratch database is created on it); default: SQLite",
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="use SQLite even if PostgreSQL is set"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="encoder threads (1: one worker on one core)"
    )
    parser.add_argument(
        "--group",
        type=int,
        default=50,
        help="mails per fetched group in the batched step (0 skips it)",
    )
    args = parser.parse_args(argv)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, str(args.threads))
    os.environ["TACTFUL_ENCODER_THREADS"] = str(args.threads)

    load_before = os.getloadavg()
    rows = run(args)
    load_after = os.getloadavg()
    print()
    print(
        "load average (1, 5, 15 min): before "
        + ", ".join(f"{n:.1f}" for n in load_before)
        + "; after "
        + ", ".join(f"{n:.1f}" for n in load_after)
    )
    print(f"{'step':<34}{'mails':>7}{'seconds':>10}{'mails/s':>10}{'cpu s':>8}{'/cpu-s':>8}  notes")
    for name, count, seconds, cpu, note in rows:
        print(
            f"{name:<34}{count:>7}{seconds:>10.2f}{rate(count, seconds):>10.0f}"
            f"{cpu:>8.2f}{rate(count, cpu):>8.0f}  {note}"
        )
    worker = next(r for r in rows if r[0].startswith("store + coach"))
    verdict = "met" if rate(worker[1], worker[2]) >= 100 else "NOT met"
    print(f"\ntarget ≥ 100 mails/s per worker process (store + coach): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
