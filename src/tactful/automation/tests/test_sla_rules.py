"""Rules on service levels: "an SLA target will breach within N minutes" and "an SLA target
was breached" fire once per clock, on the events the SLA checker emits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tactful.automation import engine, presenters, selectors
from tactful.automation.models import Notification, Rule, RuleFiring
from tactful.automation.tests.test_views import form_data
from tactful.sla import services as sla_services
from tactful.sla.models import Clock, Policy, Target
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Priority, TicketEvent

pytestmark = pytest.mark.django_db

FACTS = engine.TicketFacts(
    channel="email", language="en", tags=frozenset(), team_id=None, priority=2, status="open"
)


def test_engine_targets_match_the_sla_app():
    assert set(engine.SLA_TARGETS) == set(Target.values)


def test_sla_conditions_match_the_situation():
    warning = replace(FACTS, sla_target="first_response", sla_minutes_left=25)
    assert engine.matches({"sla_within_minutes": 30}, warning)
    assert not engine.matches({"sla_within_minutes": 20}, warning)
    assert engine.matches({"sla_target_in": ["first_response"]}, warning)
    assert not engine.matches({"sla_target_in": ["resolution"]}, warning)
    # Outside an SLA trigger nothing is "about to breach".
    assert not engine.matches({"sla_within_minutes": 30}, FACTS)


@pytest.mark.parametrize(
    "conditions",
    [
        {"sla_within_minutes": 0},
        {"sla_within_minutes": -5},
        {"sla_within_minutes": True},
        {"sla_within_minutes": "30"},
        {"sla_within_minutes": 10**9},
        {"sla_within_minutes": 1.5},
        {"sla_target_in": ["lunch"]},
        {"sla_target_in": "first_response"},
        {"sla_target_in": []},
    ],
)
def test_bad_sla_conditions_are_refused(conditions):
    with pytest.raises(engine.RuleSchemaError):
        engine.validate_conditions(conditions)


@pytest.fixture
def policy(db):
    return Policy.objects.create(name="Hour", first_response_minutes=60, business_hours=False)


def sla_rule(trigger, conditions, actions, team=None):
    return Rule.objects.create(
        name=f"On {trigger}", trigger=trigger, conditions=conditions, actions=actions, team=team
    )


def test_a_breach_raises_the_priority_and_notifies_the_leads_once(crew, policy):
    rule = sla_rule(
        "sla_breached",
        {"sla_target_in": ["first_response"]},
        [
            {"type": "set_priority", "priority": 4, "raise_only": True},
            {"type": "notify_leads", "text": "First reply is late"},
        ],
    )
    ticket = _ticket(crew)
    start = ticket.created_at
    sla_services.check_deadlines(now=start + timedelta(minutes=61))
    sla_services.check_deadlines(now=start + timedelta(minutes=62))
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert RuleFiring.objects.filter(rule=rule, ticket=ticket).count() == 1
    firing = RuleFiring.objects.get(rule=rule)
    assert firing.cause.startswith("sla:") and firing.trigger == "sla_breached"
    assert Notification.objects.filter(rule=rule, ticket=ticket).count() == 2  # both leads
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds.index("sla_breached") < kinds.index("rule")


def _ticket(crew):
    from tactful.tickets import inbound

    customer = inbound.Sender(handle="late@example.com")
    return inbound.receive(
        channel="email", sender=customer, body="Where is my refund?", team=crew["team"]
    ).ticket


def test_will_breach_within_n_minutes_fires_that_close_to_the_deadline(crew, policy):
    rule = sla_rule(
        "sla_warning",
        {"sla_within_minutes": 15},
        [{"type": "notify_leads", "text": "15 minutes left"}],
    )
    assert selectors.sla_lead_minutes() == [15]
    ticket = _ticket(crew)
    start = ticket.created_at
    # The policy's own warning (80 %, 12 minutes left) is sooner than 15 minutes: it fires.
    # Before that, nothing.
    sla_services.check_deadlines(now=start + timedelta(minutes=30))
    assert not RuleFiring.objects.filter(rule=rule).exists()
    sla_services.check_deadlines(now=start + timedelta(minutes=46))
    assert RuleFiring.objects.filter(rule=rule).count() == 1
    sla_services.check_deadlines(now=start + timedelta(minutes=49))
    sla_services.check_deadlines(now=start + timedelta(minutes=55))
    assert RuleFiring.objects.filter(rule=rule).count() == 1


def test_each_wait_is_its_own_breach(crew, policy):
    Policy.objects.filter(pk=policy.pk).update(next_response_minutes=30)
    rule = sla_rule("sla_breached", {}, [{"type": "add_tag", "tag": "late"}])
    ticket = _ticket(crew)
    sla_services.check_deadlines(now=ticket.created_at + timedelta(minutes=61))
    ticket_services.set_tags(ticket=ticket, names=[], by=crew["lead"])  # so the tag can return
    ticket_services.record_reply(ticket=ticket, agent=crew["lead"], body="Refund sent today.")
    from tactful.tickets import inbound

    inbound.record_incoming_message(ticket=ticket, body="Not there yet")
    wait = Clock.objects.get(ticket=ticket, target=Target.NEXT_RESPONSE)
    sla_services.check_deadlines(now=wait.started_at + timedelta(minutes=31))
    assert RuleFiring.objects.filter(rule=rule, ticket=ticket).count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").count() == 2


def test_the_rule_form_builds_sla_conditions(crew):
    client = Client()
    client.force_login(crew["lead"])
    data = form_data(
        name="Late first replies",
        trigger="sla_warning",
        languages=[],
        tags_any="",
        emotions=[],
        emotion_min_intensity="",
        company_fault="",
        sla_targets=["first_response"],
        sla_within_minutes="30",
    )
    assert client.post(reverse("automation:rule_new"), data).status_code == 302
    rule = Rule.objects.get(name="Late first replies")
    assert rule.conditions == {"sla_target_in": ["first_response"], "sla_within_minutes": 30}
    [row] = [r for r in presenters.rule_rows(crew["lead"]) if r.rule == rule]
    assert "breaches within 30 minutes" in row.conditions
    page = client.get(reverse("automation:rule_edit", args=[rule.pk])).content.decode()
    assert 'name="sla_within_minutes" value="30"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"trigger": "analysed", "sla_within_minutes": "30"}, "needs the trigger"),
        ({"trigger": "analysed", "sla_targets": ["resolution"]}, "SLA triggers only"),
        ({"trigger": "sla_warning", "sla_within_minutes": "0"}, "greater than or equal to 1"),
        ({"trigger": "sla_warning", "sla_within_minutes": "soon"}, "Enter a whole number"),
        ({"trigger": "sla_warning", "sla_targets": ["lunch"]}, "Select a valid choice"),
    ],
)
def test_bad_sla_rule_forms_are_refused(crew, overrides, message):
    client = Client()
    client.force_login(crew["lead"])
    before = Rule.objects.count()
    response = client.post(reverse("automation:rule_new"), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Rule.objects.count() == before
