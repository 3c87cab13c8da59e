"""Desk benchmark: Tactful against django-helpdesk on the same number of tickets in PostgreSQL.

    .venv/bin/python benchmarks/desk_bench.py                 # 100,000 tickets
    .venv/bin/python benchmarks/desk_bench.py --tickets 1000000 --requests 20
    .venv/bin/python benchmarks/desk_bench.py --tickets 20000 --skip-helpdesk
    .venv/bin/python benchmarks/desk_bench.py --tickets 1000000 --messages-per-ticket 5

Seeds N tickets (each a conversation of ``--messages-per-ticket`` messages: the customer
first, then agent and customer in turn) into a scratch PostgreSQL database, times the pages in process through
Django's test client (no network, no browser: the server's own work) and prints p50/p95 for the
inbox, a filtered view, search in each language, the ticket page and the API list. Then it
installs django-helpdesk from PyPI into a scratch virtual environment, seeds the same number of
tickets and follow-ups (the same texts) into a second database, times its equivalent pages and prints each ratio.

Both sides run as a logged-in staff agent, after a few warm-up requests. The ratio column is
helpdesk ÷ Tactful (higher means Tactful is faster). This is a benchmark, not a test: it asserts
nothing and never runs inside the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = (
    os.environ.get("TACTFUL_BENCH_DATABASE_URL")
    or os.environ.get("TACTFUL_TEST_DATABASE_URL")
    or "postgresql://root@127.0.0.1:5432/test"
)
PAGES = [
    ("inbox", "inbox (active, newest first)"),
    ("filtered", "filtered view (status, priority, language)"),
    ("search_en", "search, English"),
    ("search_es", "search, Spanish"),
    ("search_ru", "search, Russian"),
    ("ticket", "ticket page"),
    ("counts", "sidebar queue counts"),
    ("customer", "customer page"),
    ("api_list", "API ticket list"),
]
SEARCH_TERMS = {"search_en": "charged", "search_es": "cobraron", "search_ru": "списали"}


def database_url(base: str, name: str) -> str:
    parts = urlparse(base)
    return urlunparse(parts._replace(path=f"/{name}"))


def recreate_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seeded(url: str, table: str, expected: int) -> bool:
    """Whether ``table`` already holds ``expected`` rows (``--keep`` reuses it then)."""
    return count_rows(url, table) == expected


def count_rows(url: str, table: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except psycopg.Error:
        return -1


def timed(request, *, count: int, budget_s: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Milliseconds per call after warming up; a page that eats its time budget stops after 3.

    Very slow pages (a first call over a tenth of the budget) skip the warm-up.
    """
    t0 = time.perf_counter()
    request()
    if time.perf_counter() - t0 < budget_s / 10:
        request()
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        request()
        samples.append((time.perf_counter() - t0) * 1000)
        if len(samples) >= 3 and time.perf_counter() - started > budget_s:
            break
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95_index = min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))
    return {"p50": statistics.median(ordered), "p95": ordered[p95_index], "n": len(ordered)}


# --- Tactful ----------------------------------------------------------------------------------


def run_tactful(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    url = database_url(args.database_url, "tactful_bench")
    # Both counts: a database seeded with one message a ticket must not serve a 5-message run.
    reuse = (
        args.keep
        and seeded(url, "tickets_ticket", args.tickets)
        and seeded(url, "tickets_message", args.tickets * args.messages_per_ticket)
    )
    if not reuse:
        recreate_database(args.database_url, "tactful_bench")
    data_dir = tempfile.mkdtemp(prefix="tactful-bench-")
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=data_dir,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tactful.accounts.models import Agent, Team
    from tactful.api.services import issue_token
    from tactful.desk.testing import DeskFactory, bulk_tickets
    from tactful.tickets import permissions

    call_command("migrate", verbosity=0)
    desk = DeskFactory()
    if not reuse:
        log(
            f"tactful: seeding {args.tickets:,} tickets,"
            f" {args.tickets * args.messages_per_ticket:,} messages…"
        )
        started = time.perf_counter()
        teams = [desk.team(name) for name in ("Billing", "Technical", "Shipping")]
        agents = [desk.agent(f"agent{i}", teams=teams[i % 3 : i % 3 + 2]) for i in range(12)]
        chunk = 20_000
        for offset in range(0, args.tickets, chunk):
            bulk_tickets(
                min(chunk, args.tickets - offset),
                teams=teams,
                agents=agents,
                seed=offset,
                messages_per_ticket=args.messages_per_ticket,
            )
            log(f"  {min(offset + chunk, args.tickets):,}")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"tactful: seeded in {time.perf_counter() - started:.0f} s")
    from tactful.tickets.models import Message

    messages = Message.objects.count()
    log(f"tactful: {messages:,} messages in the database")
    agent = Agent.objects.get(username="agent0")
    client = Client()
    client.force_login(agent)
    token = issue_token(agent=agent, name="bench")[1]
    visible = list(
        permissions.visible_tickets(agent).order_by("-id").values_list("id", flat=True)[:5000]
    )
    customers = dict(
        permissions.visible_tickets(agent)
        .filter(id__in=visible[:500])
        .values_list("id", "customer_id")
    )
    rng = random.Random(1)
    language_filter = "status=open&priority=3&priority=4&language=es"
    requests = {
        "inbox": lambda: client.get("/inbox/"),
        "filtered": lambda: client.get(f"/inbox/?{language_filter}"),
        "ticket": lambda: client.get(f"/tickets/{rng.choice(visible)}/"),
        "counts": lambda: client.get("/inbox/counts/"),
        "customer": lambda: client.get(f"/customers/{rng.choice(list(customers.values()))}/"),
        "api_list": lambda: client.get(
            "/api/v1/tickets?limit=25", headers={"Authorization": f"Bearer {token}"}
        ),
    }
    for key, term in SEARCH_TERMS.items():
        requests[key] = lambda term=term: client.get(f"/inbox/?status=all&q={term}")
    results = {}
    for key, _label in PAGES:
        response = requests[key]()
        assert response.status_code == 200, (key, response.status_code)
        results[key] = summary(timed(requests[key], count=args.requests, budget_s=args.budget))
        # p95 too: a run cut short before the table still says what it measured.
        log(
            f"  tactful {key}: p50 {results[key]['p50']:.1f} ms,"
            f" p95 {results[key]['p95']:.1f} ms (n={results[key]['n']})"
        )
    results["_teams"] = {"count": Team.objects.count()}  # type: ignore[assignment]
    results["_messages"] = {"count": messages}
    return results


# --- django-helpdesk --------------------------------------------------------------------------

HELPDESK_PROJECT = '''
"""A minimal django-helpdesk site for the benchmark (generated by benchmarks/desk_bench.py)."""
import os
SECRET_KEY = "benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hd_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
import dj_database_url
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1
STATIC_URL = "/static/"
USE_TZ = True
HELPDESK_TEAMS_MODE_ENABLED = False
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"]}
LOGGING = {"version": 1, "disable_existing_loggers": True}
'''

HELPDESK_URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
"""

HELPDESK_RUNNER = r'''
"""Seed and time django-helpdesk (run inside its own virtual environment)."""
import json, os, random, statistics, sys, time
from datetime import timedelta
sys.path.insert(0, os.path.dirname(__file__))
os.environ["DJANGO_SETTINGS_MODULE"] = "hd_settings"
import django
django.setup()
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from helpdesk.models import FollowUp, Queue, Ticket
from helpdesk.query import query_to_base64

N, REQUESTS, BUDGET, REUSE = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
MESSAGES = int(sys.argv[5])
# Tactful's seeded conversation texts: tactful/desk/seed_texts.py, copied here by the benchmark.
from seed_texts import conversation_text

SUBJECTS = {
    "en": "Charged twice for my order", "es": "Me cobraron dos veces", "ru": "Списали деньги дважды",
}
call_command("migrate", verbosity=0)
User = get_user_model()
if not REUSE:
    seeding_started = time.perf_counter()
    rng = random.Random(7)
    queues = [Queue.objects.create(title=t, slug=t.lower(), email_address=f"{t.lower()}@example.com") for t in ("Billing", "Technical", "Shipping")]
    staff = [User.objects.create_user(f"agent{i}", f"agent{i}@example.com", "pw", is_staff=True) for i in range(12)]
    chunk = 10_000
    for offset in range(0, N, chunk):
        tickets, languages = [], []
        for i in range(offset, min(N, offset + chunk)):
            language = rng.choice(["en", "en", "es", "ru", "en"])
            languages.append(language)
            tickets.append(Ticket(
                title=f"{SUBJECTS[language]} ({i})", queue=rng.choice(queues),
                status=rng.choice([1, 1, 2, 3, 4, 5]), priority=rng.choice([1, 2, 3, 3, 3, 4, 5]),
                submitter_email=f"c{i}@example.com", description=conversation_text(language, 0, i),
                assigned_to=rng.choice(staff) if rng.random() < 0.7 else None,
            ))
        tickets = Ticket.objects.bulk_create(tickets, batch_size=2000)
        # The same conversation as on Tactful's side: the opening, then an agent's reply and the
        # submitter's answer in turn (e-mailed in: no user), a minute apart.
        opened = timezone.now()
        follow_ups = []
        for number, (t, language) in enumerate(zip(tickets, languages), start=offset):
            follow_ups.append(FollowUp(ticket=t, title="Ticket opened", comment=t.description, public=True, date=opened))
            for position in range(1, MESSAGES):
                reply = position % 2 == 1
                follow_ups.append(FollowUp(
                    ticket=t, title="Comment" if reply else "E-Mail Received from " + t.submitter_email,
                    comment=conversation_text(language, position, number), public=True,
                    user=(t.assigned_to or staff[t.id % len(staff)]) if reply else None,
                    date=opened + timedelta(minutes=position),
                ))
        FollowUp.objects.bulk_create(follow_ups, batch_size=2000)
        print(f"  helpdesk {min(offset + chunk, N):,}", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"helpdesk: seeded in {time.perf_counter() - seeding_started:.0f} s", file=sys.stderr, flush=True)
agent = User.objects.get(username="agent0")
agent.is_superuser = True
agent.save()
client = Client()
client.force_login(agent)
ids = list(Ticket.objects.order_by("-id").values_list("id", flat=True)[:5000])
rng = random.Random(1)

def datatable(query):
    b64 = query_to_base64({"filtering": {"status__in": [1, 2]}, "sorting": "created", "search_string": "", "sortreverse": True, **query})
    return client.get(f"/helpdesk/datatables_ticket_list/{b64}", {"draw": "1", "start": "0", "length": "25"})

def inbox():
    # The ticket list is a page shell plus the datatables call that fills it: both are needed.
    a = client.get("/helpdesk/tickets/")
    b = datatable({})
    return b if a.status_code == 200 else a

requests = {
    "inbox": inbox,
    "filtered": lambda: datatable({"filtering": {"status__in": [2], "priority__in": [1, 2]}}),
    "search_en": lambda: datatable({"search_string": "charged", "filtering": {}}),
    "search_es": lambda: datatable({"search_string": "cobraron", "filtering": {}}),
    "search_ru": lambda: datatable({"search_string": "списали", "filtering": {}}),
    "ticket": lambda: client.get(f"/helpdesk/tickets/{rng.choice(ids)}/"),
    "api_list": lambda: client.get("/helpdesk/api/tickets/"),
    "dashboard": lambda: client.get("/helpdesk/dashboard/"),
}

def timed(request):
    t0 = time.perf_counter()
    request()
    if time.perf_counter() - t0 < BUDGET / 10:
        request()
    samples, started = [], time.perf_counter()
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        request()
        samples.append((time.perf_counter() - t0) * 1000)
        if len(samples) >= 3 and time.perf_counter() - started > BUDGET:
            break
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50": statistics.median(ordered), "p95": p95, "n": len(ordered)}

results = {}
for key, request in requests.items():
    t0 = time.perf_counter()
    response = request()
    first_ms = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        results[key] = {"error": f"HTTP {response.status_code}"}
        continue
    results[key] = timed(request) if first_ms < BUDGET * 1000 else {"p50": first_ms, "p95": first_ms, "n": 1}
    print(f"  helpdesk {key}: p50 {results[key]['p50']:.1f} ms, p95 {results[key]['p95']:.1f} ms (n={results[key]['n']})", file=sys.stderr, flush=True)
results["_seeded"] = {"follow_ups": FollowUp.objects.count()}
print(json.dumps(results))
'''


def run_helpdesk(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    venv = Path(args.helpdesk_venv)
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"helpdesk: creating {venv} and installing django-helpdesk from PyPI…")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "django-helpdesk",
                "psycopg[binary]",
                "dj-database-url",
            ],
            check=True,
        )
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('django-helpdesk'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    (project / "hd_settings.py").write_text(textwrap.dedent(HELPDESK_PROJECT))
    (project / "hd_urls.py").write_text(HELPDESK_URLS)
    (project / "runner.py").write_text(HELPDESK_RUNNER)
    # The same conversation texts on both sides: the module is plain data, no Django import.
    shutil.copyfile(ROOT / "src" / "tactful" / "desk" / "seed_texts.py", project / "seed_texts.py")
    url = database_url(args.database_url, "helpdesk_bench")
    follow_ups = args.tickets * args.messages_per_ticket
    reuse = (
        args.keep
        and seeded(url, "helpdesk_ticket", args.tickets)
        and seeded(url, "helpdesk_followup", follow_ups)
    )
    if not reuse:
        recreate_database(args.database_url, "helpdesk_bench")
        log(f"helpdesk {version}: seeding {args.tickets:,} tickets, {follow_ups:,} follow-ups…")
    result = subprocess.run(
        [
            str(python),
            str(project / "runner.py"),
            str(args.tickets),
            str(args.requests),
            str(args.budget),
            "1" if reuse else "0",
            str(args.messages_per_ticket),
        ],
        env={**os.environ, "DATABASE_URL": url, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    results = json.loads(result.stdout.strip().splitlines()[-1])
    results["_version"] = {"version": version}
    return results


# --- main -------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_table(tickets: int, ours: dict, theirs: dict | None) -> None:  # type: ignore[type-arg]
    version = (theirs or {}).get("_version", {}).get("version", "")
    messages = ours.get("_messages", {}).get("count", 0)
    print()
    print(
        f"Desk benchmark: {tickets:,} tickets, {messages:,} messages in PostgreSQL,"
        " times in ms (server side, in process)"
    )
    if theirs is not None and "follow_ups" in theirs.get("_seeded", {}):
        print(f"django-helpdesk: {theirs['_seeded']['follow_ups']:,} follow-ups")
    header = f"{'page':<44} {'Tactful p50':>11} {'p95':>8}"
    if theirs is not None:
        header += (
            f" {'helpdesk ' + version + ' p50':>22} {'p95':>9} {'ratio p50':>10} {'ratio p95':>10}"
        )
    print(header)
    print("-" * len(header))
    for key, label in PAGES:
        mine = ours[key]
        line = f"{label:<44} {mine['p50']:>11.1f} {mine['p95']:>8.1f}"
        if theirs is not None:
            other = theirs.get(key, {})
            if "p50" in other:
                line += (
                    f" {other['p50']:>22.1f} {other['p95']:>9.1f}"
                    f" {other['p50'] / mine['p50']:>9.1f}× {other['p95'] / mine['p95']:>9.1f}×"
                )
            else:
                line += f" {other.get('error', 'n/a'):>22}"
        print(line)
    if theirs is not None and "p50" in theirs.get("dashboard", {}):
        d = theirs["dashboard"]
        print(
            f"{'(helpdesk dashboard, for reference)':<44} {'':>11} {'':>8} {d['p50']:>22.1f} {d['p95']:>9.1f}"
        )
    inbox_p95 = ours["inbox"]["p95"]
    print()
    print(f"Target: inbox p95 ≤ 50 ms at 100,000 tickets → {inbox_p95:.1f} ms")
    if theirs is not None:
        ratios = [
            theirs[key]["p95"] / ours[key]["p95"]
            for key, _ in PAGES
            if "p95" in theirs.get(key, {})
        ]
        if ratios:
            print(
                f"Target: every compared page ≥ 5× faster than django-helpdesk → worst {min(ratios):.1f}×"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds per page before stopping early"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help="a PostgreSQL server (scratch databases are created on it)",
    )
    parser.add_argument(
        "--helpdesk-venv", default=os.path.join(tempfile.gettempdir(), "tactful-bench-helpdesk")
    )
    parser.add_argument(
        "--messages-per-ticket",
        type=int,
        default=1,
        help="messages in each ticket's conversation (follow-ups on django-helpdesk's side)",
    )
    parser.add_argument("--skip-helpdesk", action="store_true")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse databases already seeded with N tickets (and as many messages each)",
    )
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("_side", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._side == "_tactful":
        print(json.dumps(run_tactful(args)))
        return 0
    # Tactful runs in a child process so its Django settings never meet the helpdesk's.
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "_tactful",
            *[a for a in (argv or sys.argv[1:]) if a != "_tactful"],
        ],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        cwd=ROOT,
    )
    ours = json.loads(child.stdout.strip().splitlines()[-1])
    theirs = None if args.skip_helpdesk else run_helpdesk(args)
    print_table(args.tickets, ours, theirs)
    if args.json:
        Path(args.json).write_text(json.dumps({"tactful": ours, "helpdesk": theirs}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
