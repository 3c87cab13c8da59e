"""Video calls in two Chromium contexts — a visitor on a shop's site, an agent on the ticket
page — with Chromium's fake camera and microphone, over loopback with no STUN or TURN.

The call connects and media flows both ways (``getStats()``: inbound video packets keep
increasing on each side), mute, camera off and the visitor's screen share reach the other
side, a forced ICE failure and a dropped socket both recover, hanging up asks the agent for
notes, and the ticket's timeline and thread show the call. Run with ``-s`` to see what was
measured (accept → first remote frame, signalling messages); nothing here asserts a time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tactful.livechat.models import Call, CallSettings
from tactful.tickets.models import MessageKind, Ticket

pytestmark = [
    pytest.mark.browser,
    pytest.mark.chat,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("allow_orm_next_to_playwright"),
    pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous"),
]

PASSWORD = "a-long-test-password"
#: Chromium's stand-ins for a camera and microphone, granted without a prompt (these tests
#: only: the rest of the suite launches without them).
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
SCREENSHOTS = os.environ.get("TACTFUL_SCREENSHOTS")

#: Keeps every RTCPeerConnection and WebSocket a page makes, for getStats() and for cutting
#: the socket, and counts the ICE-restart offers sent; the product code is not changed for the
#: test. (The test reads the database only once the pages are closed: SQLite's shared in-memory
#: database refuses a read that overlaps the server thread's writes.)
SPY = """
(() => {
  const NativePC = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new NativePC(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePC.prototype;
  const NativeWS = window.WebSocket;
  window.__sockets = [];
  window.__restartOffers = 0;
  window.WebSocket = function (...args) {
    const ws = new NativeWS(...args);
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      if (typeof data === "string" && data.includes('"restart":true')) window.__restartOffers += 1;
      return send(data);
    };
    window.__sockets.push(ws);
    return ws;
  };
  window.WebSocket.prototype = NativeWS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""

INBOUND = """async () => {
  const pc = window.__pcs[window.__pcs.length - 1];
  const out = { video: 0, audio: 0, energy: 0, width: 0, frames: 0 };
  (await pc.getStats()).forEach((r) => {
    if (r.type !== "inbound-rtp") return;
    if (r.kind === "video") Object.assign(out, { video: r.packetsReceived, width: r.frameWidth || 0, frames: r.framesDecoded || 0 });
    if (r.kind === "audio") Object.assign(out, { audio: r.packetsReceived, energy: r.totalAudioEnergy || 0 });
  });
  return out;
}"""

MARK = """(name) => {
  const [mark] = performance.getEntriesByName(name);
  return mark ? performance.timeOrigin + mark.startTime : null;
}"""


def launch(args: list[str]) -> Any:
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + args, headless=True
    )
    return playwright, browser


@pytest.fixture
def media_browser() -> Iterator[Callable[[list[str]], Any]]:
    """Chromium launched with the media flags a test asks for."""
    opened: list[Any] = []

    def start(args: list[str]) -> Any:
        playwright, browser = launch(args)
        opened.append((playwright, browser))
        return browser

    yield start
    for playwright, browser in opened:
        browser.close()
        playwright.stop()


def shot(page_or_locator: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page_or_locator.screenshot(path=str(Path(SCREENSHOTS) / name))


def wait_until(check: Callable[[], Any], *, timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def flowing(page: Any, what: str) -> dict[str, Any]:
    """Inbound video packets increase between two samples a second apart."""
    first = page.evaluate(INBOUND)
    time.sleep(1.0)
    second = page.evaluate(INBOUND)
    assert second["video"] > first["video"] > 0, (what, first, second)
    assert second["frames"] > first["frames"], (what, first, second)
    return second


def visitor_in_chat(browser: Any, site: str, *, name: str = "Ada Lovelace") -> tuple[Any, Any]:
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 760})
    context.add_init_script(SPY)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(site)
    widget = page.locator("tactful-chat")
    widget.locator(".launcher").click()
    widget.locator("input[name=name]").fill(name)
    widget.locator(".intro button[type=submit]").click()
    composer = widget.locator("textarea[name=body]")
    composer.fill("The app shows an error I cannot describe. Can you see it?")
    composer.press("Enter")
    widget.locator(".msg.from-visitor:not(.pending)").first.wait_for()
    return page, widget


def agent_on_ticket(browser: Any, desk_url: str, ticket: Ticket) -> Any:
    context = browser.new_context(locale="en-US", viewport={"width": 1360, "height": 1100})
    context.add_init_script(SPY)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{desk_url}/accounts/login/")
    page.fill("#id_username", "emma")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")
    page.goto(f"{desk_url}/tickets/{ticket.pk}/")
    page.wait_for_selector("#livechat .livechat-status[data-state=online]")
    page.wait_for_selector("#livechat-call .call-start:enabled")
    return page


def call_row() -> Call:
    return Call.objects.get()


def test_a_video_call_connects_both_ways_and_lands_on_the_ticket(
    media_browser, asgi_desk, shop_site, chat_team, desk
):
    desk.agent("emma", teams=[chat_team], password=PASSWORD)
    browser = media_browser(FAKE_MEDIA)
    visitor, widget = visitor_in_chat(browser, shop_site)
    ticket = Ticket.objects.get()
    agent = agent_on_ticket(browser, asgi_desk, ticket)

    # The agent offers; the visitor's widget (in its Shadow DOM) shows the invitation.
    agent.click("#livechat-call .call-start")
    invite = widget.locator(".call-row p", has_text="Emma invites you to a video call.")
    invite.wait_for()
    widget.locator(".call-row .accept", has_text="Accept").click()

    widget.locator(".videos .remote.live").wait_for()  # the agent's first frame, in the widget
    agent.wait_for_selector("#livechat-call .call-remote.live")
    agent.wait_for_selector("#livechat-call .call-status[data-state=connected]")
    accepted_at = visitor.evaluate(MARK, "tactful-call-accepted")
    visitor_first = visitor.evaluate(MARK, "tactful-call-first-remote-frame")
    agent_first = agent.evaluate(MARK, "tactful-call-first-remote-frame")
    seen_by_agent = flowing(agent, "agent receives the visitor's video")
    seen_by_visitor = flowing(visitor, "visitor receives the agent's video")
    assert seen_by_agent["audio"] > 0 and seen_by_visitor["audio"] > 0
    shot(visitor, "video-call-in-the-chat-widget.png")

    # Mute: the agent's microphone track stops, and the visitor is told.
    agent.click("#livechat-call .call-mute")
    assert agent.get_attribute("#livechat-call .call-mute", "aria-pressed") == "true"
    widget.locator(".remote-state", has_text="Muted").wait_for()
    assert agent.evaluate(
        "() => window.__pcs.at(-1).getSenders().filter((s) => s.track && s.track.kind === 'audio')"
        ".every((s) => s.track.enabled === false)"
    )
    agent.click("#livechat-call .call-mute")
    widget.locator(".remote-state").wait_for(state="hidden")

    # The visitor turns the camera off and on, then shows their screen.
    widget.locator(".controls .camera").click()
    agent.wait_for_selector("#livechat-call .call-remote-state >> text=turned the camera off")
    widget.locator(".controls .camera").click()
    agent.wait_for_selector("#livechat-call .call-remote-state", state="hidden")
    camera_width = agent.evaluate(INBOUND)["width"]
    widget.locator(".controls .share").click()
    agent.wait_for_selector("#livechat-call .call-remote-state >> text=sharing their screen")
    screen_width = wait_until(
        lambda: (w := agent.evaluate(INBOUND)["width"]) != camera_width and w,
        what="the agent receives the screen instead of the camera",
    )
    shot(agent, "video-call-on-the-ticket-page-with-a-shared-screen.png")
    widget.locator(".controls .share").click()  # stop sharing
    agent.wait_for_selector("#livechat-call .call-remote-state", state="hidden")

    # A network blip, part one: the visitor's ICE connection fails; the agent's browser
    # restarts ICE when asked and media flows again.
    visitor.evaluate(
        """() => {
          const pc = window.__pcs.at(-1);
          Object.defineProperty(pc, "iceConnectionState", { get: () => "failed", configurable: true });
          pc.dispatchEvent(new Event("iceconnectionstatechange"));
          delete pc.iceConnectionState;
        }"""
    )
    restarts = "() => window.__restartOffers"
    wait_until(lambda: agent.evaluate(restarts) >= 1, what="an ICE restart")
    flowing(agent, "after the ICE restart")

    # Part two: the visitor's socket drops; the widget reconnects, rejoins the call, and the
    # agent's browser negotiates again over the new socket.
    visitor.evaluate("() => window.__sockets.filter((ws) => ws.readyState === 1).at(-1).close()")
    wait_until(lambda: agent.evaluate(restarts) >= 2, timeout=20, what="a restart after rejoining")
    agent.wait_for_selector("#livechat-call .call-status[data-state=connected]")
    flowing(visitor, "after the socket came back")
    flowing(agent, "after the socket came back")

    # The visitor hangs up; the agent is asked for notes at once.
    time.sleep(1.0)  # a call of a few seconds more, so the duration is not zero
    widget.locator(".controls .hangup").click()
    widget.locator(".call-status", has_text="The call has ended.").wait_for()
    agent.wait_for_selector("#livechat-call .call-note:not([hidden])")
    agent.fill(
        "#call-note-body", "Saw the error on her screen: an expired card. Sent the update link."
    )
    agent.click("#livechat-call .call-note button[type=submit]")
    agent.wait_for_selector("#livechat-call .call-noted:not([hidden])")

    agent.reload()
    timeline = agent.locator("body").inner_text()
    for line in (
        "Video call offered by the agent",
        "Video call accepted by the visitor",
        "Video call connected",
        "Video call ended after",
        "Emma, Ada Lovelace (hung up by the visitor)",
        "the visitor shared their screen",
    ):
        assert line in timeline, line
    assert "Saw the error on her screen" in agent.locator(".thread").inner_text()
    shot(agent.locator(".thread"), "video-call-notes-in-the-ticket-thread.png")
    shot(agent.locator("section.timeline"), "video-call-on-the-ticket-timeline.png")
    agent.context.close()
    visitor.context.close()

    call = call_row()
    assert (call.state, call.end_reason, call.ended_by) == ("ended", "hangup", "visitor")
    assert call.screen_shared and call.duration_seconds >= 1 and call.ice_restarts >= 2
    note = ticket.messages.get(kind=MessageKind.NOTE)
    assert call.note == note and note.is_call_note
    print(
        "\n[call] accept → first remote frame: visitor sees the agent after "
        f"{visitor_first - accepted_at:.0f} ms, the agent sees the visitor after "
        f"{agent_first - accepted_at:.0f} ms; camera {camera_width} px wide, screen "
        f"{screen_width} px; {call.signalling_messages} signalling messages relayed "
        f"(with {call.ice_restarts} ICE restarts) in a call of {call.duration_seconds} s"
    )


@pytest.mark.parametrize(
    ("flags", "lang", "message"),
    [
        (
            # The browser (or the person) refuses the camera and microphone.
            ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream=deny"],
            "es",
            # The widget says usted unless the team chose tú (the desk's own default).
            "Su navegador bloqueó la cámara y el micrófono.",
        ),
        (
            # A machine with neither.
            ["--use-fake-ui-for-media-stream"],
            "ru",
            "Не удалось использовать ни камеру, ни микрофон",
        ),
    ],
    ids=["camera-denied-spanish", "no-camera-russian"],
)
def test_without_a_camera_the_visitor_is_told_why_in_their_language(
    media_browser, asgi_desk, shop_site, chat_team, desk, flags, lang, message, tmp_path
):
    desk.agent("emma", teams=[chat_team], password=PASSWORD)
    browser = media_browser(flags)
    site_page = tmp_path / "index.html"
    site_page.write_text(
        site_page.read_text(encoding="utf-8").replace('data-lang="en"', f'data-lang="{lang}"')
    )
    visitor, widget = visitor_in_chat(browser, shop_site)
    agent = agent_on_ticket(browser, asgi_desk, Ticket.objects.get())
    agent.click("#livechat-call .call-start")
    widget.locator(".call-row .accept").click()
    widget.locator(".call-problem", has_text=message).wait_for()
    # The call itself goes on, receiving only.
    agent.wait_for_selector("#livechat-call .call-status[data-state=connected]")
    assert agent.locator("#livechat-call .call-problem").is_visible()
    widget.locator(".controls .hangup").click()
    agent.wait_for_selector("#livechat-call .call-note:not([hidden])")
    agent.context.close()
    visitor.context.close()
    call = call_row()
    assert (call.state, call.end_reason) == ("ended", "hangup") and call.started_at is not None


def test_a_visitor_asks_for_a_call_and_agrees_to_recording_on_screen(
    media_browser, asgi_desk, shop_site, chat_team, desk
):
    desk.agent("emma", teams=[chat_team], password=PASSWORD)
    CallSettings.objects.create(team=chat_team, visitors_may_call=True, recording=True)
    browser = media_browser(FAKE_MEDIA)
    visitor, widget = visitor_in_chat(browser, shop_site)
    agent = agent_on_ticket(browser, asgi_desk, Ticket.objects.get())

    widget.locator(".call-button").click()
    consent = widget.locator(".call-consent input[type=checkbox]")
    consent.wait_for()
    assert not consent.is_checked()  # never agreed for the visitor
    assert widget.locator(".hint", has_text="only with your agreement").is_visible()
    consent.check()
    widget.locator(".call-row .primary", has_text="Call").click()
    widget.locator(".call-status", has_text="waiting for someone to answer").wait_for()

    agent.wait_for_selector("#livechat-call .call-invite:not([hidden])")
    assert "asks for a video call" in agent.inner_text("#livechat-call .call-invite-text")
    agent.click("#livechat-call .call-accept")
    agent.wait_for_selector("#livechat-call .call-remote.live")
    widget.locator(".videos .remote.live").wait_for()
    flowing(agent, "the agent receives the visitor who called")
    agent.click("#livechat-call .call-hangup")
    widget.locator(".call-status", has_text="The call has ended.").wait_for()
    agent.wait_for_selector("#livechat-call .call-note:not([hidden])")
    agent.context.close()
    visitor.context.close()

    call = call_row()
    assert (call.offered_by, call.recording_consent, call.ended_by) == (
        "visitor",
        "agreed",
        "agent",
    )
    accepted = Ticket.objects.get().events.get(kind="call_accepted")
    assert accepted.data == {"call": call.pk, "side": "agent", "recording": "agreed"}
