"""Arbitrary text never crashes the coach: only documented errors, and spans inside the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful.coach import CoachError, analyze_message, paraphrase, review_reply

DOCUMENTED = {"E001", "E002", "E003"}
text = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200).map(
        lambda s: s + " ¿qué? Вы правы!"
    ),
    st.binary(max_size=200),
    st.sampled_from(
        ["<script>alert(1)</script>", "\x00\x01", "😡" * 50, "A" * 3000, "?" * 100, "\u202e\u200b"]
    ),
)


def _inside(spans, length: int) -> None:  # type: ignore[no-untyped-def]
    for span in spans:
        assert 0 <= span.start < span.end <= length


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text, text)
def test_review_and_analysis_of_arbitrary_text(reply: str | bytes, customer: str | bytes) -> None:
    try:
        analysis = analyze_message(customer)
    except CoachError as error:
        assert error.code in DOCUMENTED
        analysis = None
    if analysis is not None:
        _inside(
            analysis.questions
            + analysis.key_sentences
            + analysis.abuse.spans
            + analysis.company_fault.spans,
            len(analysis.text),
        )
        paraphrase(analysis)
    try:
        review = review_reply(reply, customer_message=analysis)
    except CoachError as error:
        assert error.code in DOCUMENTED
        return
    for finding in review.findings:
        _inside(finding.spans, len(review.text))
    _inside(
        review.action.spans + review.next_step.spans + review.exploration.spans, len(review.text)
    )
