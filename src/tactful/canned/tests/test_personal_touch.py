"""The personal-touch check: a template sent word for word is flagged, one own sentence is not."""

from __future__ import annotations

import pytest

from tactful.canned import services
from tactful.canned.models import CannedResponse, CannedVariant
from tactful.canned.personal_touch import MAX_CHECKED_CHARS, personal_touch_findings

pytestmark = pytest.mark.django_db

OWN_SENTENCE = {
    "en": "I can see the second payment of 49 euros on 3 May, the day your card was declined.",
    "es": "Veo el segundo pago de 49 euros del 3 de mayo, el día que rechazaron su tarjeta.",
    "ru": "Я вижу второй платёж на 49 евро от 3 мая, в тот день, когда отклонили вашу карту.",
}


@pytest.fixture
def ticket(desk):
    customer = desk.customer(name="María López")
    ticket = desk.ticket(customer=customer, subject="Refund")
    ticket.custom_fields = {"order_number": "A-77"}
    ticket.save(update_fields=["custom_fields"])
    return ticket


def rendered(ticket, key: str, language: str) -> str:
    response = CannedResponse.objects.get(starter_key=key)
    return services.render_response(response, ticket=ticket, language=language).text


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_template_sent_verbatim_is_flagged(ticket, language):
    draft = rendered(ticket, "action-refund", language)
    findings = personal_touch_findings(draft=draft, ticket=ticket, language=language)
    assert len(findings) == 1
    finding = findings[0]
    assert finding["kind"] == "no_personal_touch"
    assert finding["severity"] == "warning"
    assert "template word for word" in finding["message"] or finding["message"]
    assert finding["spans"] == [[0, len(draft)]]


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_same_template_with_one_own_sentence_is_not_flagged(ticket, language):
    template = rendered(ticket, "action-refund", language)
    for draft in (
        f"{OWN_SENTENCE[language]} {template}",
        f"{template}\n\n{OWN_SENTENCE[language]}",
    ):
        assert personal_touch_findings(draft=draft, ticket=ticket, language=language) == []


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_several_templates_concatenated_with_odd_whitespace_are_flagged(ticket, language):
    first = rendered(ticket, "ack-heard", language)
    second = rendered(ticket, "next-step-checking", language)
    third = rendered(ticket, "closing-solved", language)
    draft = f"  {first}\n\n\n{second.replace(' ', '  ', 3)}\n{third}\n"
    findings = personal_touch_findings(draft=draft, ticket=ticket, language=language)
    assert [f["kind"] for f in findings] == ["no_personal_touch"]
    assert findings[0]["spans"][0][0] == 2


def test_unfilled_and_hand_filled_variables_still_count_as_the_template(desk):
    nameless = desk.ticket(customer=desk.customer(name=""), subject="Help")
    raw = rendered(nameless, "ack-heard", "en")
    assert "{{ customer.first_name }}" in raw
    assert personal_touch_findings(draft=raw, ticket=nameless, language="en")
    by_hand = raw.replace("{{ customer.first_name }}", "Jo")
    assert personal_touch_findings(draft=by_hand, ticket=nameless, language="en")


def test_a_sign_off_is_not_a_personal_touch(ticket):
    draft = rendered(ticket, "action-access", "en") + "\n\nBest,\nSam"
    assert personal_touch_findings(draft=draft, ticket=ticket, language="en")


def test_own_words_inside_a_template_slot_are_not_swallowed(ticket):
    template = rendered(ticket, "ack-heard", "en")
    draft = template.replace("María,", "María, your parcel from Lisbon is two weeks late,")
    assert personal_touch_findings(draft=draft, ticket=ticket, language="en") == []


def test_plain_own_reply_and_empty_or_odd_input_are_not_flagged(ticket):
    assert personal_touch_findings(draft="", ticket=ticket, language="en") == []
    assert personal_touch_findings(draft="   \n ", ticket=ticket, language="en") == []
    assert personal_touch_findings(draft=OWN_SENTENCE["en"], ticket=ticket, language="en") == []
    assert personal_touch_findings(draft=None, ticket=ticket, language="en") == []  # type: ignore[arg-type]
    # Unknown language: every library is checked.
    draft = rendered(ticket, "action-refund", "es")
    assert personal_touch_findings(draft=draft, ticket=ticket, language="xx")
    assert personal_touch_findings(draft=draft, ticket=ticket, language="und")


def test_hostile_and_huge_drafts_do_not_break_it(ticket):
    template = rendered(ticket, "action-refund", "en")
    for draft in (
        "{{ settings.SECRET_KEY }} " * 200,
        "<script>alert(1)</script>" + template,
        "\x00\ud800" + template,
        ("I have checked order " + "A" * 50) * 2000,
        (template + " ") * 50,
    ):
        findings = personal_touch_findings(draft=draft, ticket=ticket, language="en")
        assert isinstance(findings, list)
    assert personal_touch_findings(draft=(template + " ") * 50, ticket=ticket, language="en")


def test_a_new_or_edited_template_is_seen_after_commit(
    desk, ticket, django_capture_on_commit_callbacks
):
    admin = desk.admin()
    body = "Your locker code is ready and works until Friday at noon."
    assert personal_touch_findings(draft=body, ticket=ticket, language="en") == []
    with django_capture_on_commit_callbacks(execute=True):
        response = services.create_response(
            by=admin,
            team=None,
            title="Locker code",
            category="action",
            variants={"en": services.VariantText(body=body)},
        )
    assert personal_touch_findings(draft=body, ticket=ticket, language="en")
    variant = CannedVariant.objects.get(response=response)
    with django_capture_on_commit_callbacks(execute=True):
        variant.body = "Something else entirely, with a next step tomorrow."
        variant.save()
    assert personal_touch_findings(draft=body, ticket=ticket, language="en") == []
    with django_capture_on_commit_callbacks(execute=True):
        response.active = False
        response.save()
    assert (
        personal_touch_findings(
            draft="Something else entirely, with a next step tomorrow.",
            ticket=ticket,
            language="en",
        )
        == []
    )


def test_index_is_compiled_once_and_reused(ticket, django_assert_num_queries):
    draft = rendered(ticket, "action-refund", "en")
    personal_touch_findings(draft=draft, ticket=ticket, language="en")
    with django_assert_num_queries(0):
        for _ in range(20):
            personal_touch_findings(draft=draft + " x", ticket=ticket, language="en")


def test_very_long_drafts_are_not_scanned(ticket):
    template = rendered(ticket, "action-refund", "en")
    long_canned = (template + " ") * (MAX_CHECKED_CHARS // len(template) + 1)
    assert len(long_canned) > MAX_CHECKED_CHARS
    assert personal_touch_findings(draft=long_canned, ticket=ticket, language="en") == []
