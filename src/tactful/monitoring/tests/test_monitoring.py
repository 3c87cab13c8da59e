"""Health, readiness and metrics: what an orchestrator and a Prometheus scraper see."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from tactful.monitoring import logs
from tactful.outbound import transports
from tactful.tickets import inbound, services

pytestmark = pytest.mark.django_db


def sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_health_needs_nothing_but_the_process(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/")
    assert response.status_code == 200 and response.content == b"ok"


def test_ready_says_what_it_checked(client):
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": "ok", "cache": "ok"}}


def test_ready_fails_clearly_when_the_database_does_not_answer(client, monkeypatch):
    from tactful.monitoring import views

    def down() -> str:
        raise ConnectionError("server closed the connection")

    monkeypatch.setattr(views, "_check_database", down)
    response = client.get("/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False
    assert "ConnectionError" in body["checks"]["database"] and body["checks"]["cache"] == "ok"


def test_metrics_are_for_the_scraper_only(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.TACTFUL_METRICS_TOKEN = "scrape-me-please"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-please")
    assert ok.status_code == 200
    bad = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-pleasf")
    assert bad.status_code == 403


def test_requests_are_counted_by_route_not_by_url(client):
    before = sample("tactful_http_requests_total", route="health/", method="GET", status="2xx")
    client.get("/health/")
    client.get("/health/")
    after = sample("tactful_http_requests_total", route="health/", method="GET", status="2xx")
    assert after == before + 2
    client.get("/tickets/12345/")  # the pattern, whatever the number
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    # Only the labels are checked: a value (a duration's sum, a timestamp) may hold any digits.
    routes = {
        sample.labels["route"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if "route" in sample.labels
    }
    assert "tickets/<int:ticket_id>/" in routes
    assert not [route for route in routes if "12345" in route]


def test_messages_in_are_counted_by_channel_once(django_capture_on_commit_callbacks):
    before = sample("tactful_messages_received_total", channel="social", opened_ticket="true")
    with django_capture_on_commit_callbacks(execute=True):
        first = inbound.receive(
            channel="social", sender=inbound.Sender(handle="@m"), body="Hi", external_id="s1"
        )
    with django_capture_on_commit_callbacks(execute=True):
        inbound.receive(
            channel="social", sender=inbound.Sender(handle="@m"), body="Hi", external_id="s1"
        )
    after = sample("tactful_messages_received_total", channel="social", opened_ticket="true")
    assert after == before + 1  # the repeat is not counted
    assert first.stored


def test_the_coachs_time_is_measured(desk, django_capture_on_commit_callbacks):
    before = sample("tactful_coach_analysis_seconds_count")
    with django_capture_on_commit_callbacks(execute=True):
        desk.ticket(body="I was charged twice and nobody answers!")
    assert sample("tactful_coach_analysis_seconds_count") == before + 1
    assert sample("tactful_coach_analysis_seconds_sum") > 0


def test_backlogs_are_read_at_scrape_time_in_constant_queries(
    client, desk, django_capture_on_commit_callbacks, monkeypatch
):
    def scrape() -> str:
        return client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    from django.db import connection

    with CaptureQueriesContext(connection) as small:
        text = scrape()
    assert 'tactful_analyses_waiting{status="pending"} 0.0' in text
    assert 'tactful_deliveries_waiting{state="failed"} 0.0' in text
    agent = desk.agent()

    def refuse(message: object) -> str:
        raise transports.PermanentDeliveryError("The receiver refused it.")

    # In place of the webhook transports of these channels (which come back after the test).
    for channel, send in (("api", lambda message: "ok"), ("social", refuse)):
        monkeypatch.setitem(
            transports._registry, channel, transports.Transport(channel, send, lambda m: True)
        )
    for n in range(5):
        ticket = desk.ticket(channel="api", body=f"Question {n}")
        services.record_reply(ticket=ticket, agent=agent, body="On it.")
    # Refused replies wait for an agent to press "Send again": a backlog too.
    for n in range(3):
        ticket = desk.ticket(channel="social", body=f"Post {n}")
        with django_capture_on_commit_callbacks(execute=True):
            services.record_reply(ticket=ticket, agent=agent, body="On it.")
    with CaptureQueriesContext(connection) as large:
        text = scrape()
    assert 'tactful_analyses_waiting{status="pending"} 8.0' in text
    assert 'tactful_deliveries_waiting{state="queued"} 5.0' in text
    assert 'tactful_deliveries_waiting{state="failed"} 3.0' in text
    assert len(large.captured_queries) == len(small.captured_queries)


def test_every_response_carries_a_request_id(client):
    given = client.get("/health/", HTTP_X_REQUEST_ID="from-the-proxy-42")
    assert given["X-Request-ID"] == "from-the-proxy-42"
    made = client.get("/health/")
    assert len(made["X-Request-ID"]) == 32
    hostile = client.get("/health/", HTTP_X_REQUEST_ID="bad\nid")
    assert "\n" not in hostile["X-Request-ID"]


def test_json_logs_are_one_object_per_line_with_the_request_id():
    formatter = logs.JsonFormatter()
    record = logging.makeLogRecord(
        {"name": "tactful.mail", "levelname": "WARNING", "msg": "refused %s", "args": ("x",)}
    )
    record.mailbox = 7
    token = logs.request_id.set("abc123")
    try:
        logs.RequestIdFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "refused x" and entry["level"] == "WARNING"
    assert entry["request_id"] == "abc123" and entry["mailbox"] == 7


@pytest.fixture
def client() -> Client:
    return Client()
