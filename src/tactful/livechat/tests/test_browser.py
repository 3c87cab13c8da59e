"""Playwright in Chromium: a visitor on another site chats with an agent in the inbox.

The desk runs as ASGI in a real uvicorn server (a thread of this process, so the in-memory
channel layer and in-process delivery reach the same sockets). The visitor's page is a plain
HTML file served by ``http.server`` on another port — another origin — with hostile CSS that
the widget's Shadow DOM must shrug off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tactful.tickets.models import Message, MessageKind, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.chat,
    pytest.mark.django_db(transaction=True),
    # WhiteNoise (6.x) hands Django a synchronous file iterator; under ASGI Django reads it
    # in a thread and says so once. Harmless, and not what this test is about.
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def allow_orm_next_to_playwright(monkeypatch: pytest.MonkeyPatch) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous setup and checks, not async code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser() -> Iterator[Any]:
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_a_visitor_and_an_agent_chat_live(browser, asgi_desk, shop_site, chat_team, desk):
    desk.agent("emma", teams=[chat_team], password=PASSWORD)

    visitor_context = browser.new_context(locale="en-US")
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(shop_site)
    widget = visitor.locator("tactful-chat")
    launcher = widget.locator(".launcher")
    launcher.wait_for(state="visible")  # the page's `button { display: none }` does not reach it
    launcher.click()
    widget.locator("input[name=name]").fill("Ada Lovelace")
    widget.locator("input[name=email]").fill("ada@example.com")
    widget.locator(".intro button[type=submit]").click()
    composer = widget.locator("textarea[name=body]")
    composer.fill("Hello! My parcel <b>#42</b> never arrived.")
    composer.press("Enter")
    widget.locator(".msg.from-visitor:not(.pending)").first.wait_for()
    assert "<b>#42</b>" in widget.locator(".msg.from-visitor .body").first.inner_text()

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.team_id) == ("chat", chat_team.pk)
    assert ticket.customer.email == "ada@example.com"

    agent_context = browser.new_context(locale="en-US")
    agent = agent_context.new_page()
    agent.set_default_timeout(15_000)
    agent.goto(f"{asgi_desk}/accounts/login/")
    agent.fill("#id_username", "emma")
    agent.fill("#id_password", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_url("**/inbox/")
    agent.goto(f"{asgi_desk}/tickets/{ticket.pk}/")
    assert "My parcel <b>#42</b> never arrived" in agent.locator(".thread").inner_text()
    agent.wait_for_selector("#livechat .livechat-status[data-state=online]")

    # The visitor writes again: the agent's pane shows it without a reload.
    composer.fill("Order placed on Monday.")
    composer.press("Enter")
    agent.wait_for_selector(
        "#livechat .livechat-log li.from-visitor >> text=Order placed on Monday."
    )

    # The agent answers with the normal reply form: the visitor sees it live.
    agent.fill("#id_reply_body", "I'm sorry, Ada. A new parcel ships today.")
    agent.click("text=Send reply")
    agent.wait_for_url(f"**/tickets/{ticket.pk}/")
    widget.locator(".msg.from-agent >> text=A new parcel ships today.").wait_for()
    assert "Emma" in widget.locator(".msg.from-agent .meta").first.inner_text()

    # And with the pane's quick reply.
    agent.wait_for_selector("#livechat .livechat-status[data-state=online]")
    agent.fill("#livechat-body", "Tracking number: TRK-7.")
    agent.press("#livechat-body", "Enter")
    widget.locator(".msg.from-agent >> text=Tracking number: TRK-7.").wait_for()
    agent.wait_for_selector("#livechat .livechat-log li.from-agent >> text=Tracking number: TRK-7.")

    # A reload resumes the same conversation with its history.
    visitor.reload()
    visitor.locator("tactful-chat .launcher").click()
    widget = visitor.locator("tactful-chat")
    widget.locator(".msg.from-agent >> text=Tracking number: TRK-7.").wait_for()
    bodies = widget.locator(".msg .body").all_inner_texts()
    assert bodies == [
        "Hello! My parcel <b>#42</b> never arrived.",
        "Order placed on Monday.",
        "I'm sorry, Ada. A new parcel ships today.",
        "Tracking number: TRK-7.",
    ]
    assert widget.locator(".intro").is_hidden()

    agent_context.close()
    visitor_context.close()
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket=ticket, kind=MessageKind.INCOMING).count() == 2
    replies = Message.objects.filter(ticket=ticket, kind=MessageKind.OUTGOING)
    assert sorted(replies.values_list("delivery_state", flat=True)) == ["sent", "sent"]


def test_the_pane_shows_the_chat_so_far_and_the_visitor_sees_the_agent_typing(
    browser, asgi_desk, shop_site, chat_team, desk
):
    desk.agent("emma", teams=[chat_team], password=PASSWORD)
    visitor = browser.new_context(locale="en-US").new_page()
    visitor.set_default_timeout(15_000)
    visitor.goto(shop_site)
    widget = visitor.locator("tactful-chat")
    widget.locator(".launcher").click()
    widget.locator(".intro button[type=submit]").click()
    composer = widget.locator("textarea[name=body]")
    composer.fill("Is anyone there?")
    composer.press("Enter")
    widget.locator(".msg.from-visitor:not(.pending)").first.wait_for()
    ticket = Ticket.objects.get()

    agent = browser.new_context(locale="en-US").new_page()
    agent.set_default_timeout(15_000)
    agent.goto(f"{asgi_desk}/accounts/login/")
    agent.fill("#id_username", "emma")
    agent.fill("#id_password", PASSWORD)
    agent.click("button[type=submit]")
    agent.wait_for_url("**/inbox/")
    agent.goto(f"{asgi_desk}/tickets/{ticket.pk}/")
    # Written before the page opened, yet in the pane (and only once).
    agent.wait_for_selector("#livechat .livechat-log li.from-visitor >> text=Is anyone there?")
    assert agent.locator("#livechat .livechat-log li").count() == 1
    assert agent.locator("#livechat .livechat-empty").is_hidden()
    agent.wait_for_selector("#livechat .livechat-status[data-state=online]")

    typing = widget.locator(".typing")
    assert typing.is_hidden()
    agent.locator("#livechat-body").press_sequentially("Yes, I am here", delay=20)
    typing.wait_for(state="visible")
    assert typing.inner_text() == "Emma is typing…"
    agent.press("#livechat-body", "Enter")
    widget.locator(".msg.from-agent >> text=Yes, I am here").wait_for()
    typing.wait_for(state="hidden")  # the message itself ends "typing…"
