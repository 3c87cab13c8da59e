"""C2 in English, Spanish and Russian: balance, action, apologies, assumptions, fault, tone."""

from __future__ import annotations

import pytest

from tactful.coach import (
    FINDING_KINDS,
    CoachError,
    ConversationMessage,
    ReplyReview,
    analyze_message,
    review_reply,
)
from tactful.coach.tests.cases import (
    ANGRY_DOUBLE_CHARGE,
    ASSUMPTION,
    BALANCED,
    CALM_QUESTION,
    DEFLECTION,
    EMPATHY_ONLY,
    FORMAL,
    INFORMAL_REPLY,
    LANGUAGES,
    OVER_APOLOGY,
)


def _check_spans(review: ReplyReview) -> None:
    for finding in review.findings:
        assert finding.kind in FINDING_KINDS
        assert finding.message
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(review.text)
    for mechanism in (review.emotional_reaction, review.interpretation, review.exploration):
        for span in mechanism.spans:
            assert 0 <= span.start < span.end <= len(review.text)
    for rubric in (
        review.awareness,
        review.clarity,
        review.empowerment,
        review.precision,
        review.empathy,
    ):
        assert 1 <= rubric.score <= 5


@pytest.mark.parametrize("language", LANGUAGES)
def test_over_apology_without_action_is_too_much(language: str) -> None:
    review = review_reply(OVER_APOLOGY[language], customer_message=ANGRY_DOUBLE_CHARGE[language])
    assert review.language == language
    assert "over_apology" in review.kinds()
    assert review.apology_count >= 3
    over = next(f for f in review.findings if f.kind == "over_apology")
    assert len(over.spans) >= 2
    assert review.balance == "too_much"
    assert "no_next_step" in review.kinds()
    assert review.suggestions
    _check_spans(review)


@pytest.mark.parametrize("language", LANGUAGES)
def test_empathy_without_action_is_flagged(language: str) -> None:
    review = review_reply(EMPATHY_ONLY[language], customer_message=ANGRY_DOUBLE_CHARGE[language])
    assert "empathy_without_action" in review.kinds()
    assert review.balance == "too_much"
    assert not review.next_step.present
    assert review.empowerment.score <= 3
    _check_spans(review)


@pytest.mark.parametrize("language", LANGUAGES)
def test_balanced_reply_admits_fault_acts_and_says_what_next(language: str) -> None:
    review = review_reply(BALANCED[language], customer_message=ANGRY_DOUBLE_CHARGE[language])
    bad = {
        "over_apology",
        "empathy_without_action",
        "fault_not_admitted",
        "no_next_step",
        "assumption",
        "empathy_missing",
    }
    assert not (review.kinds() & bad), review.findings
    assert review.action.present and review.action.spans
    assert review.next_step.present and review.next_step.spans
    assert review.balance == "balanced"
    assert review.empowerment.score >= 4
    _check_spans(review)


@pytest.mark.parametrize("language", LANGUAGES)
def test_assumptions_about_the_customer_are_flagged_with_spans(language: str) -> None:
    review = review_reply(ASSUMPTION[language])
    finding = next(f for f in review.findings if f.kind == "assumption")
    assert finding.spans
    _check_spans(review)


@pytest.mark.parametrize("language", LANGUAGES)
def test_deflecting_our_mistake_is_fault_not_admitted(language: str) -> None:
    review = review_reply(DEFLECTION[language], customer_message=ANGRY_DOUBLE_CHARGE[language])
    assert "fault_not_admitted" in review.kinds()
    assert review.awareness.score <= 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_casual_reply_to_a_formal_customer_is_a_mismatch(language: str) -> None:
    review = review_reply(INFORMAL_REPLY[language], customer_message=FORMAL[language])
    assert "formality_mismatch" in review.kinds()


@pytest.mark.parametrize("language", LANGUAGES)
def test_reply_that_ignores_the_question_leaves_it_unanswered(language: str) -> None:
    reply = {
        "en": "Thanks for writing to us. Have a nice day.",
        "es": "Gracias por escribirnos. Que tenga un buen día.",
        "ru": "Спасибо, что написали нам. Хорошего дня.",
    }[language]
    review = review_reply(reply, customer_message=CALM_QUESTION[language])
    assert "unanswered_question" in review.kinds()


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_stock_sentence_twice_with_one_customer_is_boilerplate(language: str) -> None:
    stock = {
        "en": "We apologize for any inconvenience this may have caused.",
        "es": "Lamentamos cualquier inconveniente que esto le haya podido causar.",
        "ru": "Приносим извинения за доставленные неудобства.",
    }[language]
    conversation = [
        ConversationMessage("customer", ANGRY_DOUBLE_CHARGE[language]),
        ConversationMessage("agent", stock + " " + BALANCED[language]),
        ConversationMessage("customer", CALM_QUESTION[language]),
    ]
    review = review_reply(stock + " " + BALANCED[language], conversation=conversation)
    repeated = [f for f in review.findings if f.kind == "boilerplate" and f.severity == "warning"]
    assert repeated, review.findings
    assert repeated[0].spans[0].text_in(review.text).startswith(stock[:12])
    assert review.customer is not None and review.customer.text.startswith(
        CALM_QUESTION[language][:10]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_upset_customer_and_cold_reply_is_too_little(language: str) -> None:
    cold = {
        "en": "The refund has been processed. You will receive it within 5 business days.",
        "es": "El reembolso ha sido procesado. Lo recibirá en un plazo de 5 días hábiles.",
        "ru": "Возврат оформлен. Деньги поступят в течение 5 рабочих дней.",
    }[language]
    review = review_reply(cold, customer_message=ANGRY_DOUBLE_CHARGE[language])
    assert review.balance == "too_little"
    assert "empathy_missing" in review.kinds()


@pytest.mark.parametrize("language", LANGUAGES)
def test_exploration_question_is_a_mechanism(language: str) -> None:
    reply = {
        "en": "Could you tell me what happened when you tried to pay?",
        "es": "¿Podría contarme qué pasó cuando intentó pagar?",
        "ru": "Расскажите, пожалуйста, что произошло, когда Вы пытались оплатить?",
    }[language]
    review = review_reply(reply, language=language)
    assert review.exploration.level in {"weak", "strong"}
    assert review.exploration.spans


def test_customer_analysis_can_be_passed_instead_of_text() -> None:
    analysis = analyze_message(ANGRY_DOUBLE_CHARGE["en"])
    review = review_reply(OVER_APOLOGY["en"], customer_message=analysis)
    assert review.customer is analysis


def test_unsupported_reply_language_gives_no_invented_findings() -> None:
    review = review_reply("Nous sommes vraiment désolés, nous allons vérifier votre commande.")
    assert review.language == "und"
    assert {f.kind for f in review.findings} == {"unsupported_language"}


def test_empty_reply_is_error_e001() -> None:
    with pytest.raises(CoachError) as error:
        review_reply("  ")
    assert error.value.code == "E001"
