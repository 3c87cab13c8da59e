"""Load test: agents, e-mailing customers and chatting visitors against a running desk.

    .venv/bin/python benchmarks/load/run.py                       # 45 s, 4 agents, 4 + 4 customers
    .venv/bin/python benchmarks/load/run.py --duration 15 --agents 2 --email 2 --chat 2
    .venv/bin/python benchmarks/load/run.py --keep --json /tmp/loadtest-result.json

Needs the ``load`` extra (locust) and a PostgreSQL server (``--database-url``, default
$TACTFUL_TEST_DATABASE_URL); Redis is a private ``redis-server`` on a free loopback port when
one is installed, else ``--redis-url`` (a database number no one else uses).

What it does, all on loopback and bounded in time:

1. creates a scratch database ``loadtest_…``, migrates it and seeds a team with an e-mail
   address and a chat widget, agents, customers and e-mail tickets through the desk's services;
2. starts an SMTP sink (``smtp_sink.py``) that keeps every e-mail the desk sends, then the desk
   as docs/deploy.md runs it: ``--web`` web processes (``tactful serve``: gunicorn + a uvicorn
   worker each, on its own port), ``--celery`` Celery workers and one beat, on PostgreSQL and
   Redis (broker, cache, channel layer);
3. runs locust headless (``locustfile.py``) for ``--duration`` seconds, then waits up to
   ``--drain`` seconds for the workers to deliver the replies still queued;
4. checks exactly-once: every e-mail and chat message the desk acknowledged is stored exactly
   once, none is stored twice (every fourth is deliberately sent twice), and every reply an agent
   posted reaches the SMTP sink at most once; then prints requests per type (p50/p95),
   throughput, errors and those counts.

Processes are always stopped and the database dropped (unless ``--keep``). The exit status is 0
when the exactly-once check passes, 1 when it does not, 2 when the run itself could not be made.
It asserts no timings: the figures are printed for people, the test suite checks the counts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

from smtp_sink import SmtpSink, text_of  # noqa: E402 (next to this file)

MARKER_RE = re.compile(r"lt-(?:mail|chat|reply)-[0-9a-f]{32}")
PASSWORD = "load-test-agent-password"  # a scratch database that lives for one run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@dataclass
class Services:
    """Child processes and their logs; ``stop`` ends them all, most recent first."""

    workdir: Path
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        # A session of its own: a stop reaches gunicorn's and Celery's child processes too.
        process = subprocess.Popen(
            argv, env=env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.processes.append((name, process))
        return process

    def check_alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                tail = (self.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, process in reversed(self.processes):
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def wait_until(what: str, ready: Any, services: Services, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        services.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.5)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def seed(*, agents: int, tickets: int) -> dict[str, Any]:
    """A team with an address and a chat widget, its agents, customers with e-mail tickets."""
    from tactful.accounts import services as account_services
    from tactful.accounts.models import Role
    from tactful.desk.testing import DeskFactory

    desk = DeskFactory()
    team = account_services.create_team(
        name="Load test", email_address="support@desk.loadtest.invalid", auto_assign=True
    )
    logins = []
    for number in range(1, agents + 1):
        agent = desk.agent(f"agent{number}", role=Role.AGENT, teams=[team], password=PASSWORD)
        logins.append({"username": agent.username, "password": PASSWORD})
    seeded = []
    for number in range(1, tickets + 1):
        address = f"seeded{number}@customers.loadtest.invalid"
        ticket = desk.ticket(
            customer=desk.customer(address, name=f"Seeded {number}"),
            subject=f"Charged twice for order {number}",
            body=f"Hello, I was charged twice for order {number}. Please refund it.",
            team=team,
        )
        seeded.append({"id": ticket.pk, "customer": address})
    return {
        "agents": logins,
        "team_slug": team.slug,
        "team_address": team.email_address,
        "tickets": seeded,
    }


def warm_up(host: str, login: dict[str, str], ticket: int) -> str:
    """Log in and post one reply on a web process, so the coach's models are loaded before the
    timed run (its reply is counted like the others). Returns the reply's marker."""
    import requests

    session = requests.Session()
    token_re = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    page = session.get(f"{host}/accounts/login/", timeout=120)
    token = token_re.search(page.text)
    session.post(
        f"{host}/accounts/login/",
        data={**login, "csrfmiddlewaretoken": token.group(1) if token else ""},
        timeout=120,
    ).raise_for_status()
    page = session.get(f"{host}/tickets/{ticket}/", timeout=120)
    token = token_re.search(page.text)
    marker = f"lt-reply-{secrets.token_hex(16)}"
    answer = session.post(
        f"{host}/tickets/{ticket}/reply/",
        data={"body": f"Warming up. Ref {marker}", "csrfmiddlewaretoken": token.group(1) if token else ""},
        allow_redirects=False,
        timeout=120,
    )  # fmt: skip
    if answer.status_code != 302:
        raise RuntimeError(f"warm-up reply answered {answer.status_code}")
    return marker


def read_ledger(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def percentile(times: Counter[int], fraction: float) -> float | None:
    """Locust's own percentile of a response-time histogram (milliseconds, rounded as locust
    rounds them), so these figures match its console."""
    total = sum(times.values())
    if total == 0:
        return None
    seen = 0
    for value in sorted(times, reverse=True):
        seen += times[value]
        if total - seen <= int(total * fraction):
            return float(value)
    return 0.0


def read_stats(path: Path, duration: float) -> list[dict[str, Any]]:
    """Requests per type from locust's ``--json-file`` (written after every user stopped, unlike
    its CSV files), with an aggregated row last; throughput is per second of the run."""
    if not path.exists():
        return []
    rows = []
    everything: Counter[int] = Counter()
    for entry in sorted(json.loads(path.read_text(encoding="utf-8")), key=lambda e: e["name"]):
        times = Counter({int(ms): count for ms, count in entry["response_times"].items()})
        everything.update(times)
        rows.append(_row(entry["method"], entry["name"], times, entry["num_failures"], duration))
    failures = sum(row["failures"] for row in rows)
    rows.append(_row("", "Aggregated", everything, failures, duration))
    return rows


def _row(
    kind: str, name: str, times: Counter[int], failures: int, duration: float
) -> dict[str, Any]:
    requests = sum(times.values())
    return {
        "type": kind,
        "name": name,
        "requests": requests,
        "failures": failures,
        "p50_ms": percentile(times, 0.5),
        "p95_ms": percentile(times, 0.95),
        "rps": requests / duration,
    }


def read_errors(ledger: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts: Counter[tuple[str, str]] = Counter()
    for entry in ledger:
        if entry["kind"] == "error":
            counts[(entry["name"], entry["error"])] += int(entry.get("count", 1))
    return [
        {"name": name, "error": error, "occurrences": occurrences}
        for (name, error), occurrences in counts.most_common()
    ]


#: Lines in the desk's logs worth a look after a run: crashes, killed workers, errors.
PROBLEM_RE = re.compile(
    r"Traceback|WORKER TIMEOUT|Worker \(pid:\d+\) was sent|\b(?:ERROR|CRITICAL)\b"
)


def log_problems(workdir: Path) -> dict[str, list[str]]:
    """Per process log, the lines that look like trouble (the logs stay when there are any)."""
    found: dict[str, list[str]] = {}
    for log in sorted(workdir.glob("*.log")):
        if log.name == "locust.log":
            continue
        lines = [
            line.strip()[:300]
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if PROBLEM_RE.search(line)
        ]
        if lines:
            found[log.stem] = lines
    return found


def count_markers(texts: Any) -> Counter[str]:
    """How many texts hold each marker (a marker twice in one text counts once)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(MARKER_RE.findall(text or "")))
    return counts


def exactly_once(
    ledger: list[dict[str, Any]], stored: Counter[str], delivered: Counter[str]
) -> dict[str, Any]:
    """Compare what users sent (the ledger) with what the desk stored and the sink received.

    An e-mail or chat message the desk acknowledged (201 created/appended or 200 duplicate, or an
    ``ack``), on its first send or a later one, must be stored exactly once; one whose answer was lost or failed may be stored once or not at all,
    never twice. A reply the desk accepted (302) must be stored once and delivered at most once.
    """
    report: dict[str, Any] = {}
    for kind in ("email", "chat"):
        entries = [entry for entry in ledger if entry["kind"] == kind]
        markers = {entry["marker"] for entry in entries}
        # Confirmed: some send of it was answered as stored (a retry's "duplicate" included).
        if kind == "email":
            confirmed = {
                e["marker"]
                for e in entries
                if e["code"] in {200, 201} and e["status"] in {"created", "appended", "duplicate"}
            }
        else:
            confirmed = {e["marker"] for e in entries if e["acked"]}
        report[kind] = {
            "sent": len(markers),
            "sent_twice": sum(1 for e in entries if e["resent"]),
            "acknowledged": len(confirmed),
            "stored": sum(1 for m in markers if stored[m] >= 1),
            "missing": sorted(m for m in confirmed if stored[m] == 0),
            "doubled": sorted(m for m in markers if stored[m] > 1),
        }
    replies = [entry for entry in ledger if entry["kind"] == "reply"]
    posted = {entry["marker"] for entry in replies if entry["posted"]}
    report["reply"] = {
        "posted": len(posted),
        "stored": sum(1 for m in posted if stored[m] == 1),
        "missing": sorted(m for m in posted if stored[m] == 0),
        "stored_twice": sorted(m for m in posted if stored[m] > 1),
        "delivered": sum(1 for m in posted if delivered[m] >= 1),
        "undelivered": sorted(m for m in posted if delivered[m] == 0),
        "doubled": sorted(m for m in delivered if delivered[m] > 1),
        # A reply in the sink no agent was told was posted (a 302 lost on the way back).
        "delivered_unconfirmed": sorted(m for m in delivered if m.startswith("lt-reply-") and m not in posted),
    }  # fmt: skip
    report["passed"] = not any(
        report[kind][key]
        for kind, key in [
            ("email", "missing"),
            ("email", "doubled"),
            ("chat", "missing"),
            ("chat", "doubled"),
            ("reply", "missing"),
            ("reply", "stored_twice"),
            ("reply", "doubled"),
        ]
    )
    return report


def print_report(result: dict[str, Any]) -> None:
    print()
    print(
        f"Load test: {result['duration_s']} s, {result['users']} users "
        f"({result['agents']} agents, {result['email_users']} e-mail, {result['chat_users']} chat), "
        f"{result['web']} web + {result['celery']} Celery processes; load average before "
        f"{result['load_before']}, after {result['load_after']}"
    )
    print(
        f"{'type':<6} {'request':<22} {'count':>6} {'fails':>6} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}"
    )
    for row in result["requests"]:
        p50 = "-" if row["p50_ms"] is None else f"{row['p50_ms']:.0f}"
        p95 = "-" if row["p95_ms"] is None else f"{row['p95_ms']:.0f}"
        print(
            f"{row['type']:<6} {row['name']:<22} {row['requests']:>6} {row['failures']:>6} "
            f"{p50:>8} {p95:>8} {row['rps']:>7.2f}"
        )  # fmt: skip
    for error in result["errors"]:
        print(f"error: {error['occurrences']} × {error['name']}: {error['error'][:160]}")
    check = result["check"]
    for kind, label in (("email", "e-mails"), ("chat", "chat messages")):
        part = check[kind]
        print(
            f"{label}: sent {part['sent']} (+{part['sent_twice']} sent again), acknowledged "
            f"{part['acknowledged']} (unanswered: {part['sent'] - part['acknowledged']}), stored "
            f"{part['stored']}, missing {len(part['missing'])}, doubled {len(part['doubled'])}"
        )
    reply = check["reply"]
    print(
        f"replies: posted {reply['posted']}, stored once {reply['stored']}, delivered "
        f"{reply['delivered']}, undelivered {len(reply['undelivered'])}, doubled "
        f"{len(reply['doubled'])} (SMTP sink: {result['sink_messages']} e-mails in all)"
    )
    analyses = ", ".join(f"{n} {state}" for state, n in sorted(result["coach_analyses"].items()))
    print(f"coach analyses at the end: {analyses}")
    for process, lines in result["server_log_problems"].items():
        print(f"{process} log: {len(lines)} problem lines, first: {lines[0]}")
    print(f"exactly-once check: {'PASSED' if check['passed'] else 'FAILED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=45, help="seconds of load (default 45)")
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--email", type=int, default=4, help="e-mailing customers")
    parser.add_argument("--chat", type=int, default=4, help="chatting visitors")
    parser.add_argument("--spawn-rate", type=float, default=4.0, help="users started per second")
    parser.add_argument("--web", type=int, default=2, help="web processes")
    parser.add_argument("--celery", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--tickets", type=int, default=20, help="seeded e-mail tickets")
    parser.add_argument("--drain", type=int, default=60, help="seconds to wait for deliveries")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TACTFUL_TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server (its database is only used to create the scratch one)",
    )  # fmt: skip
    parser.add_argument("--redis-url", help="use this Redis instead of a private redis-server")
    parser.add_argument("--keep", action="store_true", help="keep the database and the logs")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
    db_name = f"loadtest_{os.getpid()}_{secrets.token_hex(3)}"
    admin_url = args.database_url
    db_url = with_database(admin_url, db_name)
    services = Services(workdir)
    created_db = False
    ok = troubled = False
    try:
        import psycopg

        if args.redis_url:
            redis_url = args.redis_url
        elif shutil.which("redis-server"):
            redis_port = free_port()
            services.start(
                "redis",
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(workdir)],
                dict(os.environ),
            )  # fmt: skip
            redis_url = f"redis://127.0.0.1:{redis_port}/0"
            wait_until("redis", lambda: _tcp_open(redis_port), services, timeout=30)
        else:
            print("no redis-server on PATH: give --redis-url", file=sys.stderr)
            return 2

        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        created_db = True

        sink = SmtpSink().start()
        hosts = [f"http://127.0.0.1:{free_port()}" for _ in range(args.web)]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tactful.desk.settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "TACTFUL_CHANNELS_REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TACTFUL_DATA_DIR": str(workdir / "data"),
            "TACTFUL_MAIL_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "TACTFUL_SMTP_URL": f"smtp://127.0.0.1:{sink.port}?timeout=10",
            "TACTFUL_PUBLIC_URL": hosts[0],
            "TACTFUL_LOG_LEVEL": "WARNING",
            # Every agent logs in from 127.0.0.1: the per-address login throttle must not trip.
            "TACTFUL_LOGIN_ADDRESS_FAILURES": "1000",
            # Every chat visitor writes from 127.0.0.1 too: the per-address chat limit (120 a
            # minute, meant for one office or one abuser) would count them all as one visitor.
            # The per-visitor limit stays as shipped.
            "TACTFUL_CHAT_RATE_PER_IP": "100000",
        }  # fmt: skip
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        seeded = seed(agents=args.agents, tickets=args.tickets)

        python = sys.executable
        for index, host in enumerate(hosts, start=1):
            bind = host.removeprefix("http://")
            services.start(
                f"web{index}",
                [python, "-m", "tactful.cli", "serve", "--bind", bind, "--workers", "1"],
                env,
            )
        for index in range(1, args.celery + 1):
            services.start(
                f"celery{index}",
                [python, "-m", "celery", "-A", "tactful.desk", "worker", "--concurrency", "1",
                 "--hostname", f"loadtest{index}@%h", "--loglevel", "INFO", "--without-gossip",
                 "--without-mingle"],
                env,
            )  # fmt: skip
        services.start(
            "beat",
            [python, "-m", "celery", "-A", "tactful.desk", "beat", "--loglevel", "WARNING",
             "--schedule", str(workdir / "beat-schedule")],
            env,
        )  # fmt: skip
        for host in hosts:
            wait_until(host, lambda host=host: http_ok(f"{host}/ready/"), services, timeout=180)
        for index in range(1, args.celery + 1):
            log = workdir / f"celery{index}.log"
            wait_until(
                f"celery{index}",
                lambda log=log: b" ready." in log.read_bytes(),
                services,
                timeout=180,
            )

        ledger = workdir / "ledger.jsonl"
        for index, host in enumerate(hosts):
            marker = warm_up(host, seeded["agents"][0], seeded["tickets"][index]["id"])
            with ledger.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"kind": "reply", "marker": marker, "posted": True}) + "\n")

        seed_file = workdir / "seed.json"
        seed_file.write_text(
            json.dumps(
                {
                    **seeded,
                    "hosts": hosts,
                    "ledger": str(ledger),
                    "webhook_secret": env["TACTFUL_MAIL_WEBHOOK_SECRET"],
                }
            ),
            encoding="utf-8",
        )
        users = args.agents + args.email + args.chat
        load_before = _load_average()
        stats_prefix = workdir / "locust"
        locust = subprocess.run(
            [python, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless",
             "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
             "--host", hosts[0], "--json-file", str(stats_prefix), "--only-summary",
             "--stop-timeout", "15", "--loglevel", "WARNING"],
            env={**env, "LOADTEST_SEED": str(seed_file), "LOADTEST_AGENTS": str(args.agents),
                 "LOADTEST_EMAIL": str(args.email), "LOADTEST_CHAT": str(args.chat)},
            cwd=workdir, capture_output=True, text=True, timeout=args.duration + 120,
        )  # fmt: skip
        load_after = _load_average()
        (workdir / "locust.log").write_text(locust.stdout + locust.stderr, encoding="utf-8")
        stats = read_stats(Path(f"{stats_prefix}.json"), args.duration)
        if not stats:
            print(locust.stdout[-3000:], locust.stderr[-3000:], sep="\n", file=sys.stderr)
            raise RuntimeError(f"locust wrote no statistics (exit {locust.returncode})")

        from tactful.tickets.models import DeliveryState, Message, MessageKind

        pending = [DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.RETRYING]
        deadline = time.monotonic() + args.drain
        while (
            time.monotonic() < deadline
            and Message.objects.filter(
                kind=MessageKind.OUTGOING, delivery_state__in=pending
            ).exists()
        ):
            time.sleep(1)

        stored = count_markers(
            Message.objects.exclude(kind=MessageKind.NOTE).values_list("body", flat=True)
        )
        sink_messages = sink.snapshot()
        delivered = count_markers(text_of(raw) for raw in sink_messages)
        states = Counter(
            Message.objects.filter(kind=MessageKind.OUTGOING).values_list(
                "delivery_state", flat=True
            )
        )
        from tactful.coaching.models import MessageAnalysis

        # Not part of the check: the coach's reading of the messages, for the figures.
        analyses = Counter(MessageAnalysis.objects.values_list("status", flat=True))
        result = {
            "duration_s": args.duration,
            "users": users,
            "agents": args.agents,
            "email_users": args.email,
            "chat_users": args.chat,
            "web": args.web,
            "celery": args.celery,
            "load_before": load_before,
            "load_after": load_after,
            "requests": stats,
            "errors": read_errors(read_ledger(ledger)),
            "check": exactly_once(read_ledger(ledger), stored, delivered),
            "sink_messages": len(sink_messages),
            "reply_states": dict(states),
            "coach_analyses": dict(analyses),
            "server_log_problems": log_problems(workdir),
            "locust_exit": locust.returncode,
            "locust_output_tail": (locust.stdout + locust.stderr)[-3000:],
        }
        print_report(result)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
        ok = bool(result["check"]["passed"])
        troubled = bool(result["errors"] or result["server_log_problems"])
        return 0 if ok else 1
    except Exception as error:
        print(f"load test could not run: {error}", file=sys.stderr)
        return 2
    finally:
        services.stop()
        with contextlib.suppress(NameError):
            sink.stop()
        if created_db and not args.keep:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        if args.keep or not ok or troubled:
            print(f"logs in {workdir}" + (f", database {db_name}" if args.keep else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _tcp_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
