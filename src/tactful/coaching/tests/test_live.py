"""Live coaching services in en, es and ru: the draft review and its one serializer, the
paraphrase, open questions, the conversation's arc and the recommended move."""

from __future__ import annotations

import json

import pytest

from tactful.coaching import customer_panel, draft_review, readings, review_panel
from tactful.desk.demo_data import SCENARIOS
from tactful.tickets import inbound, services
from tactful.tickets.models import Message, MessageKind

pytestmark = pytest.mark.django_db

DOUBLE_CHARGE = next(s for s in SCENARIOS if s["key"] == "double_charge")
ABUSIVE = next(s for s in SCENARIOS if s["key"] == "abusive")

#: Replies that apologise again and again and never say what happens next.
OVER_APOLOGISING = {
    "en": "I'm so sorry. I'm really sorry about this, we apologise for the inconvenience. "
    "Sorry again, I completely understand your frustration.",
    "es": "Lo siento muchísimo. Perdón por las molestias, de verdad lo sentimos mucho. "
    "Le pido disculpas otra vez, entiendo perfectamente su frustración.",
    "ru": "Мне очень жаль. Простите, пожалуйста, за неудобства, мы приносим извинения. "
    "Ещё раз извините, я прекрасно понимаю ваше разочарование.",
}
#: The words each language apologises with (what an over_apology span must cover).
APOLOGY_WORDS = {
    "en": ("sorry", "apologi"),
    "es": ("siento", "perdón", "sentimos", "disculpa"),
    "ru": ("жаль", "простите", "извин"),
}
LANGUAGES = ("en", "es", "ru")


@pytest.fixture(autouse=True)
def fresh_caches():
    readings.clear_caches()
    yield
    readings.clear_caches()


@pytest.fixture
def team(desk):
    return desk.team("Billing")


@pytest.fixture
def agent(desk, team):
    return desk.agent("ana", teams=[team])


def _ticket(desk, team, language, body, customer=None):
    return desk.ticket(team=team, body=body, language=language, customer=customer)


# --- the draft review ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_over_apologising_reply_without_next_step_is_too_much(desk, team, language):
    ticket = _ticket(desk, team, language, DOUBLE_CHARGE["body"][language])
    review = draft_review.review_draft(draft=OVER_APOLOGISING[language], ticket=ticket)

    assert review is not None
    assert review["language"] == language
    assert review["balance"] == "too_much"
    assert review["balance_reason"]
    kinds = {f["kind"]: f for f in review["findings"]}
    assert {"over_apology", "empathy_without_action", "no_next_step"} <= set(kinds)
    text = review["text"]
    apology_spans = kinds["over_apology"]["spans"]
    assert len(apology_spans) >= 3
    for start, end in apology_spans:
        assert any(word in text[start:end].lower() for word in APOLOGY_WORDS[language])
    # Empathy without action points at the sympathetic sentences, not at nothing.
    covered = " ".join(text[s:e] for s, e in kinds["empathy_without_action"]["spans"]).lower()
    assert any(word in covered for word in APOLOGY_WORDS[language])
    assert review["apology_count"] == len(apology_spans)
    assert review["next_step"]["present"] is False
    assert review["rubric"]["empathy"]["score"] <= 3
    assert review["suggestions"]


def test_spanish_over_apology_spans_are_the_apologies():
    review = draft_review.review_draft(
        draft=OVER_APOLOGISING["es"], customer_message=DOUBLE_CHARGE["body"]["es"]
    )
    assert review is not None
    text = review["text"]
    over = next(f for f in review["findings"] if f["kind"] == "over_apology")
    assert [text[s:e] for s, e in over["spans"]] == [
        "Lo siento",
        "Perdón",
        "lo sentimos",
        "Le pido disculpas",
    ]
    # The coach speaks the reply's language: the finding and suggestions are Spanish.
    assert "disculpa" in over["message"]
    assert review["balance"] == "too_much"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_balanced_reply_is_balanced(desk, team, language):
    ticket = _ticket(desk, team, language, DOUBLE_CHARGE["body"][language])
    review = draft_review.review_draft(draft=DOUBLE_CHARGE["reply"][language], ticket=ticket)
    assert review is not None
    assert review["balance"] == "balanced"
    assert review["next_step"]["present"] is True
    assert not {"over_apology", "empathy_without_action"} & {f["kind"] for f in review["findings"]}
    assert all(score["score"] >= 4 for score in review["rubric"].values())


def test_the_serialized_review_is_plain_json_with_spans_into_its_text(desk, team):
    ticket = _ticket(desk, team, "es", DOUBLE_CHARGE["body"]["es"])
    review = draft_review.review_draft(
        draft="<p>Lo siento, <b>lo siento</b> &amp; perdón.</p>", ticket=ticket
    )
    assert review is not None
    assert json.loads(json.dumps(review)) == review
    assert "<" not in review["text"] and "&" in review["text"]  # markup gone, entity decoded
    assert set(review) == {
        "coach_version", "language", "text", "balance", "balance_reason", "findings", "rubric",
        "suggestions", "apology_count", "action", "next_step", "mechanisms",
    }  # fmt: skip
    assert set(review["rubric"]) == set(draft_review.RUBRICS)
    for finding in review["findings"]:
        assert set(finding) == {"kind", "severity", "message", "spans"}
        assert finding["severity"] in draft_review.SEVERITIES
        for start, end in finding["spans"]:
            assert 0 <= start < end <= len(review["text"])


def test_draft_language_is_detected_not_assumed(desk, team):
    ticket = _ticket(desk, team, "es", DOUBLE_CHARGE["body"]["es"])
    review = draft_review.review_draft(draft=DOUBLE_CHARGE["reply"]["en"], ticket=ticket)
    assert review is not None and review["language"] == "en"
    forced = draft_review.review_draft(
        draft=DOUBLE_CHARGE["reply"]["ru"], ticket=ticket, language="ru"
    )
    assert forced is not None and forced["language"] == "ru"


@pytest.mark.parametrize("draft", ["", "   \n\t ", "<p> </p>", "<br><br>"])
def test_an_empty_draft_has_no_review(desk, team, draft):
    ticket = _ticket(desk, team, "en", DOUBLE_CHARGE["body"]["en"])
    assert draft_review.review_draft(draft=draft, ticket=ticket) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"draft": "x" * (draft_review.MAX_DRAFT_CHARS + 1)}, "characters long"),
        ({"draft": "Sorry. " * 20_000}, "140,000 characters long; the coach reads at most 20,000"),
        ({"draft": 42}, "must be text"),
        ({"draft": b"bytes"}, "must be text"),
        ({"draft": None}, "must be text"),
        ({"draft": "Hola", "language": "de"}, "English, Spanish or Russian"),
        ({"draft": "Hola", "customer_message": ["not", "text"]}, "must be text"),
        (
            {"draft": "Hola", "customer_message": "y" * (readings.CUSTOMER_READ_CHARS + 1)},
            "too long",
        ),
    ],
)
def test_hostile_drafts_are_refused_with_a_reason(kwargs, message):
    with pytest.raises(draft_review.DraftRejected, match=message):
        draft_review.review_draft(**kwargs)


@pytest.mark.parametrize("unit", ["Thanks, I've refunded it. ", "Sorry. ", "Lo siento, perdón. "])
def test_a_draft_at_the_limit_is_reviewed(unit):
    # Repetitive apologies are the coach's most expensive input; at the limit they still finish.
    draft = (unit * (draft_review.MAX_DRAFT_CHARS // len(unit) + 1))[: draft_review.MAX_DRAFT_CHARS]
    review = draft_review.review_draft(draft=draft)
    assert review is not None and len(review["text"]) <= draft_review.MAX_DRAFT_CHARS


def test_a_huge_customer_message_is_read_up_to_the_limit(desk, team):
    body = "Where is my refund? " + "Still waiting. " * 6000  # 90,020 characters
    ticket = _ticket(desk, team, "en", body)
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert [q.text for q in panel.questions] == ["Where is my refund?"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_same_stock_phrase_twice_with_one_customer_is_flagged(desk, team, agent, language):
    stock = {
        "en": "We truly value you as a customer and understand your concern.",
        "es": "Valoramos mucho su confianza y entendemos su preocupación por este tema.",
        "ru": "Мы очень ценим вас как клиента и понимаем ваше беспокойство по этому поводу.",
    }[language]
    customer = desk.customer(language=language)
    earlier = _ticket(desk, team, language, DOUBLE_CHARGE["body"][language], customer=customer)
    services.record_reply(ticket=earlier, agent=agent, body=stock + " " + "OK.")
    ticket = _ticket(desk, team, language, ABUSIVE["body"][language], customer=customer)
    review = draft_review.review_draft(draft=stock, ticket=ticket)
    assert review is not None
    repeated = [
        f for f in review["findings"] if f["kind"] == "boilerplate" and f["severity"] == "warning"
    ]
    assert repeated and repeated[0]["spans"] == [[0, len(review["text"])]]

    # Another customer never saw it: not a repeat.
    other = _ticket(desk, team, language, ABUSIVE["body"][language])
    fresh = draft_review.review_draft(draft=stock, ticket=other)
    assert fresh is not None
    assert not any(
        f["kind"] == "boilerplate" and f["severity"] == "warning" for f in fresh["findings"]
    )


def test_the_customer_reading_is_computed_once_per_message_and_body(desk, team):
    ticket = _ticket(desk, team, "es", DOUBLE_CHARGE["body"]["es"])
    for draft in ("Lo siento.", "Lo siento mucho.", "Lo siento mucho, ya está."):
        draft_review.review_draft(draft=draft, ticket=ticket)
    assert (readings._readings.misses, readings._readings.hits) == (1, 2)

    message = Message.objects.get(ticket=ticket, kind=MessageKind.INCOMING)
    message.body += " ¡Y nadie contesta!"
    message.save(update_fields=["body"])
    draft_review.review_draft(draft="Lo siento.", ticket=ticket)
    assert readings._readings.misses == 2  # an edited message is read again


def test_the_lru_forgets_the_oldest_reading():
    cache: readings.LRUCache[int, int] = readings.LRUCache(2)
    calls = []
    for key in (1, 2, 1, 3, 2):
        cache.get_or_compute(key, lambda key=key: calls.append(key) or key * 10)
    assert calls == [1, 2, 3, 2] and len(cache) == 2


def test_review_for_sending_never_raises(desk, team):
    ticket = _ticket(desk, team, "en", DOUBLE_CHARGE["body"]["en"])
    assert (
        draft_review.review_for_sending(
            draft="x" * (draft_review.MAX_DRAFT_CHARS + 5), ticket=ticket
        )
        is None
    )
    stored = draft_review.review_for_sending(draft=DOUBLE_CHARGE["reply"]["en"], ticket=ticket)
    assert stored == draft_review.review_draft(draft=DOUBLE_CHARGE["reply"]["en"], ticket=ticket)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_template_sent_word_for_word_lacks_a_personal_touch(desk, team, language):
    from tactful.canned import library_version
    from tactful.canned import services as canned
    from tactful.canned.models import CannedResponse

    library_version.library_changed()  # each test's rollback is invisible to the canned index
    ticket = _ticket(desk, team, language, DOUBLE_CHARGE["body"][language])
    template = CannedResponse.objects.get(starter_key="action-refund")
    draft = canned.render_response(template, ticket=ticket, language=language).text
    review = draft_review.review_draft(draft=draft, ticket=ticket)
    assert review is not None
    touch = [f for f in review["findings"] if f["kind"] == "no_personal_touch"]
    assert len(touch) == 1 and touch[0]["spans"] == [[0, len(review["text"])]]
    segments = review_panel.review_panel(review, ticket_language=language).segments
    assert all("no_personal_touch" in segment.kinds for segment in segments)

    own = DOUBLE_CHARGE["reply"][language].split(".")[0] + ". "
    personal = draft_review.review_draft(draft=own + draft, ticket=ticket)
    assert personal is not None
    assert "no_personal_touch" not in {f["kind"] for f in personal["findings"]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not a dict", None),
        ({"severity": "warning"}, None),
        (
            {"kind": "no_personal_touch", "severity": "loud", "message": 5, "spans": [[0, 3]]},
            {"kind": "no_personal_touch", "severity": "warning", "message": "5", "spans": [[0, 3]]},
        ),
        (
            {"kind": "k", "severity": "info", "message": "m", "spans": [[3, 1], [0, 99], "x", [1]]},
            {"kind": "k", "severity": "info", "message": "m", "spans": []},
        ),
    ],
)
def test_findings_from_other_apps_are_checked(raw, expected):
    assert draft_review._clean_extra_finding(raw, 10) == expected


def test_highlight_cuts_overlapping_spans():
    findings = [
        {"kind": "over_apology", "spans": [[0, 5]]},
        {"kind": "empathy_without_action", "spans": [[0, 9], [50, 80]]},
    ]
    segments = review_panel.highlight("Sorry, so sorry.", findings)
    assert [(s.text, s.kinds) for s in segments] == [
        ("Sorry", ("over_apology", "empathy_without_action")),
        (", so", ("empathy_without_action",)),
        (" sorry.", ()),
    ]
    assert segments[0].css == "finding finding-over_apology finding-empathy_without_action"


# --- the paraphrase -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "opening"),
    [("en", "Let me check"), ("es", "Permítame comprobar"), ("ru", "Позвольте")],
)
def test_paraphrase_of_the_latest_message_in_its_language(desk, team, language, opening):
    ticket = _ticket(desk, team, language, "Hello?" if language == "en" else "Hola")
    inbound.record_incoming_message(ticket=ticket, body=DOUBLE_CHARGE["body"][language])
    result = draft_review.paraphrase_latest(ticket)
    assert result is not None
    text, detected = result
    assert detected == language
    assert text.startswith(opening)
    assert text.endswith("?")
    assert len(text) > len(opening) + 20


def test_no_paraphrase_without_a_customer_message(desk, team):
    ticket = _ticket(desk, team, "en", "Hello")
    Message.objects.filter(ticket=ticket).delete()
    assert draft_review.paraphrase_latest(ticket) is None
    assert customer_panel.customer_panel(ticket) is None


# --- the customer panel -------------------------------------------------------------------------

QUESTIONS = {
    "en": (
        "When will my order arrive? Can I change the delivery address?",
        "Your order arrives on Friday.",
        "Can I change the delivery address?",
    ),
    "es": (
        "¿Cuándo llega mi pedido? ¿Puedo cambiar la dirección de entrega?",
        "Su pedido llega el viernes.",
        "¿Puedo cambiar la dirección de entrega?",
    ),
    "ru": (
        "Когда придёт мой заказ? Можно ли изменить адрес доставки?",
        "Ваш заказ придёт в пятницу.",
        "Можно ли изменить адрес доставки?",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_is_open_before_any_reply(desk, team, language):
    body, _reply, _open = QUESTIONS[language]
    ticket = _ticket(desk, team, language, body)
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert [q.text for q in panel.questions] == [s.strip() for s in _split_questions(body)]
    assert panel.move == "answer"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reply_closes_only_the_questions_it_answered(desk, team, agent, language):
    body, reply, still_open = QUESTIONS[language]
    ticket = _ticket(desk, team, language, body)
    services.record_reply(ticket=ticket, agent=agent, body=reply)
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert [q.text for q in panel.questions] == [still_open]


def test_questions_after_the_last_reply_are_open(desk, team, agent):
    ticket = _ticket(desk, team, "es", "Mi pedido no llega.")
    services.record_reply(ticket=ticket, agent=agent, body="Lo reviso y le escribo hoy.")
    inbound.record_incoming_message(ticket=ticket, body="Vale. ¿Me pueden llamar por teléfono?")
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert [q.text for q in panel.questions] == ["¿Me pueden llamar por teléfono?"]
    assert panel.language == "es"


def _split_questions(body: str) -> list[str]:
    parts, current = [], ""
    for char in body:
        current += char
        if char == "?":
            parts.append(current)
            current = ""
    return parts


WORSENING = {
    "en": [
        "Hi, my invoice shows a small extra fee, could you check it?",
        "We'll look.",
        "You charged me twice! This is your mistake and I am furious, I want my money back today.",
    ],
    "es": [
        "Hola, mi factura tiene un pequeño cargo extra, ¿pueden revisarlo?",
        "Lo miramos.",
        "¡Me cobraron dos veces! Es su error y estoy furioso, quiero mi dinero hoy.",
    ],
    "ru": [
        "Здравствуйте, в счёте небольшая лишняя плата, проверьте, пожалуйста.",
        "Посмотрим.",
        "Вы списали деньги дважды! Это ваша ошибка, я в ярости, верните деньги сегодня.",
    ],
}


def _thread(desk, team, agent, turns, language):
    ticket = _ticket(desk, team, language, turns[0])
    for i, text in enumerate(turns[1:], start=1):
        if i % 2:
            services.record_reply(ticket=ticket, agent=agent, body=text)
        else:
            inbound.record_incoming_message(ticket=ticket, body=text)
    return ticket


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_worsening_thread_with_our_fault_says_admit_it(desk, team, agent, language):
    ticket = _thread(desk, team, agent, WORSENING[language], language)
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert panel.trajectory == "worse"
    assert panel.company_fault
    assert panel.move == "admit"
    assert panel.advice == str(customer_panel.MOVES["admit"])
    assert panel.top_emotion in {"anger", "frustration"}
    assert panel.customer_turns == 2


DEAD_END = {
    "en": [
        "I want a refund for order 123 now.",
        "We are looking into it.",
        "I said I want my refund for order 123 now! This is ridiculous.",
        "We have escalated your case.",
        "Refund my order 123 NOW. I am furious, this is ridiculous, refund now!",
    ],
    "es": [
        "Quiero el reembolso del pedido 123 ya.",
        "Lo estamos revisando.",
        "¡He dicho que quiero el reembolso del pedido 123 ya! Esto es ridículo.",
        "Hemos escalado su caso.",
        "Reembolsen mi pedido 123 YA. Estoy furioso, esto es ridículo, ¡reembolso ya!",
    ],
    "ru": [
        "Верните деньги за заказ 123 немедленно.",
        "Мы разбираемся.",
        "Я сказал, верните деньги за заказ 123 немедленно! Это смешно.",
        "Мы передали ваш вопрос.",
        "Верните деньги за заказ 123 НЕМЕДЛЕННО. Я в ярости, это смешно, верните деньги!",
    ],
}
MORE_REPLIES = {
    "en": ["We are still checking.", "Our team is on it."],
    "es": ["Seguimos revisándolo.", "Nuestro equipo está en ello."],
    "ru": ["Мы всё ещё проверяем.", "Наша команда занимается этим."],
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_young_dead_end_is_escalated_first(desk, team, agent, language):
    ticket = _thread(desk, team, agent, DEAD_END[language], language)
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert panel.trajectory == "dead_end" and panel.dead_end
    assert panel.move == "escalate"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_dead_end_after_many_replies_is_closed_respectfully(desk, team, agent, language):
    last = DEAD_END[language][-1]
    more = MORE_REPLIES[language]
    turns = [*DEAD_END[language], more[0], last, more[1], last]  # four replies, no way out
    ticket = _thread(desk, team, agent, turns, language)
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert panel.trajectory == "dead_end"
    assert panel.move == "close"
    assert "closing template" in panel.advice


@pytest.mark.parametrize("language", LANGUAGES)
def test_abuse_means_a_lead_is_involved(desk, team, language):
    ticket = _ticket(desk, team, language, ABUSIVE["body"][language])
    panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    assert panel.abuse
    assert panel.move == "hand_over"
    assert "hand the conversation over" in panel.advice


def test_the_conversation_review_is_cached_until_the_thread_changes(desk, team, agent):
    ticket = _thread(desk, team, agent, WORSENING["en"], "en")
    customer_panel.customer_panel(ticket)
    customer_panel.customer_panel(ticket)
    assert (readings._conversations.misses, readings._conversations.hits) == (1, 1)
    services.record_reply(ticket=ticket, agent=agent, body="I've refunded it just now.")
    customer_panel.customer_panel(ticket)
    assert readings._conversations.misses == 2


def test_the_panel_speaks_the_agents_language(desk, team, agent):
    from django.utils import translation

    ticket = _thread(desk, team, agent, WORSENING["ru"], "ru")
    with translation.override("es"):
        panel = customer_panel.customer_panel(ticket)
    assert panel is not None
    # Labels follow the agent's interface; the evidence stays as the customer wrote it.
    labels = {row.name: row.label for row in panel.emotions}
    assert labels["anger"] == "enfado"
    assert panel.top_emotion_label in {"enfado", "frustración"}
    assert panel.language == "ru"
    with translation.override("ru"):
        assert customer_panel.customer_panel(ticket).emotions[0].label not in {
            "anger",
            "frustration",
        }


def test_an_unfilled_variable_is_not_judged_as_the_agents_words():
    """`{{ ticket.custom.order_number }}` must not be read as jargon ("ticket")."""
    from tactful.coach import review_reply

    draft = (
        "Hola {{ customer.first_name }}, ya hemos reembolsado el cargo duplicado del pedido "
        "{{ ticket.custom.order_number }}. Lo verá en su cuenta en 3 días."
    )
    customer = "Me cobraron dos veces el pedido. ¿Cuándo me devuelven el dinero?"
    raw = review_reply(draft, customer_message=customer)
    assert "unclear" in raw.kinds()  # the coach alone reads the variable name as jargon
    review = draft_review.review_draft(draft=draft, customer_message=customer)
    assert review is not None
    assert "unclear" not in {finding["kind"] for finding in review["findings"]}
    # The same word written by the agent is still the agent's jargon.
    plain = draft.replace("{{ ticket.custom.order_number }}", "48213 (ticket escalation queue)")
    review = draft_review.review_draft(draft=plain, customer_message=customer)
    assert review is not None
    assert "unclear" in {finding["kind"] for finding in review["findings"]}
