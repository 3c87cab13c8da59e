"""Playwright in Chromium: a customer rates from the e-mail's link and from the chat widget; a lead
reads the monthly report's charts and downloads its PDF, whose pages are rendered to PNG."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from PIL import Image

from tactful.desk.testing import bulk_tickets
from tactful.livechat.tests.conftest import (  # the chat's own server fixtures
    asgi_desk,  # noqa: F401
    shop_site,  # noqa: F401
)
from tactful.livechat.tests.test_browser import browser  # noqa: F401
from tactful.satisfaction import reports, services
from tactful.satisfaction.models import Survey
from tactful.satisfaction.testing import bulk_surveys
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Status, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

PASSWORD = "a-long-test-password"
SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS", "")


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name), full_page=False)


@pytest.fixture(autouse=True)
def clean_cache(allow_orm_next_to_playwright: None) -> Iterator[None]:
    """An empty cache (rate limits); the ORM may be used beside Playwright's event loop."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def chat_team(desk: Any) -> Any:
    return desk.team("Support")


def test_a_customer_rates_from_the_email_link(page, live_server, settings, desk):
    settings.TACTFUL_PUBLIC_URL = live_server.url
    team = desk.team("Billing")
    agent = desk.agent("ana", teams=[team])
    customer = desk.customer("casey@example.com", name="Casey Jones")
    ticket = desk.ticket(team=team, customer=customer, body="I was charged twice.")
    ticket_services.record_reply(ticket=ticket, agent=agent, body="Refunded; 3 days to your card.")
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)

    [email] = [m for m in mail.outbox if m.alternatives]
    html = email.alternatives[0][0]
    links = dict(re.findall(r'href="([^"]+\?r=(\d))"', html)[::-1])
    link = next(url for url, rating in links.items() if rating == "4")
    page.goto(link)
    assert page.locator('input[name=rating][value="4"]').is_checked()
    survey = Survey.objects.get(ticket=ticket)
    assert survey.answered_at is None  # following the link (as a mail scanner does) saved nothing
    page.fill("#comment", "Casey here: quick and kind, thank you!")
    _shot(page, "survey-page-from-the-email-link.png")
    page.click("button[type=submit]")
    page.wait_for_selector(".saved")
    survey.refresh_from_db()
    assert (survey.rating, survey.sentiment, survey.answered_via) == (4, "good", "page")
    assert "Casey" not in survey.comment_redacted

    # Changing one's mind: the same page, another answer.
    page.check('input[name=rating][value="2"]')
    page.click("button[type=submit]")
    page.wait_for_selector(".saved")
    survey.refresh_from_db()
    assert (survey.rating, survey.changes) == (2, 1)


def test_a_customer_rates_in_the_chat_widget(
    browser,  # noqa: F811
    asgi_desk,  # noqa: F811
    shop_site,  # noqa: F811
    chat_team,
    desk,
    settings,
):
    settings.TACTFUL_PUBLIC_URL = asgi_desk
    desk.agent("emma", teams=[chat_team], password=PASSWORD)
    context = browser.new_context(locale="es-ES")
    visitor = context.new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(shop_site)
    widget = visitor.locator("tactful-chat")
    widget.locator(".launcher").click()
    widget.locator("input[name=name]").fill("Ada")
    widget.locator(".intro button[type=submit]").click()
    composer = widget.locator("textarea[name=body]")
    composer.fill("My parcel never arrived.")
    composer.press("Enter")
    widget.locator(".msg.from-visitor:not(.pending)").first.wait_for()

    ticket = Ticket.objects.get()

    # Solved from another thread, as a web request would be: the survey's delivery pushes it
    # through the channel layer, which cannot run inside Playwright's event loop.
    def solve() -> None:
        try:
            ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=None)
        finally:
            connection.close()  # this thread's own connection

    solving = threading.Thread(target=solve)
    solving.start()
    solving.join(timeout=30)
    prompt = widget.locator(".survey")
    prompt.wait_for()
    prompt.locator("button[data-rating='5']").click()
    prompt.locator("textarea").fill("Fast and friendly!")
    _shot(visitor, "chat-widget-survey-prompt.png")
    prompt.locator("button.primary").click()
    prompt.locator(".done").wait_for()
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.rating, survey.answered_via, survey.comment) == (5, "chat", "Fast and friendly!")
    context.close()


def test_a_lead_reads_the_monthly_report_and_downloads_the_pdf(page, live_server, desk, tmp_path):
    team = desk.team("Billing")
    desk.agent("lee", role="lead", teams=[team], password=PASSWORD)
    agent = desk.agent("ana", teams=[team])
    month = date(2026, 11, 1)
    ids = bulk_tickets(60, teams=[team], agents=[agent], overrides={"status": "solved"})
    bulk_surveys(
        list(Ticket.objects.filter(pk__in=ids)), month=month, agent_ids=[agent.pk], answer_rate=0.7
    )
    # Two real answers whose comments name the customer: the report must not.
    for name, comment in (
        ("Veronika Thorne", "Veronika Thorne here — Kate solved it in minutes, thank you!"),
        ("Veronika Thorne", "Explained step by step, very clear. Veronika"),
    ):
        customer = desk.customer(name=name)
        ticket = desk.ticket(team=team, customer=customer)
        ticket_services.record_reply(ticket=ticket, agent=agent, body="Done.")
        ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)
        survey = Survey.objects.get(ticket=ticket)
        sent = datetime(2026, 11, 20, tzinfo=UTC)
        Survey.objects.filter(pk=survey.pk).update(
            sent_at=sent, expires_at=sent + timedelta(days=3650)
        )
        services.answer_survey(survey=Survey.objects.get(pk=survey.pk), rating=5, comment=comment)
    report = reports.generate(team=team, month=month)

    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "lee")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/satisfaction/reports/")
    page.click(f"a[href='/satisfaction/reports/{report.pk}/']")
    try:
        page.wait_for_function(
            "document.getElementById('chart-coach') && document.getElementById('chart-coach').chart"
        )
    finally:
        assert errors == [], errors
    coach = page.evaluate("document.getElementById('chart-coach').chart.data")
    assert coach["labels"] == ["Balanced", "Too little empathy", "Too much empathy"]
    balanced_csat = coach["datasets"][0]["data"][0]
    expected = report.data["coach"]["balance"][0]["csat"] * 100
    assert balanced_csat == pytest.approx(expected, abs=0.1)
    trend = page.evaluate("document.getElementById('chart-trend').chart.data.datasets[0].data")
    assert len(trend) == 6 and trend[-1] is not None
    body = page.inner_text("article.csat-report")
    assert "Veronika" not in body and "solved it in minutes" in body
    _shot(page, "monthly-csat-report.png")
    page.locator("section.pays-off").scroll_into_view_if_needed()
    _shot(page, "monthly-csat-report-does-the-coach-pay-off.png")

    with page.expect_download() as download_info:
        page.click("a.download-pdf")
    pdf_path = tmp_path / "report.pdf"
    download_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf_path), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "solved it in minutes" in text and "Veronika" not in text
    # The highlighted comments are drawn on the pages (their yellow marker, #fff4c2).
    highlighted = 0
    for png in pages:
        with Image.open(png) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
            highlighted += sum(n for n, rgb in colours if rgb == (255, 244, 194))
    assert highlighted > 500
    if SCREENSHOTS:
        shutil.copy(pages[0], Path(SCREENSHOTS) / "monthly-csat-report-pdf-first-page.png")
