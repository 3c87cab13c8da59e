"""Video calls on loopback: time from "accept" to the first remote frame, and signalling per call.

    .venv/bin/python benchmarks/call_bench.py [--calls 10]

The desk runs as in production — its ASGI app in a uvicorn server, here a thread of this
process, SQLite in a temporary directory — and a shop page on another origin carries the
widget. Debian's Chromium (fake camera and microphone) holds two contexts: the visitor in the
widget and the agent on the ticket page. Each call: the agent offers, the visitor accepts
(the clock starts at the click), both wait for the other's first frame (the clock stops at
``requestVideoFrameCallback``), the visitor hangs up. No STUN or TURN: host candidates only.

Counted per call: the SDP and ICE signals the desk relayed (``Call.signalling_messages``)
and every ``call.*`` frame the two browsers sent over their chat sockets.

Baseline, in the same browser and run: two RTCPeerConnections in one page with the same fake
media, negotiating by direct function calls — the browser's own floor for the same first
frames, with no desk, no socket and no UI in between. A benchmark, not a test: it asserts
nothing.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import logging
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # the root conftest's Chromium path and flags

PASSWORD = "benchmark-password-123"
FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

SPY = """
(() => {
  const NativeWS = window.WebSocket;
  window.__callFrames = 0;
  window.WebSocket = function (...args) {
    const ws = new NativeWS(...args);
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      if (typeof data === "string" && data.startsWith('{"type":"call.')) window.__callFrames += 1;
      return send(data);
    };
    return ws;
  };
  window.WebSocket.prototype = NativeWS.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""

MARK = """(name) => {
  const [mark] = performance.getEntriesByName(name);
  return mark ? performance.timeOrigin + mark.startTime : null;
}"""

#: Two peer connections in one page, the same media, signalling by direct calls.
BASELINE = """async () => {
  const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const remoteMedia = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const started = performance.now();
  const a = new RTCPeerConnection({ iceServers: [] });
  const b = new RTCPeerConnection({ iceServers: [] });
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const firstFrame = (pc) => new Promise((resolve) => {
    pc.ontrack = (event) => {
      if (event.track.kind !== "video") return;
      const video = document.createElement("video");
      video.muted = true;
      video.autoplay = true;
      video.srcObject = new MediaStream([event.track]);
      document.body.appendChild(video);
      video.requestVideoFrameCallback(() => resolve(performance.now() - started));
    };
  });
  const seenByB = firstFrame(b);
  const seenByA = firstFrame(a);
  for (const track of media.getTracks()) a.addTrack(track, media);
  for (const track of remoteMedia.getTracks()) b.addTrack(track, remoteMedia);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const result = [await seenByB, await seenByA];
  for (const pc of [a, b]) pc.close();
  for (const track of [...media.getTracks(), ...remoteMedia.getTracks()]) track.stop();
  document.querySelectorAll("video").forEach((v) => v.remove());
  return result;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def setup_desk(data_dir: str) -> tuple[str, str]:
    """Migrate a scratch SQLite desk, make a team and an agent; serve it and a shop page."""
    os.environ.update(
        DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite3",
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=data_dir,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_ALLOW_ASYNC_UNSAFE="true",  # Playwright's sync API shares this thread
    )
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "TACTFUL_CHANNELS_REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.pop("TACTFUL_ICE_SERVERS", None)  # loopback: host candidates only
    import django

    django.setup()
    import uvicorn
    from django.core.management import call_command

    from tactful.accounts import services as accounts
    from tactful.desk.asgi import application

    call_command("migrate", verbosity=0)
    team = accounts.create_team(name="Support")
    accounts.create_agent(username="emma", password=PASSWORD, teams=[team], first_name="Emma")

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    threading.Thread(target=server.run, daemon=True).start()
    wait_for_port(port)
    desk = f"http://127.0.0.1:{port}"
    Path(data_dir, "shop").mkdir()
    Path(data_dir, "shop", "index.html").write_text(
        f'<!doctype html><title>Shop</title><h1>Shop</h1><script src="{desk}/chat/widget.js" '
        f'data-team="{team.slug}" data-lang="en" async></script>',
        encoding="utf-8",
    )
    handler = functools.partial(
        type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}),
        directory=str(Path(data_dir, "shop")),
    )
    shop = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    return desk, f"http://localhost:{shop.server_address[1]}/index.html"


def one_call(visitor: Any, widget: Any, agent: Any) -> dict[str, float]:
    from tactful.livechat.models import Call

    for page in (visitor, agent):
        page.evaluate("() => { performance.clearMarks(); window.__callFrames = 0; }")
    agent.click("#livechat-call .call-start")
    widget.locator(".call-row .accept").click()
    widget.locator(".videos .remote.live").wait_for()
    agent.wait_for_selector("#livechat-call .call-remote.live")
    accepted = visitor.evaluate(MARK, "tactful-call-accepted")
    visitor_first = visitor.evaluate(MARK, "tactful-call-first-remote-frame")
    agent_first = agent.evaluate(MARK, "tactful-call-first-remote-frame")
    agent.wait_for_selector("#livechat-call .call-status[data-state=connected]")
    widget.locator(".controls .hangup").click()
    agent.wait_for_selector("#livechat-call .call-note:not([hidden])")
    agent.click("#livechat-call .call-note-skip")
    call = Call.objects.order_by("-id").first()
    assert call is not None
    for _ in range(50):  # the agent's socket adds its count when it hears the end
        call.refresh_from_db()
        if call.signalling_messages and call.state == "ended":
            break
        time.sleep(0.05)
    frames = visitor.evaluate("() => window.__callFrames") + agent.evaluate(
        "() => window.__callFrames"
    )
    return {
        "visitor_ms": visitor_first - accepted,
        "agent_ms": agent_first - accepted,
        "signals": call.signalling_messages,
        "frames": frames,
    }


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):7.0f} {max(values):7.0f}"


def main() -> None:
    # WhiteNoise's synchronous iterator under ASGI: a notice, not what is measured here.
    warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()

    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        desk, shop = setup_desk(data_dir)
        logging.getLogger("django.request").setLevel(logging.ERROR)  # favicon 404s
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_MEDIA, headless=True
            )
            visitor = browser.new_context().new_page()
            visitor.context.add_init_script(SPY)
            visitor.goto(shop)
            widget = visitor.locator("tactful-chat")
            widget.locator(".launcher").click()
            widget.locator(".intro button[type=submit]").click()
            widget.locator("textarea[name=body]").fill("Can we talk on video?")
            widget.locator("textarea[name=body]").press("Enter")
            widget.locator(".msg.from-visitor:not(.pending)").first.wait_for()

            from tactful.tickets.models import Ticket

            agent = browser.new_context().new_page()
            agent.context.add_init_script(SPY)
            agent.goto(f"{desk}/accounts/login/")
            agent.fill("#id_username", "emma")
            agent.fill("#id_password", PASSWORD)
            agent.click("button[type=submit]")
            agent.wait_for_url("**/inbox/")
            agent.goto(f"{desk}/tickets/{Ticket.objects.get().pk}/")
            agent.wait_for_selector("#livechat-call .call-start:enabled")

            calls = [one_call(visitor, widget, agent) for _ in range(args.calls)]

            page = browser.new_context().new_page()
            page.goto(shop)  # a secure context (localhost) for getUserMedia
            baseline = [page.evaluate(BASELINE) for _ in range(args.calls)]
            browser.close()

    first, rest = calls[0], calls[1:] or calls
    base_b = [b for b, _a in baseline]
    base_a = [a for _b, a in baseline]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Video calls on loopback, {args.calls} calls, Chromium with fake media (ms)")
    print(f"{os.cpu_count()} CPUs, load average {load}")
    print(f"{'':44} {'median':>7} {'max':>7}")
    print(f"{'first call: accept → visitor sees the agent':44} {first['visitor_ms']:7.0f}")
    print(f"{'first call: accept → agent sees the visitor':44} {first['agent_ms']:7.0f}")
    print(f"{'accept → visitor sees the agent':44} {summary([c['visitor_ms'] for c in rest])}")
    print(f"{'accept → agent sees the visitor':44} {summary([c['agent_ms'] for c in rest])}")
    print(f"{'baseline: one page, direct signalling (1st)':44} {summary(base_b)}")
    print(f"{'baseline: one page, direct signalling (2nd)':44} {summary(base_a)}")
    both = statistics.median([max(c["visitor_ms"], c["agent_ms"]) for c in rest])
    floor = statistics.median([max(b, a) for b, a in baseline])
    print(
        f"both sides see each other: desk {both:.0f} ms, baseline {floor:.0f} ms, ratio {both / floor:.1f}×"
    )
    signals = [c["signals"] for c in calls]
    frames = [c["frames"] for c in calls]
    print(
        f"signalling per call: {statistics.median(signals):.0f} SDP/ICE signals relayed by the desk "
        f"(min {min(signals)}, max {max(signals)}); {statistics.median(frames):.0f} call frames "
        f"sent by the two browsers in all (min {min(frames)}, max {max(frames)})"
    )


if __name__ == "__main__":
    main()
