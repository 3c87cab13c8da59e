"""C3 paraphrase and C4 conversation review in English, Spanish and Russian."""

from __future__ import annotations

import pytest

from tactful.coach import CoachError, ConversationMessage, paraphrase, review_conversation
from tactful.coach.tests.cases import ABUSIVE, ANGRY_DOUBLE_CHARGE, BALANCED, GRATEFUL, LANGUAGES

INTROS = {"en": "Let me check I've understood:", "es": "Permítame", "ru": "Позвольте"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_paraphrase_is_in_the_customers_language_and_second_person(language: str) -> None:
    text = paraphrase(ANGRY_DOUBLE_CHARGE[language])
    assert text.startswith(INTROS[language])
    assert text.rstrip().endswith("?")
    lowered = text.lower()
    if language == "en":
        assert "you" in lowered and " my " not in lowered
    elif language == "es":
        assert " le " in lowered or " su " in lowered or "usted" in lowered
    else:
        assert "вас" in lowered or "вам" in lowered or "ваш" in lowered or "вы" in lowered


def test_paraphrase_of_unsupported_language_quotes_the_customer() -> None:
    text = paraphrase("Bonjour, ma commande n'est jamais arrivée.")
    assert "“" in text and "commande" in text


DEMANDS = {
    "en": [
        "I want my money back now. You charged me twice!",
        "I said I want my money back now! You charged me twice!!",
        "Give me my money back NOW. Charged twice! Unacceptable!",
    ],
    "es": [
        "Quiero que me devuelvan mi dinero ya. ¡Me cobraron dos veces!",
        "¡Ya les dije que quiero mi dinero ya! ¡Me cobraron dos veces!",
        "¡Devuélvanme mi dinero YA! ¡Cobrado dos veces! ¡Inaceptable!",
    ],
    "ru": [
        "Верните мои деньги немедленно. С меня списали дважды!",
        "Я же сказал, верните мои деньги немедленно! Списали дважды!!",
        "Верните деньги НЕМЕДЛЕННО! Списали дважды! Это возмутительно!",
    ],
}
STALLING = {"en": "We are looking into it.", "es": "Lo estamos revisando.", "ru": "Мы разбираемся."}


@pytest.mark.parametrize("language", LANGUAGES)
def test_repeated_rising_demands_are_a_dead_end(language: str) -> None:
    messages = []
    for demand in DEMANDS[language]:
        messages += [
            ConversationMessage("customer", demand),
            ConversationMessage("agent", STALLING[language]),
        ]
    review = review_conversation(messages)
    assert review.language == language
    assert review.dead_end
    assert review.trajectory == "dead_end"
    assert review.recommended_move in {"escalate", "close_respectfully"}
    assert len(review.dead_end_reasons) >= 2
    assert len(review.turns) == 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_conversation_that_ends_in_thanks_got_better(language: str) -> None:
    review = review_conversation(
        [
            {"author": "customer", "text": ANGRY_DOUBLE_CHARGE[language]},
            {"author": "agent", "text": BALANCED[language]},
            {"author": "customer", "text": GRATEFUL[language]},
        ]
    )
    assert review.trajectory == "better"
    assert not review.dead_end
    assert review.recommended_move == "continue"


@pytest.mark.parametrize("language", LANGUAGES)
def test_abuse_recommends_handing_over(language: str) -> None:
    review = review_conversation([ConversationMessage("customer", ABUSIVE[language])])
    assert review.recommended_move == "hand_over"
    assert review.recommendation


def test_conversation_without_customer_is_error_e004() -> None:
    with pytest.raises(CoachError) as error:
        review_conversation([ConversationMessage("agent", "Hello?")])
    assert error.value.code == "E004"
