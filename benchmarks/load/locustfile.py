"""Locust users for the desk's load test (started by ``benchmarks/load/run.py``, not by hand).

* ``Agent``: logs in (session + CSRF), opens the inbox, opens a ticket and posts a reply that
  carries a unique marker (the driver later counts that marker at the SMTP sink).
* ``EmailCustomer``: POSTs signed e-mails to the inbound webhook, each with a unique Message-ID
  and a marker in its body; half are follow-ups on a seeded ticket (the ``[#n]`` subject tag), so
  customers and agents write to the same tickets at once. Every fourth is sent again to the *other*
  web process, as a provider retrying after a lost answer does: the desk must store them once.
* ``ChatCustomer``: opens the widget's WebSocket, starts a chat and sends messages with markers,
  waiting for each ``ack``; every fourth is sent again with the same id (a widget resending after
  a lost ack), again to be stored once.

Everything each user sent is appended to a ledger (JSON lines) the driver reads after the run:
the exactly-once check compares it with the database and the sink. The driver passes the seed
(hosts, logins, tickets, the webhook secret) in the file named by ``LOADTEST_SEED``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any

import websocket  # websocket-client: blocking sockets, which gevent (locust) makes cooperative
from locust import HttpUser, User, between, events, task

SEED: dict[str, Any] = json.loads(Path(os.environ["LOADTEST_SEED"]).read_text(encoding="utf-8"))
HOSTS: list[str] = SEED["hosts"]
_next_host = itertools.count()
_ledger = open(SEED["ledger"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (whole run)
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
#: Every n-th e-mail and chat message of a user, its first included, is sent a second time
#: (the idempotency being checked): counted, not drawn, so even a short run resends some.
RESEND_EVERY = 4


def record(**entry: Any) -> None:
    """One line of the ledger; gevent runs one greenlet at a time, so lines never interleave."""
    _ledger.write(json.dumps(entry) + "\n")


@events.request.add_listener
def record_failure(
    request_type: str, name: str, exception: BaseException | None = None, **_: Any
) -> None:
    # Into the ledger too: locust's own statistics may be written before the last requests end.
    if exception is not None:
        record(kind="error", name=f"{request_type} {name}", error=repr(exception)[:300])


@events.quitting.add_listener
def record_crashes(environment: Any, **_: Any) -> None:
    """Exceptions that escaped a user's task (locust counts them apart from failed requests)."""
    for crash in environment.runner.exceptions.values():
        record(kind="error", name="unhandled", error=str(crash["msg"])[:300], count=crash["count"])


def pick_host() -> str:
    """Users are spread round-robin over the web processes."""
    return HOSTS[next(_next_host) % len(HOSTS)]


def other_host(host: str) -> str:
    return HOSTS[(HOSTS.index(host) + 1) % len(HOSTS)]


class Agent(HttpUser):
    """An agent working the inbox: inbox, a ticket, a reply."""

    fixed_count = int(os.environ.get("LOADTEST_AGENTS", "2"))
    wait_time = between(1, 3)
    _logins = itertools.count()

    def __init__(self, environment: Any) -> None:
        self.host = pick_host()
        super().__init__(environment)

    def on_start(self) -> None:
        login = SEED["agents"][next(self._logins) % len(SEED["agents"])]
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF_RE.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": login["username"],
                "password": login["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")

    @task(2)
    def inbox(self) -> None:
        self.client.get("/inbox/", name="inbox")

    @task(3)
    def reply(self) -> None:
        ticket = random.choice(SEED["tickets"])["id"]
        page = self.client.get(f"/tickets/{ticket}/", name="ticket")
        token = CSRF_RE.search(page.text)
        if page.status_code != 200 or token is None:
            return
        marker = f"lt-reply-{uuid.uuid4().hex}"
        with self.client.post(
            f"/tickets/{ticket}/reply/",
            data={
                "body": f"Thank you for your patience: the extra payment is refunded. Ref {marker}",
                "status": "",
                "csrfmiddlewaretoken": token.group(1),
            },
            name="reply",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # A redirect back to the ticket means the reply was recorded and queued for delivery.
            posted = response.status_code == 302
            if not posted:
                response.failure(f"reply answered {response.status_code}")
        record(kind="reply", marker=marker, ticket=ticket, posted=posted)


class EmailCustomer(HttpUser):
    """A mail provider posting customers' e-mails to the signed inbound webhook."""

    fixed_count = int(os.environ.get("LOADTEST_EMAIL", "2"))
    wait_time = between(0.5, 2)
    _numbers = itertools.count(1)

    def __init__(self, environment: Any) -> None:
        self.host = pick_host()
        super().__init__(environment)
        self.number = next(self._numbers)
        self.sent = 0

    def _post(self, url: str, body: bytes, *, name: str, expect: set[str]) -> tuple[int, str]:
        timestamp = str(int(time.time()))
        signature = hmac.new(
            SEED["webhook_secret"].encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        with self.client.post(
            url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Tactful-Timestamp": timestamp,
                "X-Tactful-Signature": f"sha256={signature}",
            },
            name=name,
            catch_response=True,
        ) as response:
            try:
                status = str(response.json().get("status", ""))
            except ValueError:
                status = ""
            if status not in expect:
                response.failure(f"answered {response.status_code} {status or response.text[:80]}")
            return response.status_code, status

    @task
    def send_email(self) -> None:
        marker = f"lt-mail-{uuid.uuid4().hex}"
        payload: dict[str, Any] = {
            "message_id": f"<{marker}@customers.loadtest.invalid>",
            "to": SEED["team_address"],
            "text": f"Hello, my order has still not arrived. Ref {marker}\n",
        }
        if random.random() < 0.5:
            ticket = random.choice(SEED["tickets"])
            payload["from"] = ticket["customer"]
            payload["subject"] = f"Re: [#{ticket['id']}] My order"
        else:
            payload["from"] = f"Customer {self.number} <c{self.number}@customers.loadtest.invalid>"
            payload["subject"] = "My order"
        body = json.dumps(payload).encode()
        code, status = self._post(
            "/mail/inbound/", body, name="mail webhook", expect={"created", "appended"}
        )
        record(kind="email", marker=marker, code=code, status=status, resent=False)
        self.sent += 1
        stored = status in {"created", "appended"}
        # Not stored (an error answer): a provider retries; so does every fourth one anyway.
        if not stored or self.sent % RESEND_EVERY == 1:
            url = f"{other_host(self.host)}/mail/inbound/"
            # Stored the first time: the retry must be a duplicate; else it may store it now.
            expect = {"duplicate"} if stored else {"created", "appended", "duplicate"}
            code, status = self._post(url, body, name="mail webhook resend", expect=expect)
            record(kind="email", marker=marker, code=code, status=status, resent=True)


class ChatCustomer(User):
    """A visitor in the chat widget: one WebSocket, a chat started, messages acknowledged.

    Like the widget, a visitor whose socket drops reconnects (to the other web process, as a
    balancer may send it), resumes the chat with its token and sends the unacknowledged message
    again with the same id.
    """

    fixed_count = int(os.environ.get("LOADTEST_CHAT", "2"))
    # A person typing: a message every 2.5–5 s at most, under the desk's per-visitor limit of
    # 30 a minute (a minute of messages 1–2 s apart is a script, and the desk refuses it).
    wait_time = between(2.5, 5)
    _numbers = itertools.count(1)

    def __init__(self, environment: Any) -> None:
        self.host = pick_host()
        super().__init__(environment)
        self.number = next(self._numbers)
        self.socket: websocket.WebSocket | None = None
        self.token = ""
        self.sent = 0

    def _report(self, name: str, started: float, size: int, error: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=size,
            exception=error,
            context={},
        )

    def _until(self, wanted: str, *, client_id: str = "") -> dict[str, Any]:
        """Frames until one of type ``wanted`` (for ``client_id``); others (typing…) are skipped.

        An error frame for this message, or for none in particular (the desk's "server_error"
        after a failed frame carries no id), means it was not stored: the caller sends it again.
        """
        assert self.socket is not None
        while True:
            frame = json.loads(self.socket.recv())
            if frame.get("type") == "error" and frame.get("id") in {None, "", client_id}:
                raise RuntimeError(f"error frame: {frame.get('code')} {frame.get('detail')}")
            if frame.get("type") == wanted and (not client_id or frame.get("id") == client_id):
                return dict(frame)

    def _drop(self) -> None:
        if self.socket is not None:
            self.socket.close()
        self.socket = None

    def _join(self) -> bool:
        """Open the socket and start the chat, or resume it once started; reported to locust."""
        resuming = bool(self.token)
        if resuming:
            self.host = other_host(self.host)
            frame = {"type": "resume", "team": SEED["team_slug"], "token": self.token}
        else:
            frame = {
                "type": "start",
                "team": SEED["team_slug"],
                "name": f"Visitor {self.number}",
                "email": f"v{self.number}@visitors.loadtest.invalid",
                "lang": "en",
            }
        name = "chat resume" if resuming else "chat start"
        started = time.perf_counter()
        try:
            url = self.host.replace("http://", "ws://", 1) + "/chat/ws/visitor/"
            self.socket = websocket.create_connection(url, timeout=30)
            self.socket.send(json.dumps(frame))
            session = self._until("session")
        except Exception as error:
            self._report(name, started, 0, error)
            self._drop()
            return False
        self.token = str(session.get("token") or self.token)
        self._report(name, started, 0, None)
        return True

    def on_start(self) -> None:
        self._join()

    def on_stop(self) -> None:
        self._drop()

    def _send(self, client_id: str, body: str, *, name: str) -> bool:
        if self.socket is None and not self._join():
            return False
        assert self.socket is not None
        started = time.perf_counter()
        try:
            self.socket.send(json.dumps({"type": "message", "id": client_id, "body": body}))
            ack = self._until("ack", client_id=client_id)
        except Exception as error:
            self._report(name, started, 0, error)
            if not isinstance(error, RuntimeError):  # the socket, not the desk, said no
                self._drop()
            return False
        self._report(name, started, len(json.dumps(ack)), None)
        return True

    @task
    def send_message(self) -> None:
        marker = f"lt-chat-{uuid.uuid4().hex}"
        client_id = str(uuid.uuid4())
        body = f"Is anyone there? My parcel is late. Ref {marker}"
        acked = self._send(client_id, body, name="chat message")
        record(kind="chat", marker=marker, acked=acked, resent=False)
        self.sent += 1
        # Unacknowledged (the socket dropped): the widget sends it again once it is back.
        if not acked or self.sent % RESEND_EVERY == 1:
            again = self._send(client_id, body, name="chat message resend")
            record(kind="chat", marker=marker, acked=again, resent=True)
