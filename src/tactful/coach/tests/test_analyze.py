"""C1 in English, Spanish and Russian: emotions, risks, formality, questions, evidence."""

from __future__ import annotations

import pytest

from tactful.coach import EMOTIONS, CoachError, analyze_message
from tactful.coach.tests.cases import (
    ABUSIVE,
    ANGRY_DOUBLE_CHARGE,
    CALM_QUESTION,
    FORMAL,
    GRATEFUL,
    INFORMAL,
    LANGUAGES,
    THREAT,
    UNSUPPORTED,
)


def _spans_inside(analysis) -> None:  # type: ignore[no-untyped-def]
    spans = list(analysis.questions) + list(analysis.key_sentences)
    for signal in (analysis.urgency, analysis.abuse, analysis.threat, analysis.company_fault):
        spans += list(signal.spans)
    for finding in analysis.findings:
        spans += list(finding.spans)
    for span in spans:
        assert 0 <= span.start < span.end <= len(analysis.text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_angry_double_charge_is_read_as_upset_company_fault_with_a_question(language: str) -> None:
    analysis = analyze_message(ANGRY_DOUBLE_CHARGE[language])
    assert analysis.language == language
    assert analysis.emotions.top() in {"anger", "frustration"}
    assert analysis.intensity >= 0.4
    assert analysis.company_fault.present
    assert analysis.company_fault.spans, "a judgement needs evidence"
    assert len(analysis.questions) == 1
    assert "?" in analysis.questions[0].text_in(analysis.text)
    assert not analysis.abuse.present and not analysis.threat.present
    _spans_inside(analysis)


@pytest.mark.parametrize("language", LANGUAGES)
def test_abuse_and_threat_are_kept_apart(language: str) -> None:
    abusive = analyze_message(ABUSIVE[language])
    threat = analyze_message(THREAT[language])
    assert abusive.abuse.present and not abusive.threat.present
    assert abusive.abuse.spans
    assert threat.threat.present and not threat.abuse.present
    assert threat.threat.spans
    _spans_inside(abusive)
    _spans_inside(threat)


@pytest.mark.parametrize("language", LANGUAGES)
def test_calm_and_grateful_messages_raise_nothing(language: str) -> None:
    calm = analyze_message(CALM_QUESTION[language])
    grateful = analyze_message(GRATEFUL[language])
    for analysis in (calm, grateful):
        assert not analysis.abuse.present
        assert not analysis.threat.present
        assert not analysis.company_fault.present
    assert grateful.emotions.top() == "gratitude"
    assert calm.emotions.top() in {"neutral", "confusion"}
    assert calm.intensity < grateful.intensity + 0.3
    assert calm.questions


@pytest.mark.parametrize("language", LANGUAGES)
def test_formality_reads_usted_tu_and_vy_ty(language: str) -> None:
    assert analyze_message(FORMAL[language]).formality == "formal"
    assert analyze_message(INFORMAL[language]).formality == "informal"


@pytest.mark.parametrize("language", LANGUAGES)
def test_emotion_scores_cover_every_emotion_in_range(language: str) -> None:
    scores = analyze_message(ANGRY_DOUBLE_CHARGE[language]).emotions.as_dict()
    assert tuple(scores) == EMOTIONS
    assert all(0.0 <= v <= 1.0 for v in scores.values())


@pytest.mark.parametrize("text", list(UNSUPPORTED.values()))
def test_unsupported_language_is_und_without_invented_judgements(text: str) -> None:
    analysis = analyze_message(text)
    assert analysis.language == "und"
    assert not any(getattr(analysis.emotions, e) for e in EMOTIONS)
    assert analysis.intensity == 0.0
    assert not (analysis.abuse.present or analysis.threat.present or analysis.company_fault.present)
    assert "unsupported_language" in {f.kind for f in analysis.findings}


def test_emoji_only_and_numbers_only_are_und() -> None:
    for text in ("😡😡😡🔥", "12345 67890", "!!!???"):
        analysis = analyze_message(text)
        assert analysis.language == "und"
        assert not analysis.abuse.present


@pytest.mark.parametrize("language", LANGUAGES)
def test_all_caps_raises_intensity(language: str) -> None:
    text = CALM_QUESTION[language].replace("?", "!!!")
    assert analyze_message(text.upper()).intensity > analyze_message(text).intensity


def test_mixed_scripts_still_give_a_sound_result() -> None:
    analysis = analyze_message("Hola, my заказ never arrived, ¿qué pasa? Спасибо")
    assert analysis.language in {"en", "es", "ru", "und"}
    _spans_inside(analysis)


def test_html_becomes_text_and_scripts_disappear() -> None:
    analysis = analyze_message("<p>I was <b>charged twice</b>!</p><script>alert('x')</script>")
    assert "<" not in analysis.text and "alert" not in analysis.text
    assert analysis.company_fault.present


def test_invalid_utf8_is_replaced_with_a_finding() -> None:
    analysis = analyze_message(b"I was charged twice \xff\xfe for my order")
    assert "\ufffd" in analysis.text
    finding = next(f for f in analysis.findings if f.kind == "invalid_encoding")
    assert all(analysis.text[s.start : s.end] == "\ufffd" for s in finding.spans)


def test_over_long_text_is_cut_with_a_finding() -> None:
    analysis = analyze_message("My parcel never arrived. " * 5000)
    assert len(analysis.text) <= 100_000
    assert "too_long" in {f.kind for f in analysis.findings}


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "<p> </p>"])
def test_empty_text_is_error_e001(text: str) -> None:
    with pytest.raises(CoachError) as error:
        analyze_message(text)
    assert error.value.code == "E001"


def test_non_text_is_error_e002() -> None:
    with pytest.raises(CoachError) as error:
        analyze_message(42)  # type: ignore[arg-type]
    assert error.value.code == "E002"


def test_unknown_language_option_is_error_e003() -> None:
    with pytest.raises(CoachError) as error:
        analyze_message("hello", language="klingon")
    assert error.value.code == "E003"


def test_forced_language_is_respected() -> None:
    assert analyze_message("ok", language="es").language == "es"
    assert analyze_message("Hola", language="und").language == "und"


def test_hostile_html_is_cleaned_in_linear_time() -> None:
    # Thousands of unclosed tags used to make a lazy regex rescan the text for each one.
    analysis = analyze_message("I was charged twice. " + "<script>x<style>y<!-- z " * 6000)
    assert "script" not in analysis.text and "charged twice" in analysis.text
    assert (
        analyze_message("<p>a <b>b</b></p><!-- hidden --> ok <style>p{}</style>fine").text
        == "a b\nok fine"
    )


@pytest.mark.parametrize(
    "text",
    [
        "I just wanted to say thank you. Maria found my lost parcel and had it delivered before "
        "my daughter's birthday. You made our weekend!",
        "Solo quería darles las gracias. María encontró mi paquete perdido y lo entregaron antes "
        "del cumpleaños de mi hija. ¡Nos han alegrado el fin de semana!",
        "Хочу просто сказать спасибо. Мария нашла мою потерянную посылку, и её доставили до дня "
        "рождения дочери. Вы сделали наши выходные!",
    ],
)
def test_a_thank_you_note_is_neither_abuse_nor_a_threat(text: str) -> None:
    analysis = analyze_message(text)
    assert not analysis.threat.present and not analysis.abuse.present


def test_sarcastic_thanks_with_insults_is_still_abuse() -> None:
    analysis = analyze_message("Thanks for nothing, you useless idiots.")
    assert analysis.abuse.present


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("Are you all idiots? I was charged twice. When will I get my money back?",
         "When will I get my money back?"),
        ("¿No sabéis leer, inútiles? Me cobraron dos veces. ¿Cuándo me devuelven el dinero?",
         "¿Cuándo me devuelven el dinero?"),
        ("Вы что, идиоты? С меня дважды списали деньги. Когда вернёте?", "Когда вернёте?"),
    ],
)  # fmt: skip
def test_an_insult_phrased_as_a_question_is_not_a_question_to_answer(
    text: str, question: str
) -> None:
    analysis = analyze_message(text)
    assert analysis.abuse.present
    assert [span.text_in(analysis.text) for span in analysis.questions] == [question]
