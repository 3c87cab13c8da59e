"""POST /api/v1/coach/review: the live panel's review for other tools, with hostile input."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tactful.coaching import draft_review, readings
from tactful.desk.demo_data import SCENARIOS
from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.tickets import inbound, services

pytestmark = pytest.mark.django_db

URL = "/api/v1/coach/review"
BUDGET = 6
DOUBLE_CHARGE = next(s for s in SCENARIOS if s["key"] == "double_charge")
OVER_APOLOGISING = {
    "en": "I'm so sorry. I'm really sorry about this, we apologise for the inconvenience. "
    "Sorry again, I completely understand your frustration.",
    "es": "Lo siento muchísimo. Perdón por las molestias, de verdad lo sentimos mucho. "
    "Le pido disculpas otra vez, entiendo perfectamente su frustración.",
    "ru": "Мне очень жаль. Простите, пожалуйста, за неудобства, мы приносим извинения. "
    "Ещё раз извините, я прекрасно понимаю ваше разочарование.",
}


@pytest.fixture(autouse=True)
def fresh_caches():
    readings.clear_caches()
    yield
    readings.clear_caches()


class Api:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def review(self, payload, *, raw: bool = False, content_type: str = "application/json"):
        body = payload if raw else json.dumps(payload)
        return self.client.post(URL, body, content_type=content_type, headers=self.headers)


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    tickets = {
        language: desk.ticket(team=billing, body=DOUBLE_CHARGE["body"][language], language=language)
        for language in ("en", "es", "ru")
    }
    hidden = desk.ticket(team=shipping, body="Where is my parcel?")
    return {
        "ana": ana,
        "billing": billing,
        "tickets": tickets,
        "hidden": hidden,
        "api": Api(desk.token(ana)),
    }


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_review_against_a_ticket(world, language):
    ticket = world["tickets"][language]
    response = world["api"].review({"draft": OVER_APOLOGISING[language], "ticket": ticket.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["balance"] == "too_much"
    assert data["language"] == language
    kinds = {f["kind"] for f in data["findings"]}
    assert {"over_apology", "empathy_without_action"} <= kinds
    # Judged against the ticket's customer message: our mistake was not admitted.
    assert "fault_not_admitted" in kinds
    # Exactly what the live panel renders and a sent reply stores.
    assert data == draft_review.review_draft(draft=OVER_APOLOGISING[language], ticket=ticket)


def test_review_with_a_customer_message_and_a_forced_language(world):
    response = world["api"].review(
        {
            "draft": DOUBLE_CHARGE["reply"]["es"],
            "customer_message": DOUBLE_CHARGE["body"]["es"],
            "language": "es",
        }
    )
    assert response.status_code == 200
    data = response.json()
    assert data["balance"] == "balanced" and data["language"] == "es"
    assert data["next_step"]["present"] is True
    assert all(1 <= r["score"] <= 5 for r in data["rubric"].values())


def test_review_of_a_draft_alone(world):
    response = world["api"].review({"draft": "Sorry, sorry, so sorry. We apologise."})
    assert response.status_code == 200
    assert "over_apology" in {f["kind"] for f in response.json()["findings"]}


def test_html_drafts_come_back_as_text(world):
    response = world["api"].review({"draft": "<p>Thanks!</p><script>alert(1)</script>"})
    assert response.status_code == 200
    assert response.json()["text"] == "Thanks!"


def test_a_token_is_required(world):
    response = Api(None).review({"draft": "Hello"})
    assert response.status_code == 401
    assert "detail" in response.json()
    assert Api("tct_not-a-real-token").review({"draft": "Hello"}).status_code == 401


def test_a_ticket_the_agent_cannot_see_is_not_found(world):
    for number in (world["hidden"].pk, 987_654):
        response = world["api"].review({"draft": "Hello", "ticket": number})
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"ticket": 1},
        {"draft": None},
        {"draft": 42},
        {"draft": ["a"]},
        {"draft": {"text": "hi"}},
        {"draft": "x" * (draft_review.MAX_DRAFT_CHARS + 1)},
        {"draft": "Hello", "ticket": "abc"},
        {"draft": "Hello", "ticket": True},
        {"draft": "Hello", "ticket": 0},
        {"draft": "Hello", "ticket": 2**70},
        {"draft": "Hello", "language": "de"},
        {"draft": "Hello", "language": 5},
        {"draft": "Hello", "customer_message": 5},
        {"draft": "Hello", "customer_message": "y" * (readings.CUSTOMER_READ_CHARS + 1)},
        {"draft": "Sorry. " * 15_000},
        {"draft": ""},
        {"draft": "   "},
        {"draft": "<p></p>"},
    ],
)
def test_hostile_payloads_get_a_4xx_with_detail(world, payload):
    response = world["api"].review(payload)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2, 3]", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        ("draft=hello", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_get_a_4xx_with_detail(world, body, content_type):
    response = world["api"].review(body, raw=True, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_a_body_over_the_upload_limit_is_refused(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    response = world["api"].review({"draft": "z" * 60_000})
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_the_endpoint_is_documented(world):
    document = world["api"].client.get("/api/v1/openapi.json").json()
    operation = document["paths"][URL]["post"]
    assert operation["tags"] == ["coach"]
    schemas = document["components"]["schemas"]
    assert {"draft", "ticket", "customer_message", "language"} <= set(
        schemas["ReviewIn"]["properties"]
    )
    assert "balance" in schemas["ReviewOut"]["properties"]


def test_query_count_is_constant(world):
    api, ticket = world["api"], world["tickets"]["es"]
    payload = {"draft": OVER_APOLOGISING["es"], "ticket": ticket.pk}

    def grow():
        bulk_tickets(300, teams=[world["billing"]], agents=[world["ana"]], seed=9)
        for i in range(15):
            services.record_reply(ticket=ticket, agent=world["ana"], body=f"Respuesta {i}.")
            inbound.record_incoming_message(ticket=ticket, body=f"¿Y ahora? ({i})")

    assert assert_same_query_count(lambda: api.review(payload), grow) <= BUDGET


def test_a_broken_coach_is_a_503(world, monkeypatch):
    import tactful.coach

    def broken(*args, **kwargs):
        raise RuntimeError("the coach fell over")

    monkeypatch.setattr(tactful.coach, "review_reply", broken)
    response = world["api"].review({"draft": "Thanks, it's done."})
    assert response.status_code == 503
    assert "unavailable" in response.json()["detail"]
