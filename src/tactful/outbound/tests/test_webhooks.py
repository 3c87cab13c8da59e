"""Outgoing webhooks against a real HTTP server on loopback: signed, retried, never doubled."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from django.forms import ChoiceField
from django.test import Client
from django.utils import timezone

from tactful.customers import services as customer_services
from tactful.outbound import delivery
from tactful.outbound.admin import ChannelWebhookForm
from tactful.outbound.models import ChannelWebhook
from tactful.outbound.webhooks import verify_signature
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import DeliveryState, EventKind, Message, TicketEvent

pytestmark = pytest.mark.django_db

SECRET = "s3cret-shared-with-the-receiver"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b'{"id": "ext-reply-1"}'
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    answered: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """A webhook receiver: checks each signature itself, answers from a script of answers."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.script: list[Answer] = []
        self.deliveries: list[Delivery] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                answer = receiver.script.pop(0) if receiver.script else Answer()
                timestamp = self.headers.get("X-Tactful-Timestamp", "")
                # Written out here instead of calling Tactful's helper: the receiver's view.
                expected = hmac.new(
                    receiver.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
                ).hexdigest()
                signature_ok = hmac.compare_digest(
                    f"sha256={expected}", self.headers.get("X-Tactful-Signature", "")
                )
                receiver.deliveries.append(
                    Delivery(dict(self.headers.items()), body, signature_ok, answer.status)
                )
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass  # the sender gave up waiting (the timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/tactful"

    @property
    def successful(self) -> list[Delivery]:
        return [d for d in self.deliveries if 200 <= d.answered < 300]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture
def conversation(desk):
    """A customer who wrote twice on social media, in one thread; an agent to answer."""
    agent = desk.agent("ana", language="es")
    agent.first_name, agent.last_name = "Ana", "García"
    agent.save(update_fields=["first_name", "last_name"])
    customer = customer_services.get_or_create_customer(
        channel="social", handle="@maria", name="María"
    )
    ticket = inbound.create_ticket(
        customer=customer,
        body="Where is my order?",
        channel="social",
        external_id="post-1",
        metadata={"thread_id": "thread-9"},
    )
    inbound.record_incoming_message(
        ticket=ticket,
        body="Hello?",
        channel="social",
        external_id="post-2",
        metadata={"thread_id": "thread-9"},
    )
    return {"agent": agent, "ticket": ticket, "customer": customer}


def webhook(url: str, channel: str = "social", **fields: Any) -> ChannelWebhook:
    return ChannelWebhook.objects.create(channel=channel, url=url, secret=SECRET, **fields)


def reply(conversation, django_capture_on_commit_callbacks, body="It ships today 📦"):
    """The agent replies; the commit hands it to the (in-process) delivery worker."""
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_services.record_reply(
            ticket=conversation["ticket"], agent=conversation["agent"], body=body
        )
    message.refresh_from_db()
    return message


def retry_now(message: Message) -> str:
    """What the sweep does once the retry is due (time travel instead of waiting)."""
    Message.objects.filter(pk=message.pk).update(next_delivery_at="2000-01-01T00:00:00Z")
    state = delivery.deliver_message(message.pk)
    message.refresh_from_db()
    return state


# --- delivering -------------------------------------------------------------------------------


def test_a_reply_is_posted_signed_with_everything_the_receiver_needs(
    conversation, receiver, django_capture_on_commit_callbacks
):
    webhook(receiver.url)
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.SENT
    assert message.delivered_at is not None and message.delivery_attempts == 1
    assert message.metadata["provider_id"] == "ext-reply-1"
    [sent] = receiver.deliveries
    assert sent.signature_ok
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Tactful-Delivery"] == str(message.pk)
    assert abs(int(sent.headers["X-Tactful-Timestamp"]) - time.time()) < 300
    assert verify_signature(
        secret=SECRET,
        timestamp=sent.headers["X-Tactful-Timestamp"],
        body=sent.body,
        signature=sent.headers["X-Tactful-Signature"],
    )
    payload = sent.json
    assert payload == {
        "event": "reply",
        "delivery_id": message.pk,
        "channel": "social",
        "ticket": conversation["ticket"].pk,
        "thread_id": "thread-9",
        "in_reply_to": "post-2",
        "customer": {"handle": "@maria", "name": "María"},
        "body": "It ships today 📦",
        "agent": {"name": "Ana García"},
        "created_at": message.created_at.isoformat(),
    }


def test_a_wrong_secret_fails_the_receivers_check(conversation, django_capture_on_commit_callbacks):
    with Receiver(secret="the receiver has another secret") as other:
        webhook(other.url)
        reply(conversation, django_capture_on_commit_callbacks)
    [sent] = other.deliveries
    assert not sent.signature_ok


def test_500_then_200_is_retried_and_delivered_once(
    conversation, receiver, django_capture_on_commit_callbacks
):
    webhook(receiver.url)
    receiver.script = [Answer(status=500, body=b"oops"), Answer(status=200)]
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.RETRYING
    assert "500" in message.delivery_error and message.next_delivery_at is not None
    # Not due yet: the retry task (or the sweep) comes later, nothing is sent early.
    assert delivery.deliver_message(message.pk) == "skipped"
    assert len(receiver.deliveries) == 1

    assert retry_now(message) == DeliveryState.SENT
    assert message.delivery_state == DeliveryState.SENT and message.delivery_attempts == 2
    assert [d.answered for d in receiver.deliveries] == [500, 200]
    assert len(receiver.successful) == 1
    # Both tries carry the same delivery id, so a receiver could dedupe them.
    assert {d.headers["X-Tactful-Delivery"] for d in receiver.deliveries} == {str(message.pk)}
    assert delivery.deliver_message(message.pk) == "skipped"
    assert len(receiver.deliveries) == 2


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_temporary_answers_are_retried(
    conversation, receiver, django_capture_on_commit_callbacks, status
):
    webhook(receiver.url)
    receiver.script = [Answer(status=status, body=b"{}")]
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.RETRYING
    assert not TicketEvent.objects.filter(kind=EventKind.DELIVERY_FAILED).exists()


@pytest.mark.parametrize("retry_after", ["3600", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_receiver_asking_to_wait_is_given_that_long(
    conversation, receiver, django_capture_on_commit_callbacks, settings, retry_after
):
    """429 with Retry-After (seconds or a date): the next try waits at least that long."""
    settings.TACTFUL_DELIVERY_RETRY_DELAY = 1
    webhook(receiver.url)
    receiver.script = [Answer(status=429, body=b"{}", headers={"Retry-After": retry_after})]
    before = timezone.now()
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.RETRYING
    # Capped at a day, but far beyond the 1 s the backoff alone would give.
    assert message.next_delivery_at >= before + timedelta(seconds=3590)
    assert message.next_delivery_at <= before + timedelta(days=1, seconds=10)


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_refusals_fail_with_an_event(
    conversation, receiver, django_capture_on_commit_callbacks, status
):
    webhook(receiver.url)
    receiver.script = [Answer(status=status, body=b'{"error": "bad"}')]
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.FAILED
    assert str(status) in message.delivery_error
    event = TicketEvent.objects.get(kind=EventKind.DELIVERY_FAILED)
    assert event.message_id == message.pk and event.ticket_id == conversation["ticket"].pk
    assert len(receiver.deliveries) == 1
    # Failed stays failed: only an agent's resend tries again.
    assert delivery.deliver_message(message.pk) == "skipped"
    assert len(receiver.deliveries) == 1


def test_a_slow_receiver_times_out_and_is_retried(
    conversation, receiver, django_capture_on_commit_callbacks, settings
):
    settings.TACTFUL_WEBHOOK_TIMEOUT = 0.3
    webhook(receiver.url)
    receiver.script = [Answer(delay=1.5), Answer()]
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.RETRYING
    assert "timed out" in message.delivery_error.lower()
    assert retry_now(message) == DeliveryState.SENT


def test_a_receiver_that_is_down_is_retried(conversation, django_capture_on_commit_callbacks):
    with Receiver() as gone:
        url = gone.url  # a loopback port nobody listens on once it stops
    webhook(url)
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.RETRYING
    assert "could not be reached" in message.delivery_error


def test_redirects_are_not_followed(conversation, receiver, django_capture_on_commit_callbacks):
    with Receiver() as elsewhere:
        webhook(receiver.url)
        receiver.script = [Answer(status=302, body=b"", headers={"Location": elsewhere.url})]
        message = reply(conversation, django_capture_on_commit_callbacks)
        assert elsewhere.deliveries == []
    assert message.delivery_state == DeliveryState.FAILED
    assert "redirect" in message.delivery_error


def test_answers_without_an_id_are_fine(conversation, receiver, django_capture_on_commit_callbacks):
    webhook(receiver.url)
    receiver.script = [Answer(status=204, body=b"")]
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.SENT
    assert "provider_id" not in message.metadata


def test_non_http_urls_are_never_opened(conversation, django_capture_on_commit_callbacks):
    webhook("file:///etc/passwd")
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.FAILED
    assert "http" in message.delivery_error


# --- which replies go out at all --------------------------------------------------------------


def test_without_an_active_webhook_a_reply_is_a_note(
    conversation, receiver, django_capture_on_commit_callbacks
):
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.NONE
    webhook(receiver.url, active=False)
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.NONE
    webhook(receiver.url, channel="forum")  # another channel's webhook does not apply
    message = reply(conversation, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.NONE
    assert receiver.deliveries == []


def test_phone_notes_are_delivered_only_with_a_phone_webhook(
    desk, receiver, django_capture_on_commit_callbacks
):
    agent = desk.agent("pablo")
    customer = customer_services.get_or_create_customer(channel="phone", handle="+34 600 1")
    ticket = inbound.create_ticket(
        customer=customer, body="Call: refund asked", channel="phone", by=agent
    )
    with django_capture_on_commit_callbacks(execute=True):
        note = ticket_services.record_reply(ticket=ticket, agent=agent, body="Refund done")
    note.refresh_from_db()
    assert note.delivery_state == DeliveryState.NONE and note.channel == "phone"

    webhook(receiver.url, channel="phone")
    with django_capture_on_commit_callbacks(execute=True):
        sent = ticket_services.record_reply(ticket=ticket, agent=agent, body="Called back")
    sent.refresh_from_db()
    assert sent.delivery_state == DeliveryState.SENT
    [delivered] = receiver.deliveries
    assert delivered.json["channel"] == "phone" and delivered.json["thread_id"] is None
    assert delivered.json["customer"]["handle"] == "+34 600 1"


def test_a_webhook_switched_off_after_queueing_fails_clearly(
    conversation, receiver, django_capture_on_commit_callbacks
):
    hook = webhook(receiver.url)
    message = ticket_services.record_reply(
        ticket=conversation["ticket"], agent=conversation["agent"], body="Soon"
    )
    hook.active = False
    hook.save()
    assert delivery.deliver_message(message.pk) == DeliveryState.FAILED
    assert receiver.deliveries == []


# --- admin ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "not a url", ""],
)
def test_admin_accepts_only_http_urls(db, url):
    form = ChannelWebhookForm(data={"channel": "social", "url": url, "secret": SECRET})
    assert not form.is_valid() and "url" in form.errors


def test_admin_offers_only_api_fed_channels(db):
    form = ChannelWebhookForm(data={"channel": "email", "url": "https://x.io", "secret": SECRET})
    assert not form.is_valid() and "channel" in form.errors
    field = form.fields["channel"]
    assert isinstance(field, ChoiceField)
    channels = {value for value, _label in cast(list[tuple[str, str]], field.choices)}
    assert channels == {"social", "forum", "phone", "video", "api"}


def test_admin_secret_is_write_only(desk):
    admin = desk.admin()
    client = Client()
    client.force_login(admin)
    short = client.post(
        "/admin/outbound/channelwebhook/add/",
        {"channel": "social", "url": "https://bridge.example/hook", "secret": "short"},
    )
    assert short.status_code == 200 and not ChannelWebhook.objects.exists()
    missing = client.post(
        "/admin/outbound/channelwebhook/add/",
        {"channel": "social", "url": "https://bridge.example/hook", "secret": ""},
    )
    assert missing.status_code == 200 and not ChannelWebhook.objects.exists()
    created = client.post(
        "/admin/outbound/channelwebhook/add/",
        {
            "channel": "social",
            "url": "https://bridge.example/hook",
            "secret": SECRET,
            "active": "on",
        },
    )
    assert created.status_code == 302
    hook = ChannelWebhook.objects.get()
    assert hook.secret == SECRET
    assert SECRET not in client.get("/admin/outbound/channelwebhook/").content.decode()
    change_url = f"/admin/outbound/channelwebhook/{hook.pk}/change/"
    assert SECRET not in client.get(change_url).content.decode()
    # Saving with the secret left empty keeps it; typing a new one replaces it.
    kept = client.post(
        change_url,
        {"channel": "social", "url": "https://bridge.example/v2", "secret": "", "active": "on"},
    )
    assert kept.status_code == 302
    hook.refresh_from_db()
    assert hook.url == "https://bridge.example/v2" and hook.secret == SECRET
    client.post(
        change_url,
        {"channel": "social", "url": hook.url, "secret": "a-brand-new-secret-value"},
    )
    hook.refresh_from_db()
    assert hook.secret == "a-brand-new-secret-value" and hook.active is False
