"""The live coaching views: customer panel, draft review, paraphrase; and the send-time review."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tactful.coaching import draft_review, readings
from tactful.desk.demo_data import SCENARIOS
from tactful.desk.testing import assert_same_query_count, bulk_tickets
from tactful.tickets import inbound, services
from tactful.tickets.models import Message, MessageKind

pytestmark = pytest.mark.django_db

#: Query budgets, kept next to the tests (NetBox-style): raise them only on purpose.
BUDGETS = {"review": 7, "panel": 6, "paraphrase": 6}

DOUBLE_CHARGE = next(s for s in SCENARIOS if s["key"] == "double_charge")
ABUSIVE = next(s for s in SCENARIOS if s["key"] == "abusive")
OVER_APOLOGISING_ES = (
    "Lo siento muchísimo. Perdón por las molestias, de verdad lo sentimos mucho. "
    "Le pido disculpas otra vez, entiendo perfectamente su frustración."
)


@pytest.fixture(autouse=True)
def fresh_caches():
    readings.clear_caches()
    yield
    readings.clear_caches()


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    outsider = desk.agent("otto", teams=[shipping])
    ticket = desk.ticket(
        team=billing, body=DOUBLE_CHARGE["body"]["es"], language="es", subject="Cobro doble"
    )
    client = Client()
    client.force_login(ana)
    other = Client()
    other.force_login(outsider)
    return {"ticket": ticket, "ana": ana, "client": client, "outsider": other, "teams": [billing]}


def _urls(ticket_id: int) -> dict[str, str]:
    return {
        name: reverse(f"coaching:{name}", args=[ticket_id])
        for name in ("review", "customer_panel", "paraphrase")
    }


def _review(client, ticket, body, **extra):
    return client.post(reverse("coaching:review", args=[ticket.pk]), {"body": body}, **extra)


# --- who may ask --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(world):
    anonymous = Client()
    urls = _urls(world["ticket"].pk)
    for response in (
        anonymous.post(urls["review"], {"body": "hi"}),
        anonymous.get(urls["customer_panel"]),
        anonymous.get(urls["paraphrase"]),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_ticket_the_agent_cannot_see_is_not_found(world):
    urls = _urls(world["ticket"].pk)
    outsider = world["outsider"]
    assert outsider.post(urls["review"], {"body": "hola"}).status_code == 404
    assert outsider.get(urls["customer_panel"]).status_code == 404
    assert outsider.get(urls["paraphrase"]).status_code == 404
    missing = _urls(999_999)
    assert world["client"].post(missing["review"], {"body": "hola"}).status_code == 404


def test_wrong_methods_are_refused(world):
    urls = _urls(world["ticket"].pk)
    client = world["client"]
    assert client.get(urls["review"]).status_code == 405
    assert client.post(urls["customer_panel"]).status_code == 405
    assert client.post(urls["paraphrase"]).status_code == 405


# --- the live review ----------------------------------------------------------------------------


def test_the_review_highlights_the_offending_words(world):
    response = _review(world["client"], world["ticket"], OVER_APOLOGISING_ES)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-balance="too_much"' in html
    assert 'class="gauge-part gauge-too_much active"' in html
    apologies = re.findall(
        r'<mark class="([^"]*finding-over_apology[^"]*)"[^>]*>([^<]*)</mark>', html
    )
    assert [words for _css, words in apologies] == [
        "Lo siento",
        "Perdón",
        "lo sentimos",
        "Le pido disculpas",
    ]
    assert all("finding-empathy_without_action" in css for css, _words in apologies)
    assert 'data-kind="empathy_without_action"' in html
    assert 'data-rubric="awareness"' in html and 'data-rubric="empathy"' in html
    # Suggestions come in the reply's language.
    assert "Quédate con una sola disculpa" in html
    assert "Draft read as Spanish" in html
    assert "The ticket is in" not in html


@pytest.mark.parametrize(("ui", "anger"), [("es", "enfado"), ("ru", "гнев")])
def test_the_panels_speak_the_agents_language(world, ui, anger):
    world["ana"].language = ui
    world["ana"].save(update_fields=["language"])
    ticket = world["ticket"]
    panel = world["client"].get(reverse("coaching:customer_panel", args=[ticket.pk])).content
    assert f"<span>{anger}</span>" in panel.decode()
    # The coach's own words stay in the reply's language, marked as such.
    review = _review(world["client"], ticket, OVER_APOLOGISING_ES).content.decode()
    assert '<ul class="coach-suggestions" lang="es">' in review


def test_a_draft_in_another_language_says_so(world):
    html = _review(world["client"], world["ticket"], DOUBLE_CHARGE["reply"]["en"]).content
    text = html.decode()
    assert "Draft read as English" in text
    assert "The ticket is in Spanish" in text
    assert 'data-balance="balanced"' in text


@pytest.mark.parametrize("body", ["", "   ", "<p></p>"])
def test_an_empty_draft_empties_the_panel(world, body):
    response = _review(world["client"], world["ticket"], body)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_a_missing_draft_field_is_an_empty_draft(world):
    response = world["client"].post(reverse("coaching:review", args=[world["ticket"].pk]), {})
    assert response.status_code == 200 and response.content.decode().strip() == ""


@pytest.mark.parametrize("size", [draft_review.MAX_DRAFT_CHARS + 1, 100_001, 400_000])
def test_an_oversized_draft_gets_a_clear_message(world, size):
    response = _review(world["client"], world["ticket"], "a" * size)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f"The draft is {size:,} characters long; the coach reads at most 20,000" in html


def test_a_long_reply_is_sent_without_a_review(world):
    body = "Here is the full log you asked for. " * 600  # 21,600 characters
    assert _send(world["client"], world["ticket"], body).status_code == 302
    message = Message.objects.get(ticket=world["ticket"], kind=MessageKind.OUTGOING)
    assert message.body == body.strip() and message.review is None


def _mirror(html: str) -> str:
    return html.split('class="coach-mirror"', 1)[1].split("</div>", 1)[0]


def test_markup_in_the_draft_is_never_rendered(world):
    hostile = (
        'Gracias <script>alert("x")</script> '
        "<img src=x onerror=alert(1)> <b onclick='x()'>ya</b> lo he resuelto."
    )
    html = _review(world["client"], world["ticket"], hostile).content.decode()
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert "<b" not in _mirror(html) and "<img" not in _mirror(html)
    assert "ya" in _mirror(html)


def test_plain_text_that_looks_like_markup_is_escaped(world):
    html = _review(world["client"], world["ticket"], 'Si 1 < 2 & "3" > 0, gracias').content
    assert "Si 1 &lt; 2 &amp; &quot;3&quot; &gt; 0, gracias" in _mirror(html.decode())


def test_invalid_utf8_in_the_form_does_not_crash(world):
    response = world["client"].post(
        reverse("coaching:review", args=[world["ticket"].pk]),
        b"body=Lo+siento%FF%FE+mucho",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "coach-result" in response.content.decode()


def test_review_query_count_is_constant(world, desk):
    client, ticket = world["client"], world["ticket"]

    def grow():
        bulk_tickets(300, teams=world["teams"], agents=[world["ana"]], seed=5)
        for i in range(15):
            services.record_reply(ticket=ticket, agent=world["ana"], body=f"Respuesta {i}.")
            inbound.record_incoming_message(ticket=ticket, body=f"¿Y ahora qué? ({i})")

    count = assert_same_query_count(lambda: _review(client, ticket, OVER_APOLOGISING_ES), grow)
    assert count <= BUDGETS["review"]


# --- the customer panel -------------------------------------------------------------------------


def test_the_customer_panel_shows_feelings_questions_and_the_move(world, desk):
    ticket = world["ticket"]
    inbound.record_incoming_message(ticket=ticket, body="¿Cuándo me devuelven el dinero?")
    response = world["client"].get(reverse("coaching:customer_panel", args=[ticket.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="customer-panel"' in html and "hx-get" not in html
    assert "emotion-row-anger" in html
    assert "Questions still open" in html
    assert "“¿Cuándo me devuelven el dinero?”" in html  # as the customer wrote it
    assert 'data-trajectory="' in html and 'data-move="' in html
    assert "Recommended move" in html


def test_the_panel_of_an_abusive_ticket_recommends_handing_over(world, desk):
    ticket = desk.ticket(team=world["teams"][0], body=ABUSIVE["body"]["ru"], language="ru")
    html = world["client"].get(reverse("coaching:customer_panel", args=[ticket.pk])).content
    text = html.decode()
    assert 'data-move="hand_over"' in text
    assert "coach-abuse" in text


def test_a_panel_without_customer_words(world, desk):
    ticket = desk.ticket(team=world["teams"][0], body="hola", language="es")
    Message.objects.filter(ticket=ticket).delete()
    response = world["client"].get(reverse("coaching:customer_panel", args=[ticket.pk]))
    assert response.status_code == 200
    assert "has not written anything" in response.content.decode()


def test_panel_query_count_is_constant(world):
    client, ticket = world["client"], world["ticket"]
    url = reverse("coaching:customer_panel", args=[ticket.pk])

    def grow():
        bulk_tickets(300, teams=world["teams"], agents=[world["ana"]], seed=6)
        for i in range(40):
            services.record_reply(ticket=ticket, agent=world["ana"], body=f"Respuesta {i}.")
            inbound.record_incoming_message(ticket=ticket, body=f"Sigo esperando ({i}).")

    count = assert_same_query_count(lambda: client.get(url), grow)
    assert count <= BUDGETS["panel"]


# --- the paraphrase -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "opening"),
    [("en", "Let me check"), ("es", "Permítame comprobar"), ("ru", "Позвольте")],
)
def test_paraphrase_endpoint(world, desk, language, opening):
    ticket = desk.ticket(
        team=world["teams"][0], body=DOUBLE_CHARGE["body"][language], language=language
    )
    response = world["client"].get(reverse("coaching:paraphrase", args=[ticket.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["language"] == language and data["text"].startswith(opening)


def test_paraphrase_without_a_customer_message_is_a_404_with_a_reason(world):
    Message.objects.filter(ticket=world["ticket"]).delete()
    response = world["client"].get(reverse("coaching:paraphrase", args=[world["ticket"].pk]))
    assert response.status_code == 404 and "paraphrase" in response.json()["detail"]


def test_paraphrase_query_count_is_constant(world):
    client, ticket = world["client"], world["ticket"]
    url = reverse("coaching:paraphrase", args=[ticket.pk])

    def grow():
        bulk_tickets(300, teams=world["teams"], agents=[world["ana"]], seed=7)
        for i in range(20):
            inbound.record_incoming_message(ticket=ticket, body=f"Y otra cosa más ({i}).")

    assert assert_same_query_count(lambda: client.get(url), grow) <= BUDGETS["paraphrase"]


# --- the ticket page and sending ----------------------------------------------------------------


def test_the_ticket_page_loads_the_panels_lazily(world):
    ticket = world["ticket"]
    html = world["client"].get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert f'hx-get="{reverse("coaching:customer_panel", args=[ticket.pk])}"' in html
    assert f'hx-post="{reverse("coaching:review", args=[ticket.pk])}"' in html
    assert 'hx-sync="this:replace"' in html and "input delay:75ms from:#id_reply_body" in html
    assert "coaching/live.js" in html
    assert "data-coach-paraphrase" in html


def _send(client, ticket, body, **fields):
    return client.post(reverse("inbox:reply", args=[ticket.pk]), {"body": body, **fields})


def test_sending_stores_the_review_at_send_time(world):
    client, ticket = world["client"], world["ticket"]
    response = _send(client, ticket, OVER_APOLOGISING_ES, canned_ids="3, 7,junk,3,-1,<b>")
    assert response.status_code == 302
    message = Message.objects.get(ticket=ticket, kind=MessageKind.OUTGOING)
    assert message.review is not None
    assert message.review["balance"] == "too_much"
    assert {"over_apology", "empathy_without_action"} <= {
        f["kind"] for f in message.review["findings"]
    }
    assert message.review["language"] == "es"
    assert message.review["apology_count"] == 4
    assert message.metadata["canned_ids"] == [3, 7]
    # The same serializer as the live panel and the API.
    Message.objects.filter(pk=message.pk).delete()
    assert message.review == draft_review.review_draft(draft=OVER_APOLOGISING_ES, ticket=ticket)


def test_the_thread_shows_the_coach_chip_on_sent_replies(world):
    client, ticket = world["client"], world["ticket"]
    _send(client, ticket, OVER_APOLOGISING_ES)
    html = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'class="chip coach-chip balance-too_much"' in html
    assert "coach: too much empathy" in html


def test_a_reply_without_canned_ids_keeps_metadata_clean(world):
    _send(world["client"], world["ticket"], DOUBLE_CHARGE["reply"]["es"])
    message = Message.objects.get(ticket=world["ticket"], kind=MessageKind.OUTGOING)
    assert "canned_ids" not in message.metadata
    assert message.review["balance"] == "balanced"


def test_a_hostile_canned_ids_field_is_refused_and_the_draft_kept(world):
    response = _send(world["client"], world["ticket"], "Gracias, ya está.", canned_ids="1," * 1500)
    assert response.status_code == 400
    assert "Gracias, ya está." in response.content.decode()
    assert not Message.objects.filter(ticket=world["ticket"], kind=MessageKind.OUTGOING).exists()


def test_a_broken_coach_never_blocks_sending(world, monkeypatch, caplog):
    import tactful.coach

    def broken(*args, **kwargs):
        raise RuntimeError("the coach fell over")

    monkeypatch.setattr(tactful.coach, "review_reply", broken)
    response = _send(world["client"], world["ticket"], "Gracias, lo he resuelto hoy.")
    assert response.status_code == 302
    message = Message.objects.get(ticket=world["ticket"], kind=MessageKind.OUTGOING)
    assert message.body == "Gracias, lo he resuelto hoy." and message.review is None
    assert "coach review at send time failed" in caplog.text


def test_a_broken_coach_is_reported_not_crashed(world, monkeypatch, caplog):
    import tactful.coach

    def broken(*args, **kwargs):
        raise RuntimeError("the coach fell over")

    monkeypatch.setattr(tactful.coach, "review_reply", broken)
    monkeypatch.setattr(tactful.coach, "analyze_message", broken)
    urls, client = _urls(world["ticket"].pk), world["client"]

    review = client.post(urls["review"], {"body": "Gracias, ya está."})
    assert review.status_code == 503
    assert "you can still send your reply" in review.content.decode()
    panel = client.get(urls["customer_panel"])
    assert panel.status_code == 200
    assert "could not read this conversation" in panel.content.decode()
    paraphrase = client.get(urls["paraphrase"])
    assert paraphrase.status_code == 503 and paraphrase.json()["detail"]
    assert caplog.text.count("the coach fell over") >= 3
