"""A low rating with a comment can reopen the ticket or notify the lead: an automation rule
with the trigger "survey answered" and conditions on the answer."""

from __future__ import annotations

import pytest

from tactful.accounts.models import Agent, Team
from tactful.automation import engine, presenters
from tactful.automation.forms import RuleForm
from tactful.automation.models import Notification, Rule
from tactful.satisfaction import services
from tactful.tickets.models import Status, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rating_rule(db):
    return Rule.objects.create(
        name="Unhappy customer",
        trigger="survey_answered",
        conditions={"csat_in": ["bad"], "csat_comment": True},
        actions=[{"type": "reopen"}, {"type": "notify_leads", "text": "Low CSAT"}],
    )


def test_a_bad_rating_with_a_comment_reopens_and_notifies(desk, solved, survey_of, low_rating_rule):
    team = desk.team()
    lead = desk.lead(teams=[team])
    ticket, _agent = solved(team=team)
    services.answer_survey(survey=survey_of(ticket), rating=1, comment="Nobody fixed it.")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Notification.objects.filter(recipient=lead, ticket=ticket).count() == 1
    fired = TicketEvent.objects.get(ticket=ticket, kind="rule")
    assert "ticket reopened" in fired.data["actions"]
    # The answered survey stays answered: reopening withdraws only unanswered ones.
    assert survey_of(ticket).status == "answered"


@pytest.mark.parametrize(("rating", "comment"), [(1, ""), (5, "Great"), (3, "meh")])
def test_other_answers_leave_the_ticket_alone(
    desk, solved, survey_of, low_rating_rule, rating, comment
):
    ticket, _agent = solved()
    services.answer_survey(survey=survey_of(ticket), rating=rating, comment=comment)
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert not TicketEvent.objects.filter(ticket=ticket, kind="rule").exists()


def test_a_survey_fires_a_rule_once_however_often_the_answer_changes(
    solved, survey_of, low_rating_rule
):
    ticket, _agent = solved()
    survey = survey_of(ticket)
    services.answer_survey(survey=survey, rating=1, comment="Bad")
    services.answer_survey(survey=survey, rating=2, comment="Still bad")
    assert TicketEvent.objects.filter(ticket=ticket, kind="rule").count() == 1


def test_the_engine_checks_the_new_keys():
    assert engine.validate_conditions({"csat_in": ["bad"], "csat_comment": True}) == {
        "csat_in": ["bad"],
        "csat_comment": True,
    }
    with pytest.raises(engine.RuleSchemaError):
        engine.validate_conditions({"csat_in": ["furious"]})
    with pytest.raises(engine.RuleSchemaError):
        engine.validate_actions([{"type": "reopen", "status": "open"}])
    facts = engine.TicketFacts(
        channel="email",
        language="en",
        tags=frozenset(),
        team_id=None,
        priority=2,
        status="solved",
        csat="bad",
        csat_comment=True,
    )
    assert engine.matches({"csat_in": ["bad"], "csat_comment": True}, facts)
    assert not engine.matches({"csat_in": ["good"]}, facts)
    assert engine.action_needed({"type": "reopen"}, facts)


def test_leads_build_the_rule_with_fields_and_read_it_in_words(desk):
    form = RuleForm(
        {
            "name": "Low CSAT",
            "active": "on",
            "trigger": "survey_answered",
            "csat": ["bad", "neutral"],
            "csat_comment": "yes",
            "reopen": "on",
        },
        teams=Team.objects.all(),
        agents=Agent.objects.all(),
    )
    assert form.is_valid(), form.errors
    data = form.rule_data()
    assert data["conditions"] == {"csat_in": ["bad", "neutral"], "csat_comment": True}
    assert data["actions"] == [{"type": "reopen"}]
    rule = Rule.objects.create(**{k: v for k, v in data.items()})
    assert RuleForm.initial_for(rule)["reopen"] is True
    admin = desk.admin()
    [row] = [r for r in presenters.rule_rows(admin) if r.rule.pk == rule.pk]
    assert "satisfaction: bad, neutral" in row.conditions
    assert row.actions == ("reopen the ticket",)
