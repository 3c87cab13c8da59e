"""Monthly CSAT report benchmark: a month of N solved tickets with surveys, in PostgreSQL.

    .venv/bin/python benchmarks/csat_report_bench.py                    # 100,000 tickets
    .venv/bin/python benchmarks/csat_report_bench.py --tickets 20000 --keep
    .venv/bin/python benchmarks/csat_report_bench.py --layouts 2000   # WeasyPrint alone

Seeds N tickets solved in one month with one survey each (30% answered, a third of the answers
with a comment, one or two rated agents) into a scratch database, then times, in process:

- computing the whole desk's report (``reports.build``: SQL aggregates) — and, as the baseline
  measured in the same run, the same figures from a plain ORM loop over the month's surveys
  (``prefetch_related`` for the agents, everything counted in Python);
- the report page as a lead opens it (Django's test client: the server's own work);
- the PDF (WeasyPrint, from the same HTML), twice, alternating with the previous layout of the
  positive comments (one highlighted box per comment) as the baseline, with wall-clock and CPU
  seconds and the load average (the development machine is shared).

It prints medians and the ratio against the baseline. A benchmark, not a test: it asserts
nothing about time and never runs inside the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = (
    os.environ.get("TACTFUL_BENCH_DATABASE_URL")
    or os.environ.get("TACTFUL_TEST_DATABASE_URL")
    or "postgresql://root@127.0.0.1:5432/test"
)
MONTH = date(2026, 11, 1)
DB_NAME = os.environ.get("TACTFUL_BENCH_DB_NAME", "tactful_csat_bench")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def database_url(base: str, name: str) -> str:
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def recreate_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def count_rows(url: str, table: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    except psycopg.Error:
        return -1


def median_ms(run: Any, *, times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def orm_loop_report(team_id: int | None) -> dict[str, Any]:
    """The baseline: the report's figures from one plain pass over the month's surveys."""
    from tactful.satisfaction import reports

    surveys = reports.surveys_in(
        team_id=team_id, first=MONTH, last_exclusive=reports.next_month(MONTH)
    )
    totals: Counter[str] = Counter()
    by: dict[str, Counter[tuple[Any, str]]] = {
        name: Counter() for name in ("channel", "language", "agent", "coach")
    }
    five_sum = five_n = 0
    positive: dict[str, list[str]] = {}
    negative: list[str] = []
    for survey in surveys.prefetch_related("agents"):
        kinds = ["sent"] + (["answered", survey.sentiment] if survey.answered_at else [])
        for kind in kinds:
            totals[kind] += 1
            by["channel"][(survey.channel, kind)] += 1
            by["language"][(survey.language, kind)] += 1
            by["coach"][((survey.coach_balance, survey.coach_next_step), kind)] += 1
            for agent in survey.agents.all():
                by["agent"][(agent.pk, kind)] += 1
        if survey.answered_at and survey.scale == "five":
            five_sum += survey.rating or 0
            five_n += 1
        if survey.comment_redacted and survey.sentiment == "good":
            positive.setdefault((survey.themes or ["other"])[0], []).append(survey.comment_redacted)
        elif survey.comment_redacted and survey.sentiment == "bad":
            negative.append(survey.comment_redacted)
    return {
        "totals": totals,
        "by": by,
        "mean": five_sum / five_n if five_n else None,
        "positive": positive,
    }


def timed(make: Any) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``make()`` (CPU: this process and its finished children)."""
    before, wall = os.times(), time.perf_counter()
    result = make()
    after = os.times()
    cpu = sum(after[:4]) - sum(before[:4])
    return time.perf_counter() - wall, cpu, result


_PREVIOUS_SIZES: dict[int, float] = {}


def previous_layout_pdf(report: Any) -> bytes:
    """The baseline: the PDF as it was laid out before, one highlighted box per comment.

    The same HTML but for the positive comments (a ``div`` per comment with its ``lang``, the
    previous stylesheet rule) and a font configuration built for each PDF.
    """
    import re

    import weasyprint
    from django.utils import translation
    from django.utils.html import escape

    from tactful.satisfaction import pdf, presenters

    with translation.override("en"):
        html = pdf.report_html(report, pdf=True)
        groups = presenters.report_context(report, pdf=True)["positive_groups"]
    blocks = iter(
        "".join(
            f'<div class="highlight" lang="{escape(c["language"])}">\u201c{escape(c["text"])}\u201d</div>'
            for c in group["comments"]
        )
        for group in groups
    )
    html = re.sub(
        r'(<div class="comments">)(?:<div class="highlight run">.*?</div>)+(</div>)',
        lambda m: m.group(1) + next(blocks) + m.group(2),
        html,
        flags=re.S,
    )
    html = re.sub(
        r"div\.highlight \{[^}]*\}",
        "div.highlight { background: #fff4c2; margin: 0 0 1.5pt; }",
        html,
    )
    body = bytes(weasyprint.HTML(string=html, base_url=".").write_pdf())
    _PREVIOUS_SIZES[report.pk] = len(body) / 1024
    return body


#: Comments for ``--layouts``: one-line ones as in the seeded month, a fifth of them longer.
LAYOUT_COMMENTS = (
    "[name] fixed it in minutes, thank you!",
    "Clear explanation, step by step. Thanks!",
    "So patient and kind with me, lovely service.",
    "[имя] всё решила за несколько минут, спасибо!",
    "Me lo explicaron paso a paso, muy claro.",
)


def compare_layouts(count: int) -> None:
    """CPU seconds WeasyPrint takes for ``count`` highlighted comments, laid out several ways.

    No database: one page of the report's stylesheet and only the comments, each layout twice,
    alternating, with one font configuration for all (the CPU time is this process's own, so a
    busy machine changes it less than the wall-clock time, which is printed too).
    """
    import html
    import random

    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    rng = random.Random(1)
    comments = [
        html.escape(rng.choice(LAYOUT_COMMENTS))
        + (" And it was a long story, so this one wraps onto a second line." * (rng.random() < 0.2))
        for _ in range(count)
    ]
    quoted = [f"\u201c{c}\u201d" for c in comments]
    style = (
        '@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " '
        "counter(pages); } } body { font-family: 'DejaVu Sans', sans-serif; font-size: 9.5pt; }"
        " .highlight { background: #fff4c2; margin: 0 0 1.5pt; }"
        " .run { margin: 0; white-space: pre-line; line-height: 1.45; }"
    )

    def runs(size: int) -> str:
        return "".join(
            '<div class="highlight run">' + "\n".join(quoted[i : i + size]) + "</div>"
            for i in range(0, count, size)
        )

    layouts = {
        "a div per comment, each with its lang (previous)": "".join(
            f'<div class="highlight" lang="en">{q}</div>' for q in quoted
        ),
        "a div per comment, no lang": "".join(f'<div class="highlight">{q}</div>' for q in quoted),
        "an inline span per comment, 20 a paragraph": "".join(
            "<p>"
            + " ".join(f'<span class="highlight">{q}</span>' for q in quoted[i : i + 20])
            + "</p>"
            for i in range(0, count, 20)
        ),
        "runs of 10, a comment a line": runs(10),
        "runs of 50, a comment a line (now)": runs(50),
        "runs of 400, a comment a line": runs(400),
    }
    font_config = FontConfiguration()
    weasyprint.HTML(string="<p>warm up</p>").write_pdf(font_config=font_config)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in layouts}
    for _ in range(2):
        for name, body in layouts.items():
            page = f"<!doctype html><html><head><meta charset=utf-8><style>{style}</style></head><body>{body}</body></html>"
            wall, cpu, _pdf = timed(
                lambda p=page: weasyprint.HTML(string=p).write_pdf(font_config=font_config)
            )
            results[name].append((wall, cpu))
            log(f"  {name}: {cpu:.2f} s CPU, {wall:.2f} s wall, load {os.getloadavg()[0]:.1f}")
    print(
        f"\n{count:,} highlighted comments (s; two runs each, alternating; load average "
        f"{os.getloadavg()[0]:.1f} at the end, {os.cpu_count()} CPUs)\n"
    )
    print("| layout | CPU, run 1 | CPU, run 2 | ms CPU a comment | wall, run 1 | wall, run 2 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, ((w1, c1), (w2, c2)) in results.items():
        print(
            f"| {name} | {c1:.2f} | {c2:.2f} | {(c1 + c2) / 2 / count * 1000:.2f} | {w1:.1f} | {w2:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--layouts",
        type=int,
        metavar="N",
        help="only compare layouts of N highlighted comments in WeasyPrint (no database)",
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="reuse the seeded database")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.layouts:
        compare_layouts(args.layouts)
        return

    url = database_url(args.database_url, DB_NAME)
    reuse = args.keep and count_rows(url, "satisfaction_survey") == args.tickets
    if not reuse:
        recreate_database(args.database_url, DB_NAME)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=tempfile.mkdtemp(prefix="tactful-csat-bench-"),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tactful.accounts.models import Agent, Team
    from tactful.desk.testing import DeskFactory, bulk_tickets
    from tactful.satisfaction import pdf, reports
    from tactful.satisfaction.testing import bulk_surveys
    from tactful.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    desk = DeskFactory()
    if not reuse:
        log(f"seeding {args.tickets:,} solved tickets with surveys…")
        started = time.perf_counter()
        teams = [desk.team(name) for name in ("Billing", "Technical", "Shipping")]
        agents = [desk.agent(f"agent{i}", teams=teams[i % 3 : i % 3 + 2]) for i in range(24)]
        desk.agent("boss", role="admin")
        chunk = 20_000
        for offset in range(0, args.tickets, chunk):
            ids = bulk_tickets(
                min(chunk, args.tickets - offset),
                teams=teams,
                agents=agents,
                seed=offset,
                with_events=False,
                index=False,
                overrides={"status": "solved"},
            )
            bulk_surveys(
                list(
                    Ticket.objects.filter(pk__in=ids).only("id", "team_id", "channel", "language")
                ),
                month=MONTH,
                agent_ids=[a.pk for a in agents],
                seed=offset,
            )
            log(f"  {min(offset + chunk, args.tickets):,}")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"seeded in {time.perf_counter() - started:.0f} s")

    admin = Agent.objects.get(username="boss")
    team = Team.objects.get(name="Billing")
    client = Client()
    client.force_login(admin)

    rows = []
    for scope, scope_team in (("whole desk", None), ("one team (Billing)", team)):
        team_id = scope_team.pk if scope_team else None
        data = reports.build(team=scope_team, month=MONTH)
        build_ms = median_ms(
            lambda t=scope_team: reports.build(team=t, month=MONTH), times=args.runs
        )
        loop_ms = median_ms(lambda t=team_id: orm_loop_report(t), times=max(1, args.runs // 2))
        report = reports.generate(team=scope_team, month=MONTH, with_pdf=False)
        path = f"/satisfaction/reports/{report.pk}/"
        assert client.get(path).status_code == 200
        page_ms = median_ms(lambda p=path: client.get(p), times=args.runs)
        # The PDF, twice each, alternating with the previous layout (the baseline, in the
        # same run): the machine is shared, so the load average is printed beside each, and
        # CPU seconds (this process's own) beside wall-clock seconds.
        pdf_runs: dict[str, list[tuple[float, float, float]]] = {"previous": [], "now": []}
        for _ in range(2):
            for name, make in (
                ("previous", lambda r=report: previous_layout_pdf(r)),
                ("now", lambda r=report: pdf.render_pdf(r, language="en")),
            ):
                wall, cpu, body = timed(make)
                pdf_runs[name].append((wall, cpu, os.getloadavg()[0]))
                if name == "now":
                    pdf_kb = len(body) / 1024
                log(
                    f"  {scope}: PDF ({name} layout) {wall:.1f} s wall, {cpu:.1f} s CPU, "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
        rows.append(
            {
                "scope": scope,
                "surveys": data["summary"]["sent"],
                "answers": data["summary"]["answered"],
                "positive": data["positive"]["count"],
                "build": build_ms,
                "loop": loop_ms,
                "page": page_ms,
                "pdf": pdf_runs,
                "pdf_kb": pdf_kb,
                "previous_kb": _PREVIOUS_SIZES[report.pk],
            }
        )
        log(f"  {scope}: build {build_ms:.0f} ms, loop {loop_ms:.0f} ms, page {page_ms:.0f} ms")

    print(
        f"\nMonthly CSAT report, {args.tickets:,} tickets solved in {MONTH:%B %Y} (PostgreSQL, ms, median of {args.runs})\n"
    )
    print(
        "| scope | surveys | answers | positive comments | report figures (SQL) | plain ORM loop | ratio | page (stored report) | figures + page |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['scope']} | {r['surveys']:,} | {r['answers']:,} | {r['positive']:,} | {r['build']:.0f} | "
            f"{r['loop']:.0f} | {r['loop'] / r['build']:.1f}× | {r['page']:.0f} | {r['build'] + r['page']:.0f} |"
        )
    print(f"\nThe PDF (s; two runs each, alternating; {os.cpu_count()} CPUs)\n")
    print(
        "| scope | layout | wall, run 1 | wall, run 2 | CPU, run 1 | CPU, run 2 | load average | PDF size |"
    )
    print("|---|---|---:|---:|---:|---:|---|---:|")
    for r in rows:
        for name, label in (
            ("previous", "one box per comment (previous)"),
            ("now", "runs of comments (now)"),
        ):
            (w1, c1, l1), (w2, c2, l2) = r["pdf"][name]
            print(
                f"| {r['scope']} | {label} | {w1:.1f} | {w2:.1f} | {c1:.1f} | {c2:.1f} | "
                f"{l1:.1f}, {l2:.1f} | {r['pdf_kb'] if name == 'now' else r['previous_kb']:.0f} KiB |"
            )


if __name__ == "__main__":
    main()
