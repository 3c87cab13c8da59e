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
def allow_orm_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in the test's thread; the ORM calls around it
    are plain synchronous setup and checks, not async views."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_locale() -> str:
    """The browser's locale for ``page``; a test module overrides it (e.g. ``"es-ES"``)."""
    return "en-US"


@pytest.fixture
def browser_bypass_csp() -> bool:
    """Playwright's waits (``wait_for_function("…")``) evaluate strings, which the desk's
    Content-Security-Policy forbids; pages of the CSP's own browser test keep the policy."""
    return True


@pytest.fixture
def page(
    close_stray_database_sessions: None,
    allow_orm_next_to_playwright: None,
    browser_locale: str,
    browser_bypass_csp: bool,
) -> Any:
    """A page in Debian's Chromium, launched with the project's flags (for browser tests that
    drive the live server; they open more contexts from ``page.context.browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(locale=browser_locale, bypass_csp=browser_bypass_csp)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


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
