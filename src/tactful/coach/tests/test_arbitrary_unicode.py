"""Any unicode at the coach's entry points: no exception but the documented ones, bounded output.

Beside ``test_hostile_input`` (short text and bytes): here the whole code space (lone
surrogates, private use, unassigned, bidi controls, combining marks), batches, conversations,
and text past ``MAX_CHARS``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful.coach import (
    MAX_CHARS,
    CoachError,
    ConversationMessage,
    analyze_many,
    analyze_message,
    paraphrase,
    review_conversation,
    review_reply,
)

DOCUMENTED = {"E001", "E002", "E003", "E004"}
#: Every code point, surrogates included (what a JSON body or a broken decoder can hand over).
anything = st.text(alphabet=st.characters(blacklist_categories=()), max_size=600)
mixed = st.one_of(
    anything,
    st.lists(
        st.sampled_from(
            [
                "I was charged twice!",
                "¿Dónde está mi pedido?",
                "Верните деньги.",
                "\u202e",
                "\u0301" * 30,
                "🙂" * 8,
                "<b>",
                "\n\n",
                "\ud800",
            ]
        )
        | anything,
        max_size=12,
    ).map("".join),
)
checks = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: A paraphrase is a template around a few of the customer's words, never the whole text.
MAX_PARAPHRASE_CHARS = 2_000


def _inside(spans, length: int) -> None:  # type: ignore[no-untyped-def]
    for span in spans:
        assert 0 <= span.start < span.end <= length


@checks
@given(mixed)
def test_analysis_and_paraphrase_of_any_unicode(text: str) -> None:
    try:
        analysis = analyze_message(text)
    except CoachError as error:
        assert error.code in DOCUMENTED
        return
    assert len(analysis.text) <= MAX_CHARS
    analysis.text.encode("utf-8")  # no lone surrogate survives
    _inside(analysis.questions + analysis.key_sentences, len(analysis.text))
    for finding in analysis.findings:
        _inside(finding.spans, len(analysis.text))
    drafted = paraphrase(analysis)
    assert isinstance(drafted, str) and len(drafted) <= MAX_PARAPHRASE_CHARS


@checks
@given(mixed, mixed)
def test_review_of_any_unicode_reply(reply: str, customer: str) -> None:
    try:
        review = review_reply(reply, customer_message=customer)
    except CoachError as error:
        assert error.code in DOCUMENTED
        return
    assert len(review.text) <= MAX_CHARS
    review.text.encode("utf-8")
    assert review.apology_count >= 0
    for finding in review.findings:
        _inside(finding.spans, len(review.text))


@checks
@given(
    st.lists(
        st.tuples(st.sampled_from(["customer", "agent"]), mixed),
        min_size=1,
        max_size=6,
    )
)
def test_review_of_any_conversation(turns: list[tuple[str, str]]) -> None:
    messages = [ConversationMessage(author, text) for author, text in turns]  # type: ignore[arg-type]
    try:
        review = review_conversation(messages)
    except CoachError as error:
        assert error.code in DOCUMENTED
        return
    customer_turns = sum(author == "customer" for author, _text in turns)
    assert len(review.turns) <= customer_turns
    assert len(review.recommendation) <= MAX_PARAPHRASE_CHARS


@checks
@given(st.lists(mixed.filter(str.strip), min_size=1, max_size=5))
def test_a_batch_of_any_unicode_gives_one_reading_each(texts: list[str]) -> None:
    try:
        batch = analyze_many(texts)
    except CoachError as error:
        assert error.code in DOCUMENTED
        return
    assert len(batch) == len(texts)
    for analysis in batch:
        assert len(analysis.text) <= MAX_CHARS


def test_text_past_the_limit_is_cut_to_it() -> None:
    words = ("Где мой заказ? Where is my order? ¿Dónde está? \ud800 " * 8000)[: MAX_CHARS * 3]
    analysis = analyze_message(words)
    assert len(analysis.text) == MAX_CHARS
    review = review_reply(words, customer_message=analysis)
    assert len(review.text) == MAX_CHARS
