"""Playwright in Debian's Chromium: an article suggested in the reply box and inserted; articles
suggested in the chat widget (on another site) and the contact form as the customer types;
the help center searched in Spanish and Russian."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tactful.knowledge.models import ArticleSuggestion
from tactful.livechat.tests.conftest import (  # noqa: F401 - the chat's server fixtures
    asgi_desk,
    shop_site,
)
from tactful.livechat.tests.test_browser import browser  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_orm_next_to_playwright"),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

SCREENSHOTS = Path(os.environ.get("TACTFUL_SCREENSHOTS") or tempfile.gettempdir()) / (
    "" if os.environ.get("TACTFUL_SCREENSHOTS") else "tactful-screenshots"
)
PASSWORD = "a-long-test-password"


def screenshot(target: Any, name: str) -> None:
    if os.environ.get("TACTFUL_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target.screenshot(path=str(SCREENSHOTS / name))


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")


@pytest.fixture
def chat_team(kb: dict[str, Any]) -> Any:
    """The widget's team (Billing, whose shelf has the refund article)."""
    return kb["billing"]


def test_an_article_is_suggested_in_the_reply_box_and_its_link_inserted(
    live_server, page, kb, desk
):
    desk.agent("ann", teams=[kb["billing"]], password=PASSWORD)
    # The real coach reads the message after the commit and finds its key sentence.
    ticket = desk.ticket(
        team=kb["billing"],
        body="Good morning. You charged me twice for order 4411 and I want the duplicate refunded today.",
    )
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1360, "height": 1200})
    log_in(page, live_server.url, "ann")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")

    item = page.locator(".kb-item", has_text="Charged twice? How refunds of a double charge work")
    item.wait_for()
    assert "refund the duplicate within 3–5 working days" in item.inner_text()
    reply = page.locator("#id_reply_body")
    reply.fill("I have checked order 4411: you are right, the second charge is our mistake.")
    reply.evaluate("box => box.setSelectionRange(box.value.length, box.value.length)")
    item.locator(".kb-insert-link").click()
    value = reply.input_value()
    assert value.startswith("I have checked order 4411")
    assert f"/help/billing/a/{kb['refund'].pk}/?lang=en" in value
    # The agent can search the knowledge base too; internal articles are offered to read only.
    page.fill(".kb-search", "approvals")
    page.wait_for_function(
        "document.querySelectorAll('.kb-item').length === 1"
        " && document.querySelector('.kb-item').textContent.includes('Refund approvals')"
    )
    assert page.locator(".kb-item .kb-insert-link").count() == 0
    page.fill(".kb-search", "")
    page.wait_for_selector(".kb-item >> text=Charged twice?")
    screenshot(page.locator("form.reply"), "article-suggested-in-the-reply-box.png")


def test_the_chat_widget_suggests_articles_as_the_visitor_types(
    browser,  # noqa: F811 (the fixtures imported above)
    asgi_desk,  # noqa: F811
    shop_site,  # noqa: F811
    kb,
):
    context = browser.new_context(locale="en-US")
    visitor = context.new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(shop_site)
    widget = visitor.locator("tactful-chat")
    widget.locator(".launcher").click()
    widget.locator("input[name=name]").fill("Ada")
    widget.locator(".intro button[type=submit]").click()
    composer = widget.locator("textarea[name=body]")
    composer.wait_for()
    composer.press_sequentially("You charged me twice for my order", delay=20)
    link = widget.locator(".kb a", has_text="Charged twice?")
    link.wait_for()
    assert "These articles may answer your question" in widget.locator(".kb").inner_text()
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{asgi_desk}/help/billing/a/{kb['refund'].pk}/?lang=en&s=")
    screenshot(visitor.locator("tactful-chat .panel"), "articles-suggested-in-the-chat-widget.png")

    # The visitor opens it (a new tab), says it helped… and writes anyway.
    with context.expect_page() as opened:
        link.click()
    article = opened.value
    article.wait_for_load_state()
    article.locator("text=Did this answer your question?").wait_for()
    article.click("text=Yes, thank you")
    article.locator(".help-thanks").wait_for()
    composer.press("Enter")
    widget.locator(".msg.from-visitor:not(.pending)").first.wait_for()
    assert widget.locator(".kb").is_hidden()
    for _ in range(100):  # the beacon is asynchronous
        suggestion = ArticleSuggestion.objects.get()
        if suggestion.wrote_at is not None:
            break
        time.sleep(0.05)
    assert suggestion.surface == "widget" and suggestion.team == kb["billing"]
    assert suggestion.opened is not None and suggestion.opened.article_id == kb["refund"].pk
    assert suggestion.answered_at is not None and suggestion.wrote_at is not None
    assert not suggestion.deflected
    context.close()


def test_the_contact_form_suggests_articles_before_a_ticket_exists(live_server, page, kb):
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/contact/shipping/?lang=es")
    page.locator("#id_message").press_sequentially("¿Dónde está mi paquete? No llega", delay=15)
    page.locator(".kb-suggest-box a", has_text="¿Dónde está mi paquete?").wait_for()
    assert (
        "Estos artículos pueden responder a tu pregunta"
        in page.locator(".kb-suggest-box").inner_text()
    )
    assert ArticleSuggestion.objects.get().surface == "form"


@pytest.mark.parametrize(
    ("language", "query", "expected", "shot"),
    [
        (
            "es",
            "paquete",
            "¿Dónde está mi paquete? Seguimiento del envío",
            "help-center-search-spanish.png",
        ),
        (
            "ru",
            "списали дважды",
            "Деньги списали дважды? Как мы возвращаем лишний платёж",
            "help-center-search-russian.png",
        ),
    ],
)
def test_the_help_center_search_works_in_spanish_and_russian(
    live_server, page, kb, language, query, expected, shot
):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto(f"{live_server.url}/help/?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#help-q", query)
    page.press("#help-q", "Enter")
    page.wait_for_url(f"**/help/?lang={language}&q=*")
    first = page.locator(".help-result a").first
    assert first.inner_text() == expected
    screenshot(page, shot)
    first.click()
    page.wait_for_selector(".help-article h1")
    assert page.locator(".help-article h1").inner_text() == expected
    assert page.locator(".help-body").inner_text().strip()
