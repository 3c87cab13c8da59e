"""Django/pytest wiring shared by every desk test: factories, API clients, browser launch args."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

#: Debian's Chromium, driven by Playwright without `playwright install` (which downloads).
CHROMIUM = os.environ.get("TACTFUL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright launches Debian's Chromium with our flags."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Service-marked tests skip with a reason when their server is not configured."""
    pg = bool(os.environ.get("TACTFUL_TEST_DATABASE_URL"))
    redis = bool(os.environ.get("TACTFUL_TEST_REDIS_URL"))
    chromium = os.path.exists(CHROMIUM)
    # Postfix + Dovecot, started by scripts/mailserver.sh (which prints these variables).
    mail = bool(
        os.environ.get("TACTFUL_TEST_SMTP_PORT") and os.environ.get("TACTFUL_TEST_IMAP_PORT")
    )
    # The README's test command sets this: there a missing server is a failure, not a skip,
    # so a green run always means the service tests really ran.
    if os.environ.get("TACTFUL_REQUIRE_SERVICES"):
        missing = [
            name
            for name, ok in (
                ("PostgreSQL", pg),
                ("Redis", redis),
                ("Chromium", chromium),
                ("Postfix/Dovecot", mail),
            )
            if not ok
        ]
        if missing:
            raise pytest.UsageError(
                f"TACTFUL_REQUIRE_SERVICES is set but these are missing: {', '.join(missing)}"
            )
    # Markers, not keywords: a parametrize id such as "email" must not skip a test.
    for item in items:
        if item.get_closest_marker("postgres") and not pg:
            item.add_marker(pytest.mark.skip(reason="TACTFUL_TEST_DATABASE_URL is not set"))
        if item.get_closest_marker("celery") and not redis:
            item.add_marker(pytest.mark.skip(reason="TACTFUL_TEST_REDIS_URL is not set"))
        if item.get_closest_marker("browser") and not chromium:
            item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))
        if item.get_closest_marker("email") and not mail:
            item.add_marker(
                pytest.mark.skip(reason="TACTFUL_TEST_SMTP_PORT/TACTFUL_TEST_IMAP_PORT are not set")
            )


@pytest.fixture
def desk(db: None) -> Any:
    """Factories for desk objects (see tactful.desk.testing)."""
    from tactful.desk.testing import DeskFactory

    return DeskFactory()


@pytest.fixture(scope="session")
def close_stray_database_sessions(django_db_setup: None, django_db_blocker: Any) -> Any:
    """Before the test database is dropped, end sessions other threads left open.

    The live server's keep-alive request threads and the in-process Celery worker each hold a
    connection that closes only when their thread notices; PostgreSQL refuses to drop a
    database in use. Fixtures that start such threads depend on this one.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    stray = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_terminate_backend(pid) {stray}")
        for _ in range(50):  # terminated backends take a moment to go away
            cursor.execute(f"SELECT count(*) {stray}")
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.1)
