"""Where one worker's ingest time goes: queries per e-mail by caller, then ``cProfile``.

    TACTFUL_BENCH_DATABASE_URL=postgresql://… python benchmarks/ingest_profile.py [--mails 140] [--group 30]

Drives ``ingest_email`` with the coach's analysis inline, as ``ingest_bench.py``'s
"store + coach" step does (same corpus, scratch database ``tactful_ingest_profile``): 20
e-mails to warm up, the next 60 with every query counted by the desk function that issued it
(``tickets.events``/``timeline`` skipped, so a subscriber is named rather than the dispatch),
the rest under ``cProfile`` (cumulative, then own time). A profile, not a test: it asserts
nothing, and its times include the profiler's overhead.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest_bench as bench

COUNTED = 60


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mails", type=int, default=140, help="20 warm-up + 60 counted + rest")
    parser.add_argument(
        "--group",
        type=int,
        default=0,
        help="store the counted and profiled e-mails in groups of N inside "
        "coaching.tasks.analyses_in_batches(), as an IMAP poll stores a fetched group "
        "(0: one by one)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TACTFUL_BENCH_DATABASE_URL")
        or os.environ.get("TACTFUL_TEST_DATABASE_URL")
        or "",
        help="a PostgreSQL server (a scratch database is created on it)",
    )
    args = parser.parse_args(argv)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")
    os.environ["TACTFUL_ENCODER_THREADS"] = "1"
    data_dir = tempfile.mkdtemp(prefix="tactful-ingest-profile-")
    url = f"sqlite:///{data_dir}/profile.sqlite3"
    if args.database_url:
        import psycopg

        name = bench.scratch_name("tactful_ingest_profile")
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = urlunparse(urlparse(args.database_url)._replace(path=f"/{name}"))
    bench.setup_django(url, data_dir)

    from django.db import connection

    import tactful.coach
    from tactful.accounts import services as account_services
    from tactful.mail.services import ingest_email

    team = account_services.create_team(name="Support", auto_assign=False)
    tactful.coach.analyze_message("Warm-up: load the encoder and the lexicons once.")
    for language in ("es", "ru"):
        tactful.coach.analyze_message(bench.SENTENCES[language][0])
    corpus = bench.make_corpus(
        max(args.mails, 20 + COUNTED + 1), to="support@bench.example", seed=1
    )
    for raw in corpus[:20]:
        ingest_email(raw, team=team)
    counted, profiled = corpus[20 : 20 + COUNTED], corpus[20 + COUNTED :]

    source = str(Path(bench.__file__).resolve().parents[1] / "src" / "tactful") + os.sep
    by_caller: collections.Counter[tuple[str, str]] = collections.Counter()

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        where = "?"
        for frame in reversed(traceback.extract_stack()):
            name = frame.filename
            if name.startswith(source) and not name.endswith(
                (os.sep + "events.py", os.sep + "timeline.py")
            ):
                where = f"{name[len(source) :]}:{frame.name}"
                break
        by_caller[(where, sql.split(None, 1)[0])] += 1
        return execute(sql, params, many, context)

    from tactful.coaching.tasks import analyses_in_batches

    def store(mails: list[bytes]) -> None:
        if args.group <= 0:
            for raw in mails:
                ingest_email(raw, team=team)
            return
        for start in range(0, len(mails), args.group):
            with analyses_in_batches():
                for raw in mails[start : start + args.group]:
                    ingest_email(raw, team=team)

    with connection.execute_wrapper(count):
        store(counted)
    total = sum(by_caller.values())
    how = f"groups of {args.group}" if args.group > 0 else "one by one"
    print(
        f"queries per e-mail (store + coach, {how}, {len(counted)} e-mails): "
        f"{total / len(counted):.1f}"
    )
    for (where, verb), n in by_caller.most_common(40):
        print(f"{n / len(counted):6.2f}  {verb:9} {where}")

    profile = cProfile.Profile()
    profile.enable()
    store(profiled)
    profile.disable()
    for order, lines in (("cumulative", 45), ("tottime", 20)):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(lines)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
