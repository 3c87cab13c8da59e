"""Customer page benchmark: one customer's page at 10 tickets (the baseline) and at N.

    DATABASE_URL=postgresql://root@127.0.0.1:5432/bench_customers \\
        .venv/bin/python benchmarks/customer_page_bench.py --tickets 10000

Migrates the database named by DATABASE_URL (a scratch one: it is filled, not emptied), seeds
two customers of one team — one with 10 tickets, one with N, each ticket with a customer
message the coach read and every fifth with a satisfaction answer — then times the customer
page of each in process through Django's test client (logged in as an agent of the team) and
prints p50/p95, the queries per page and the ratio to the baseline. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from tactful.desk.testing import DeskFactory
    from tactful.profiles.tests.test_customer_page import grow

    desk = DeskFactory()
    team = desk.team()
    agent = desk.agent(teams=[team])
    small, large = desk.customer(), desk.customer()
    grow(small, 10, team=team)
    for start in range(0, args.tickets, 5000):
        grow(large, min(5000, args.tickets - start), team=team, start=start)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(agent)

    def measure(customer_id: int) -> tuple[float, float, int]:
        url = f"/customers/{customer_id}/"
        for _ in range(3):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(args.requests):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        return statistics.median(times), p95, len(queries.captured_queries)

    base = measure(small.pk)
    big = measure(large.pk)
    print(f"customer page, {connection.vendor}, {args.requests} requests each")
    print(f"{'tickets':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    print(f"{10:>8} {base[0]:>8.1f} {base[1]:>8.1f} {base[2]:>8}")
    print(f"{args.tickets:>8} {big[0]:>8.1f} {big[1]:>8.1f} {big[2]:>8}")
    print(f"ratio p50 {big[0] / base[0]:.2f}×")


if __name__ == "__main__":
    main()
