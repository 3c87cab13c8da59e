"""Outgoing event webhooks against a real local HTTP server: what is sent and signed, after
commit only, retried with backoff, never twice."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from tactful.outbound.webhooks import verify_signature
from tactful.tickets import events
from tactful.tickets import services as ticket_services
from tactful.webhooks import delivery, services
from tactful.webhooks.models import DeliveryState, EventDelivery

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP server that records each POST and answers with the queued statuses."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status in {301, 302}:
                    self.send_header("Location", "http://example.invalid/")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [r["headers"]["X-Tactful-Event"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def fresh_subscriptions():
    # The list of subscriptions is cached; a rolled-back test must not leave its own behind.
    # Afterwards the database holds no webhook again: say so, so the tests that follow count
    # the same queries whichever ran first.
    services.forget_subscriptions()
    yield
    cache.set(services.CACHE_KEY, [], timeout=None)


def hook(receiver, *names, team=None):
    return services.create_webhook(
        name="CRM", url=receiver.url, events=names or ["ticket.created"], team=team
    )


def test_a_new_ticket_is_posted_signed_after_commit(
    desk, receiver, django_capture_on_commit_callbacks
):
    _webhook, secret = hook(receiver, "ticket.created", "message.added")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket = desk.ticket(subject="Where is my parcel?")
        assert receiver.requests == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert receiver.events() == ["ticket.created"]
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert verify_signature(
        secret=secret,
        timestamp=headers["X-Tactful-Timestamp"],
        body=body,
        signature=headers["X-Tactful-Signature"],
    )
    assert not verify_signature(
        secret="wrong",
        timestamp=headers["X-Tactful-Timestamp"],
        body=body,
        signature=headers["X-Tactful-Signature"],
    )
    payload = json.loads(body)
    assert payload["event"] == "ticket.created"
    assert payload["ticket"]["number"] == ticket.pk
    assert payload["ticket"]["subject"] == "Where is my parcel?"
    assert payload["delivery_id"] == int(headers["X-Tactful-Delivery"])
    row = EventDelivery.objects.get()
    assert (row.state, row.attempts, row.response_status) == (DeliveryState.SENT, 1, 200)


def test_solving_sends_updated_and_solved_and_replies_send_message_added(
    desk, receiver, django_capture_on_commit_callbacks
):
    hook(receiver, "ticket.updated", "ticket.solved", "message.added")
    agent = desk.agent()
    ticket = desk.ticket()
    with django_capture_on_commit_callbacks(execute=True), events.atomic():
        ticket_services.record_reply(ticket=ticket, agent=agent, body="It ships today.")
        ticket_services.change_status(ticket=ticket, status="solved", by=agent)
    sent = receiver.events()
    # Replying also assigns the ticket to the replier and opens it: each is an update.
    assert set(sent) == {"message.added", "ticket.solved", "ticket.updated"}
    assert sent.count("ticket.solved") == 1
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    reply = next(b for b in bodies if b["event"] == "message.added")
    assert reply["message"]["body"] == "It ships today."
    assert reply["message"]["kind"] == "out"
    solved = next(b for b in bodies if b["event"] == "ticket.solved")
    assert solved["ticket"]["status"] == "solved"
    assert solved["change"] == {
        "kind": "status",
        "data": {"from": "open", "to": "solved"},
        "by": agent.username,
    }
    # One delivery per (webhook, event, timeline row), each sent once.
    assert EventDelivery.objects.filter(state=DeliveryState.SENT).count() == len(sent)


def test_a_team_webhook_hears_only_its_team(desk, receiver, django_capture_on_commit_callbacks):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    hook(receiver, "ticket.created", team=billing)
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket(team=shipping)
        desk.ticket()
        mine = desk.ticket(team=billing)
    assert [json.loads(r["body"])["ticket"]["number"] for r in receiver.requests] == [mine.pk]


def test_a_rolled_back_change_sends_nothing(desk, receiver, django_capture_on_commit_callbacks):
    hook(receiver, "ticket.created")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        desk.ticket()
        raise RuntimeError("the change fails")
    assert receiver.requests == []
    assert not EventDelivery.objects.exists()


def test_temporary_failures_are_retried_with_backoff_then_delivered(
    desk, receiver, django_capture_on_commit_callbacks
):
    hook(receiver, "ticket.created")
    receiver.statuses = [503, 429]
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket()
    row = EventDelivery.objects.get()
    assert (row.state, row.attempts) == (DeliveryState.RETRYING, 1)
    assert row.next_attempt_at is not None
    first_wait = row.next_attempt_at - timezone.now()
    # Not due yet: neither a task nor the sweep sends it.
    assert delivery.deliver(row.pk) == "skipped"
    assert delivery.sweep()["requeued"] == 0
    EventDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.sweep()["requeued"] == 1  # eager: delivered in-process (429 this time)
    row.refresh_from_db()
    assert (row.state, row.attempts) == (DeliveryState.RETRYING, 2)
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - timezone.now() > first_wait  # the delay doubles
    EventDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == DeliveryState.SENT
    assert len(receiver.requests) == 3
    # Every attempt carried the same delivery id (receivers dedupe on it).
    assert len({r["headers"]["X-Tactful-Delivery"] for r in receiver.requests}) == 1


def test_a_delivery_is_never_sent_twice(desk, receiver, django_capture_on_commit_callbacks):
    hook(receiver, "ticket.created")
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket()
    row = EventDelivery.objects.get()
    assert delivery.deliver(row.pk) == "skipped"
    assert delivery.sweep()["requeued"] == 0
    assert len(receiver.requests) == 1


def test_a_claim_whose_worker_died_becomes_uncertain_not_resent(desk, receiver):
    webhook, _secret = hook(receiver, "ticket.created")
    row = EventDelivery.objects.create(
        webhook=webhook,
        event="ticket.created",
        ticket_event_id=1,
        ticket_id=1,
        payload={"event": "ticket.created"},
        state=DeliveryState.SENDING,
        attempts=1,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    assert delivery.sweep() == {"requeued": 0, "uncertain": 1}
    row.refresh_from_db()
    assert row.state == DeliveryState.UNCERTAIN
    assert delivery.deliver(row.pk) == "skipped"
    assert receiver.requests == []


@pytest.mark.parametrize("status", [400, 404, 301])
def test_refusals_and_redirects_fail_without_retrying(
    desk, receiver, status, django_capture_on_commit_callbacks
):
    hook(receiver, "ticket.created")
    receiver.statuses = [status]
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket()
    row = EventDelivery.objects.get()
    assert row.state == DeliveryState.FAILED and str(status) in row.last_error
    assert len(receiver.requests) == 1


def test_an_unreachable_receiver_is_retried_and_gives_up(
    desk, settings, django_capture_on_commit_callbacks
):
    settings.TACTFUL_DELIVERY_MAX_ATTEMPTS = 2
    services.create_webhook(
        name="Down", url="http://127.0.0.1:9/hook", events=["ticket.created"], team=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket()
    row = EventDelivery.objects.get()
    assert row.state == DeliveryState.RETRYING
    EventDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk) == DeliveryState.FAILED


def test_a_switched_off_or_deleted_webhook_gets_nothing_new(
    desk, receiver, django_capture_on_commit_callbacks
):
    webhook, _ = hook(receiver, "ticket.created")
    services.active_subscriptions()  # cached
    services.set_active(webhook=webhook, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket()
    assert receiver.requests == [] and not EventDelivery.objects.exists()


def test_nothing_is_written_when_nobody_listens(desk, django_assert_max_num_queries):
    ticket = desk.ticket()
    agent = desk.agent()
    services.active_subscriptions()  # the empty list is cached too
    with django_assert_max_num_queries(40) as captured:
        ticket_services.add_internal_note(ticket=ticket, agent=agent, body="note")
    assert not any("webhooks_" in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"url": "ftp://example.com/x"}, "URL"),
        ({"url": "file:///etc/passwd"}, "URL"),
        ({"url": "not a url"}, "URL"),
        ({"url": "http://example.com/" + "x" * 600}, "most"),
        ({"events": []}, "at least one"),
        ({"events": ["ticket.deleted"]}, "Unknown event"),
        ({"name": ""}, "blank"),
    ],
)
def test_hostile_webhook_settings_are_refused(db, data, problem):
    from django.core.exceptions import ValidationError

    kwargs: dict[str, Any] = {
        "name": "CRM",
        "url": "https://example.com/hook",
        "events": ["ticket.created"],
        "team": None,
    }
    kwargs.update(data)
    with pytest.raises(ValidationError, match=problem):
        services.create_webhook(**kwargs)


def test_custom_fields_set_on_the_ticket_page_send_ticket_updated(
    desk, receiver, django_capture_on_commit_callbacks
):
    from tactful.teamsettings import services as settings_services

    team = desk.team("Billing")
    admin = desk.admin()
    settings_services.create_field(name="order", label="Order", team=team, by=admin)
    ticket = desk.ticket(team=team)
    hook(receiver, "ticket.updated")
    with django_capture_on_commit_callbacks(execute=True):
        settings_services.set_field_values(ticket=ticket, values={"order": "A-1042"}, by=admin)
    [request] = receiver.requests
    body = json.loads(request["body"])
    assert body["change"] == {
        "kind": "custom_fields",
        "data": {"changes": {"order": "A-1042"}},
        "by": admin.username,
    }
    assert body["ticket"]["custom_fields"] == {"order": "A-1042"}
