"""The customer's pages: a link only pre-selects, the POST confirms (CSRF), the JSON endpoint
answers the widget and integrations, and every refusal says why."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from tactful.satisfaction import links
from tactful.satisfaction.models import TicketRating
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _path(survey, suffix=""):
    return links.page_url(survey).replace("http://127.0.0.1:8000", "") + suffix


def test_following_the_link_records_nothing_until_the_customer_confirms(client, solved, survey_of):
    ticket, _agent = solved()
    survey = survey_of(ticket)
    page = client.get(_path(survey, "?r=2"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="2" required checked' in html
    assert "nothing is saved until you do" in html
    assert page["Referrer-Policy"] == "same-origin"
    survey.refresh_from_db()
    assert survey.answered_at is None  # a mail scanner following the link changed nothing

    done = client.post(_path(survey), {"rating": "2", "comment": "Took a week."})
    assert done.status_code == 302
    survey.refresh_from_db()
    assert (survey.rating, survey.sentiment, survey.answered_via) == (2, "bad", "page")
    thanks = client.get(done["Location"])
    assert "Your answer is saved" in thanks.content.decode()


def test_the_form_needs_its_csrf_token(solved, survey_of):
    ticket, _agent = solved()
    survey = survey_of(ticket)
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(_path(survey), {"rating": "5"})
    assert refused.status_code == 403
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_the_page_speaks_the_customers_language(client, solved, survey_of):
    ticket, _agent = solved(language="ru", body="Здравствуйте, где мой заказ?")
    page = client.get(_path(survey_of(ticket)))
    assert 'lang="ru"' in page.content.decode()


@pytest.mark.parametrize(
    ("spoil", "status", "code"),
    [
        ("tamper", 400, "invalid"),
        ("reopen", 410, "cancelled"),
        ("close", 409, "closed"),
    ],
)
def test_refusals_say_why(client, solved, survey_of, spoil, status, code):
    ticket, agent = solved()
    survey = survey_of(ticket)
    path = _path(survey)
    if spoil == "tamper":
        path = path.replace("/s/", "/s/x")
    elif spoil == "reopen":
        ticket_services.change_status(ticket=ticket, status=Status.OPEN, by=agent)
    else:
        client.post(path, {"rating": "5"})
        ticket_services.change_status(ticket=ticket, status=Status.CLOSED, by=agent)
    response = client.get(path)
    assert response.status_code == status
    assert f'data-code="{code}"' in response.content.decode()


def test_the_widget_and_integrations_answer_with_json(client, solved, survey_of):
    ticket, _agent = solved()
    survey = survey_of(ticket)
    url = links.answer_url(survey).replace("http://127.0.0.1:8000", "")
    preflight = client.options(url)
    assert preflight["Access-Control-Allow-Origin"] == "*"
    answered = client.post(
        url,
        json.dumps({"rating": 5, "comment": "Quick!", "via": "chat"}),
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json() == {"status": "answered", "rating": 5, "sentiment": "good", "changes": 0}
    assert TicketRating.objects.get(ticket=ticket).sentiment == "good"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"rating": "five"}',
        b'{"rating": 9}',
        b"\xff\xfe",
        b'{"rating": 5, "comment": 7}',
    ],
)
def test_malformed_json_is_refused(client, solved, survey_of, body):
    ticket, _agent = solved()
    url = links.answer_url(survey_of(ticket)).replace("http://127.0.0.1:8000", "")
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_rating", "invalid_comment"}


def test_a_huge_body_is_refused(client, solved, survey_of):
    ticket, _agent = solved()
    url = links.answer_url(survey_of(ticket)).replace("http://127.0.0.1:8000", "")
    response = client.post(
        url, b'{"rating": 5, "comment": "' + b"x" * 20000 + b'"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_the_public_endpoints_are_rate_limited(client, solved, survey_of, settings):
    settings.TACTFUL_SURVEY_RATE_LIMIT = 3
    ticket, _agent = solved()
    path = _path(survey_of(ticket))
    codes = [client.get(path).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
