"""The uplifting feed: positive comments and thank-you messages, anonymised, held back on
request, posted once to a real HTTP server acting as the team chat, retried when it fails."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tactful.coaching.events import MessageAnalysed
from tactful.outbound.webhooks import verify_signature
from tactful.satisfaction import feed, services
from tactful.satisfaction.models import FeedItem, FeedState, SurveySettings
from tactful.tickets import timeline

pytestmark = pytest.mark.django_db


class TeamChat:
    """A loopback HTTP server standing in for Slack's incoming webhook."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        chat = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                chat.received.append((dict(self.headers), body))
                status = chat.answers.pop(0) if chat.answers else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat() -> Iterator[TeamChat]:
    server = TeamChat()
    yield server
    server.close()


def _later() -> timezone.datetime:
    return timezone.now() + timedelta(hours=1)


def test_a_positive_comment_is_posted_once_anonymised_and_signed(desk, solved, survey_of, chat):
    team = desk.team()
    SurveySettings.objects.create(
        team=team, feed_webhook_url=chat.url, feed_webhook_secret="s3cret"
    )
    customer = desk.customer("maria@example.com", name="Maria Lopez")
    ticket, _agent = solved(team=team, customer=customer)
    services.answer_survey(
        survey=survey_of(ticket),
        rating=5,
        comment="Maria here: Kate fixed it in minutes! Order #88123.",
    )
    [item] = FeedItem.objects.filter(team=team)
    assert item.state == FeedState.WAITING
    assert feed.post_due() == 0  # still within the hold time
    assert feed.post_due(now=_later()) == 1
    assert feed.post_due(now=_later()) == 0  # nothing posted twice
    [(headers, body)] = chat.received
    text = json.loads(body)["text"]
    assert "Maria" not in text and "Kate" not in text and "88123" not in text
    assert "fixed it in minutes" in text
    assert verify_signature(
        secret="s3cret",
        timestamp=headers["X-Tactful-Timestamp"],
        body=body,
        signature=headers["X-Tactful-Signature"],
    )
    item.refresh_from_db()
    assert item.state == FeedState.POSTED


def test_a_held_item_never_goes_out_until_released(desk, solved, survey_of, chat):
    team = desk.team()
    SurveySettings.objects.create(team=team, feed_webhook_url=chat.url)
    agent = desk.agent(teams=[team])
    ticket, _agent = solved(team=team)
    services.answer_survey(survey=survey_of(ticket), rating=5, comment="Lovely people.")
    item = FeedItem.objects.get(team=team)
    assert feed.hold(item=item, by=agent)
    assert feed.post_due(now=_later()) == 0
    assert chat.received == []
    assert feed.release(item=item, by=agent)
    assert feed.post_due(now=_later()) == 1


def test_a_failing_chat_is_retried_then_given_up(desk, solved, survey_of, chat):
    team = desk.team()
    SurveySettings.objects.create(team=team, feed_webhook_url=chat.url)
    ticket, _agent = solved(team=team)
    services.answer_survey(survey=survey_of(ticket), rating=5, comment="Brilliant help.")
    chat.answers = [503, 200]
    assert feed.post_due(now=_later()) == 0
    item = FeedItem.objects.get(team=team)
    assert (item.state, item.attempts) == (FeedState.WAITING, 1)
    assert feed.post_due(now=_later() + timedelta(minutes=5)) == 1
    chat.answers = [404]
    ticket2, _a = solved(team=team)
    services.answer_survey(survey=survey_of(ticket2), rating=4, comment="Kind and quick.")
    feed.post_due(now=_later())
    assert FeedItem.objects.get(survey=survey_of(ticket2)).state == FeedState.FAILED


def test_a_changed_answer_takes_back_its_waiting_item(desk, solved, survey_of):
    team = desk.team()
    ticket, _agent = solved(team=team)
    survey = survey_of(ticket)
    services.answer_survey(survey=survey, rating=5, comment="Great")
    assert FeedItem.objects.filter(survey=survey).exists()
    services.answer_survey(survey=survey, rating=2, comment="Actually it broke again")
    assert not FeedItem.objects.filter(survey=survey).exists()


def test_a_thank_you_message_joins_the_feed_once(desk):
    team = desk.team()
    customer = desk.customer(name="Oleg Petrov")
    ticket = desk.ticket(
        team=team, customer=customer, body="Огромное спасибо, Олег очень доволен!", language="ru"
    )
    message = ticket.messages.get()
    for _ in range(2):
        timeline.record(
            MessageAnalysed(
                ticket=ticket,
                message=message,
                emotion="gratitude",
                intensity=0.8,
                abuse=False,
                threat=False,
                company_fault=False,
                language="ru",
            )
        )
    [item] = FeedItem.objects.filter(team=team)
    assert item.source == "thanks" and "Олег" not in item.text


def test_without_a_webhook_items_stay_on_the_team_page(desk, solved, survey_of, client):
    team = desk.team()
    agent = desk.agent("feedreader", teams=[team])
    ticket, _agent = solved(team=team)
    services.answer_survey(survey=survey_of(ticket), rating=5, comment="Thank you, so patient!")
    feed.post_due(now=_later())
    item = FeedItem.objects.get(team=team)
    assert item.state == FeedState.SHOWN
    client.force_login(agent)
    page = client.get(f"/satisfaction/teams/{team.pk}/feed/")
    assert "so patient" in page.content.decode()
    client.post(f"/satisfaction/feed/{item.pk}/hold/")
    item.refresh_from_db()
    assert item.state == FeedState.HELD
    outsider = desk.agent("outsider", teams=[desk.team()])
    client.force_login(outsider)
    assert client.get(f"/satisfaction/teams/{team.pk}/feed/").status_code == 404
    assert client.post(f"/satisfaction/feed/{item.pk}/release/").status_code == 404
