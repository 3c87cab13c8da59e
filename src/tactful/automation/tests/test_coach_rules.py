"""The default rules on real coach readings: Spanish abuse, Russian anger, an English dead end."""

from __future__ import annotations

import pytest

from tactful.automation import rules
from tactful.automation.models import Notification
from tactful.coach.tests.cases import ABUSIVE, CALM_QUESTION, THREAT
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import EventKind, Priority

pytestmark = pytest.mark.django_db

ANGRY_OUR_FAULT = {
    "en": "You charged me twice AGAIN! This is your mistake and I am furious! Refund me NOW!!!",
    "es": "¡Me cobraron dos veces OTRA VEZ! ¡Es su error y estoy furioso! ¡Devuélvanme el dinero YA!",
    "ru": "С меня дважды списали деньги за подписку! Это ваша ошибка! Я в бешенстве, верните деньги немедленно!!!",
}
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


def rules_fired(ticket):
    return [e.data["rule"] for e in ticket.events.filter(kind=EventKind.RULE_FIRED)]


@pytest.mark.parametrize("language", ["es", "en", "ru"])
def test_abusive_customer_goes_to_a_lead(crew, desk, language, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=crew["team"], body=ABUSIVE[language], language=None)
    ticket.refresh_from_db()
    assert ticket.abuse is True
    assert ticket.priority == Priority.HIGH
    assert ticket.assignee in {crew["lead"], crew["lead2"]}
    assert rules_fired(ticket) == ["Protect agents"]
    event = ticket.events.get(kind=EventKind.RULE_FIRED)
    assert event.data["trigger"] == "analysed"
    assert event.data["actions"][0] == "priority set to High"
    assert event.data["actions"][1].startswith("assigned to ")
    leads = set(
        Notification.objects.filter(ticket=ticket, kind="rule").values_list("recipient", flat=True)
    )
    assert leads == {crew["lead"].pk, crew["lead2"].pk}
    assert not Notification.objects.filter(recipient=crew["agent"], kind="rule").exists()


def test_a_threat_is_protected_too(crew, desk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=crew["team"], body=THREAT["es"], language="es")
    ticket.refresh_from_db()
    assert ticket.threat is True
    assert "Protect agents" in rules_fired(ticket)
    assert ticket.assignee.is_lead


@pytest.mark.parametrize("language", ["ru", "es", "en"])
def test_angry_and_our_fault_escalates(crew, desk, language, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=crew["team"], body=ANGRY_OUR_FAULT[language], language=None)
    ticket.refresh_from_db()
    assert ticket.language == language
    assert ticket.emotion == "anger" and ticket.intensity >= 0.7 and ticket.company_fault
    assert rules_fired(ticket) == ["Angry and our fault"]
    assert "escalation" in ticket.tags.values_list("name", flat=True)
    assert ticket.priority == Priority.HIGH
    # Not abusive: the agent round-robin chose keeps it.
    assert ticket.assignee == crew["agent"]


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_dead_end_thread_is_tagged_and_a_lead_told(
    crew, desk, language, django_capture_on_commit_callbacks
):
    agent = crew["agent"]
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=crew["team"], body=DEMANDS[language][0], language=language)
    for demand in DEMANDS[language][1:]:
        ticket_services.record_reply(ticket=ticket, agent=agent, body=STALLING[language])
        assert "Dead end" not in rules_fired(ticket)
        with django_capture_on_commit_callbacks(execute=True):
            inbound.record_incoming_message(ticket=ticket, body=demand)
    assert rules.ticket_is_dead_end(ticket)
    assert "Dead end" in rules_fired(ticket)
    assert "dead-end" in ticket.tags.values_list("name", flat=True)
    assert Notification.objects.filter(ticket=ticket, rule__name="Dead end").count() == 2


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_a_calm_question_fires_nothing(crew, desk, language, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = desk.ticket(team=crew["team"], body=CALM_QUESTION[language], language=language)
    ticket.refresh_from_db()
    assert ticket.coach_state == "done"
    assert rules_fired(ticket) == []
    assert ticket.priority == Priority.NORMAL
    assert ticket.assignee == crew["agent"]
    assert not rules.ticket_is_dead_end(ticket)


def test_a_short_thread_never_calls_the_coach_for_dead_ends(crew, desk, monkeypatch):
    import tactful.coach

    def must_not_run(*args, **kwargs):
        raise AssertionError("the coach ran on a two-message thread")

    monkeypatch.setattr(tactful.coach, "review_conversation", must_not_run)
    ticket = desk.ticket(team=crew["team"], body=DEMANDS["en"][0])
    ticket_services.record_reply(ticket=ticket, agent=crew["agent"], body="Looking.")
    assert rules.ticket_is_dead_end(ticket) is False
