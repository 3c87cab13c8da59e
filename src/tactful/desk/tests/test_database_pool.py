"""A web process holds a bounded pool of database connections, however many requests arrive.

Under ASGI every request runs on a thread of its own, and Django keeps one connection per
thread: with persistent connections a burst of requests left one connection per thread open,
and under the load test two web processes held about a hundred — every slot PostgreSQL had — so
Celery tasks and requests failed with "too many clients". ``tactful serve`` now gives each web
process a pool (``TACTFUL_DATABASE_POOL_SIZE``). The tests start the real server on the test
database and count its connections in ``pg_stat_activity`` after a burst of concurrent requests.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tactful.desk.tests.served import server_env, tactful_serve

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CONCURRENT_CLIENTS = 24
REQUESTS = 96


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgresql://{user}@{host}:{port}/{settings['NAME']}"


@contextmanager
def _served(tmp_path: Path, *, app_name: str, pool_size: str) -> Iterator[str]:
    env = server_env(
        TACTFUL_DATA_DIR=str(tmp_path),
        DATABASE_URL=_database_url(),
        SECRET_KEY="pool-test-only",
        ALLOWED_HOSTS="127.0.0.1",
        TACTFUL_DATABASE_POOL_SIZE=pool_size,
        PGAPPNAME=app_name,  # libpq names the server's connections, so they can be counted
        PGPASSWORD=connection.settings_dict["PASSWORD"] or "",
    )
    with tactful_serve(env, workers=1) as base:
        yield base


def _ready(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/ready/", timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _burst(base: str) -> list[int]:
    """``REQUESTS`` readiness probes (each reads the database) from concurrent clients."""
    with ThreadPoolExecutor(CONCURRENT_CLIENTS) as clients:
        return list(clients.map(_ready, [base] * REQUESTS))


def _connections(app_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [app_name]
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_a_burst_of_requests_holds_no_more_connections_than_the_pool(tmp_path):
    with _served(tmp_path, app_name="tactful-pooled", pool_size="3") as base:
        statuses = _burst(base)
        assert statuses == [200] * REQUESTS  # every request answered, none refused
        assert 1 <= _connections("tactful-pooled") <= 3


@pytest.mark.django_db
def test_without_the_pool_the_same_burst_leaves_a_connection_per_thread(tmp_path):
    """The contrast that makes the test above mean something: the old set-up leaks."""
    with _served(tmp_path, app_name="tactful-unpooled", pool_size="0") as base:
        statuses = _burst(base)
        assert statuses == [200] * REQUESTS
        assert _connections("tactful-unpooled") > 3
