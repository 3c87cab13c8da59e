"""Surveys follow the ticket: asked once on solve, reminded once, cancelled on reopen, expired;
the agents and team are fixed when the question leaves; answers change until the ticket closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from tactful.livechat.services import message_payload
from tactful.satisfaction import links, services
from tactful.satisfaction.models import Survey, SurveySettings, SurveyStatus, TicketRating
from tactful.tickets import assignment
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Message, Status, TicketEvent

pytestmark = pytest.mark.django_db


def test_solving_asks_the_customer_once_by_email(solved, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket, ana = solved()
    [survey] = Survey.objects.filter(ticket=ticket)
    assert survey.status == SurveyStatus.SENT
    assert list(survey.agents.all()) == [ana]
    assert survey.team_id == ticket.team_id
    assert (survey.coach_balance, survey.coach_next_step) == ("balanced", True)
    # The question left as Tactful's own reply, with the rating buttons in the HTML part.
    question = survey.message
    assert question.author_agent_id is None and question.metadata["survey"]["id"] == survey.pk
    sent = [
        m
        for m in mail.outbox
        if "How did we do?" in m.body or "How did we do?" in str(m.alternatives)
    ]
    assert len(sent) == 1
    html, mime = sent[0].alternatives[0]
    assert mime == "text/html"
    for value in (5, 4, 3, 2, 1):
        assert f"?r={value}" in html
    assert TicketEvent.objects.filter(ticket=ticket, kind="csat_sent").count() == 1


def test_the_rated_agent_is_kept_when_the_ticket_is_unassigned_after(solved, desk):
    ticket, ana = solved()
    assignment.set_assignee(ticket=ticket, assignee=None, by=None)
    survey = Survey.objects.get(ticket=ticket)
    services.answer_survey(survey=survey, rating=5, comment="Great")
    assert services.rated_agents(survey) == [ana]


def test_reopening_cancels_and_solving_again_waits_for_the_quiet_period(solved, desk):
    ticket, ana = solved()
    ticket_services.change_status(ticket=ticket, status=Status.OPEN, by=ana)
    first = Survey.objects.get(ticket=ticket)
    assert first.status == SurveyStatus.CANCELLED
    with pytest.raises(services.SurveyError) as refused:
        services.open_survey(links.token_for(first))
    assert refused.value.code == "cancelled"
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=ana)
    assert Survey.objects.filter(ticket=ticket).count() == 1  # within the quiet period
    Survey.objects.filter(pk=first.pk).update(sent_at=timezone.now() - timedelta(days=8))
    ticket_services.change_status(ticket=ticket, status=Status.OPEN, by=ana)
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=ana)
    assert Survey.objects.filter(ticket=ticket).count() == 2


def test_a_team_sets_its_scale_and_can_switch_surveys_off(solved, desk):
    team = desk.team("Shipping")
    SurveySettings.objects.create(team=team, scale="three")
    ticket, _ana = solved(team=team)
    survey = Survey.objects.get(ticket=ticket)
    assert survey.scale == "three"
    answered = services.answer_survey(survey=survey, rating=2, comment="")
    assert answered.sentiment == "neutral"
    with pytest.raises(services.SurveyError):
        services.answer_survey(survey=survey, rating=5)  # not on the three-point scale

    off = desk.team("Quiet")
    SurveySettings.objects.create(team=off, enabled=False)
    ticket, _ana = solved(team=off)
    assert not Survey.objects.filter(ticket=ticket).exists()


def test_an_answer_changes_until_the_ticket_is_closed(solved):
    ticket, ana = solved()
    survey = Survey.objects.get(ticket=ticket)
    services.answer_survey(survey=survey, rating=2, comment="Slow.")
    services.answer_survey(survey=survey, rating=4, comment="Slow, but fixed in the end.")
    survey.refresh_from_db()
    assert (survey.rating, survey.sentiment, survey.changes) == (4, "good", 1)
    assert TicketRating.objects.get(ticket=ticket).sentiment == "good"
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket, kind="csat_answered").values_list(
            "data", flat=True
        )
    )
    assert [k["changed"] for k in kinds] == [False, True]
    ticket_services.change_status(ticket=ticket, status=Status.CLOSED, by=ana)
    with pytest.raises(services.SurveyError) as refused:
        services.answer_by_token(token=links.token_for(survey), rating=1)
    assert refused.value.code == "closed"


def test_one_reminder_at_most_and_expiry(solved):
    ticket, _ana = solved()
    survey = Survey.objects.get(ticket=ticket)
    later = timezone.now() + timedelta(days=4)
    assert services.send_reminders(now=later) == 1
    assert services.send_reminders(now=later + timedelta(days=1)) == 0
    survey.refresh_from_db()
    assert survey.reminder is not None and survey.reminder.metadata["survey"]["reminder"] is True
    assert services.expire_surveys(now=timezone.now() + timedelta(days=15)) == 1
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.EXPIRED
    with pytest.raises(services.SurveyError) as refused:
        services.open_survey(links.token_for(survey))
    assert refused.value.code == "expired"


def test_a_tampered_link_is_refused(solved):
    ticket, _ana = solved()
    survey = Survey.objects.get(ticket=ticket)
    token = links.token_for(survey)
    for bad in (
        token[:-2] + "xx",
        # Another survey's id, signed with a key that is not the desk's.
        signing.Signer(key="not-the-desk-key", salt=links._SALT).sign_object(
            [survey.pk + 1, survey.nonce]
        ),
        # The desk's signature over the right id with another nonce.
        links.token_for(Survey(pk=survey.pk, nonce="0" * 32)),
        "",
        "a" * 500,
    ):
        with pytest.raises(services.SurveyError) as refused:
            services.open_survey(bad)
        assert refused.value.code == "invalid"


def test_the_comment_is_anonymised_once_for_everything_that_leaves(solved, desk):
    customer = desk.customer("lucia.gomez@example.es", name="Lucía Gómez", language="es")
    ticket, _ana = solved(customer=customer, language="es")
    survey = Survey.objects.get(ticket=ticket)
    services.answer_survey(
        survey=survey,
        rating=5,
        comment="Soy Lucía Gómez (lucia.gomez@example.es): gracias a Javier, ¡muy rápido!",
    )
    survey.refresh_from_db()
    assert "Lucía" not in survey.comment_redacted and "Javier" not in survey.comment_redacted
    assert "lucia.gomez" not in survey.comment_redacted
    assert "[nombre]" in survey.comment_redacted
    assert survey.themes[0] == "speed"
    assert "Lucía" in survey.comment  # the ticket itself keeps what the customer wrote


@pytest.mark.parametrize(
    ("rating", "comment", "code"),
    [
        (0, "", "invalid_rating"),
        (6, "", "invalid_rating"),
        (True, "", "invalid_rating"),
        ("5; DROP TABLE", "", "invalid_rating"),
        (None, "", "invalid_rating"),
        (5, "x" * 2001, "invalid_comment"),
        (5, "nul\x00byte", "invalid_comment"),
        (5, "lone \ud800 surrogate", "invalid_comment"),
        (5, ["not", "text"], "invalid_comment"),
    ],
)
def test_hostile_answers_are_refused_clearly(solved, rating, comment, code):
    ticket, _ana = solved()
    survey = Survey.objects.get(ticket=ticket)
    with pytest.raises(services.SurveyError) as refused:
        services.answer_survey(survey=survey, rating=rating, comment=comment)
    assert refused.value.code == code
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_chat_survey_reaches_the_widget_payload(desk):
    team = desk.team("Chat")
    ticket = desk.ticket(team=team, channel="chat")
    ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=None)
    survey = Survey.objects.get(ticket=ticket)
    payload = message_payload(Message.objects.get(pk=survey.message_id))
    assert payload["survey"]["answer"].endswith("/answer/")
    assert [c["value"] for c in payload["survey"]["choices"]] == [5, 4, 3, 2, 1]
