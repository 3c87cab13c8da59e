"""Rules on real tickets: firing writes events, each action acts, loops and repeats are safe."""

from __future__ import annotations

import pytest

from tactful.automation import rules, services
from tactful.automation.models import AutoReply, Notification, Rule
from tactful.canned import services as canned_services
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import EventKind, Message, MessageKind, Priority

pytestmark = pytest.mark.django_db


def fired(ticket, name=None):
    events = ticket.events.filter(kind=EventKind.RULE_FIRED).order_by("id")
    return [e for e in events if name is None or e.data["rule"] == name]


def test_default_rules_are_shipped_valid_and_protect_agents():
    from tactful.automation import engine, selectors

    names = list(Rule.objects.filter(team__isnull=True).values_list("name", flat=True))
    assert {"Protect agents", "Angry and our fault", "Dead end"} <= set(names)
    for rule in Rule.objects.all():
        assert engine.validate_conditions(rule.conditions) == rule.conditions
        assert engine.validate_actions(rule.actions) == rule.actions
    assert selectors.protects_agents(Rule.objects.all())
    Rule.objects.filter(name="Protect agents").update(active=False)
    assert not selectors.protects_agents(Rule.objects.all())


def test_a_firing_rule_writes_one_event_with_readable_actions(crew, desk, make_rule, only_my_rules):
    rule = make_rule(
        name="Chat VIPs",
        conditions={"channel_in": ["chat"], "tags_any": ["vip"]},
        actions=[
            {"type": "set_priority", "priority": 4},
            {"type": "add_tag", "tag": "fast-lane"},
        ],
    )
    ticket = desk.ticket(channel="chat", tags=["vip"], team=crew["team"])
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert set(ticket.tags.values_list("name", flat=True)) == {"vip", "fast-lane"}
    [event] = fired(ticket)
    assert event.actor is None
    assert event.data["rule"] == "Chat VIPs" and event.data["rule_id"] == rule.pk
    assert event.data["trigger"] == "ticket_created"
    assert event.data["actions"] == ["priority set to Urgent", "tag fast-lane added"]
    # The changes themselves are on the timeline too, by the system.
    assert ticket.events.filter(kind=EventKind.PRIORITY_CHANGED, actor=None).exists()
    # Not for e-mail, not without the tag.
    calm = desk.ticket(channel="email", tags=["vip"])
    assert fired(calm) == []


def test_customer_message_trigger(crew, desk, make_rule, only_my_rules):
    make_rule(
        trigger="customer_message",
        conditions={"status_in": ["open"]},
        actions=[{"type": "add_tag", "tag": "follow-up"}],
    )
    ticket = desk.ticket(team=crew["team"])
    assert fired(ticket) == []  # created, not a follow-up
    ticket_services.record_reply(ticket=ticket, agent=crew["agent"], body="On it.")
    inbound.record_incoming_message(ticket=ticket, body="Any news?")
    assert "follow-up" in ticket.tags.values_list("name", flat=True)
    assert len(fired(ticket)) == 1


def test_each_assign_action(crew, desk, make_rule, only_my_rules):
    team, agent, lead = crew["team"], crew["agent"], crew["lead"]
    make_rule(
        name="To Ana",
        conditions={"tags_any": ["ana"]},
        actions=[{"type": "assign", "to": "agent", "agent": agent.pk}],
    )
    make_rule(
        name="To a lead",
        conditions={"tags_any": ["lead"]},
        actions=[{"type": "assign", "to": "lead"}],
    )
    make_rule(
        name="Outsider",
        conditions={"tags_any": ["otto"]},
        actions=[{"type": "assign", "to": "agent", "agent": crew["outsider"].pk}],
    )
    first = desk.ticket(team=team, tags=["ana"])
    assert first.assignee == agent
    second = desk.ticket(team=team, tags=["lead"])
    assert second.assignee in {lead, crew["lead2"]}
    # Otto is not in Support: the rule says so in its event and nothing is lost.
    third = desk.ticket(team=team, tags=["otto"])
    assert third.assignee != crew["outsider"]
    [event] = fired(third)
    assert event.data["actions"][0].startswith("not assigned to")


def test_move_to_team_and_notify(crew, desk, make_rule, only_my_rules):
    sales = crew["other"]
    sales_lead = desk.lead("sal", teams=[sales])
    make_rule(
        conditions={"language_in": ["es"]},
        actions=[
            {"type": "move_to_team", "team": sales.pk},
            {"type": "notify_leads", "text": "Spanish ticket for Sales"},
        ],
    )
    ticket = desk.ticket(team=crew["team"], language="es", body="Hola, ¿tienen descuentos?")
    ticket.refresh_from_db()
    assert ticket.team == sales
    [note] = Notification.objects.filter(ticket=ticket, kind="rule")
    assert note.recipient == sales_lead and note.text == "Spanish ticket for Sales"
    assert not Notification.objects.filter(recipient=crew["lead"], kind="rule").exists()


def test_stop_processing_and_order(crew, desk, make_rule, only_my_rules):
    make_rule(name="Second", order=2, actions=[{"type": "add_tag", "tag": "second"}])
    first = make_rule(
        name="First", order=1, stop_processing=True, actions=[{"type": "add_tag", "tag": "first"}]
    )
    ticket = desk.ticket(team=crew["team"])
    assert list(ticket.tags.values_list("name", flat=True)) == ["first"]
    first.stop_processing = False
    first.save()
    later = desk.ticket(team=crew["team"])
    assert sorted(later.tags.values_list("name", flat=True)) == ["first", "second"]
    assert [e.data["rule"] for e in fired(later)] == ["First", "Second"]


def test_team_scope_and_inactive_rules(crew, desk, make_rule, only_my_rules):
    make_rule(team=crew["other"], actions=[{"type": "add_tag", "tag": "sales-only"}])
    make_rule(active=False, actions=[{"type": "add_tag", "tag": "never"}])
    support = desk.ticket(team=crew["team"])
    sales = desk.ticket(team=crew["other"])
    assert list(support.tags.values_list("name", flat=True)) == []
    assert list(sales.tags.values_list("name", flat=True)) == ["sales-only"]


def test_rules_do_not_trigger_rules(crew, desk, make_rule, only_my_rules):
    # Moving a ticket to Sales is not a new "ticket created" event for Sales' own rules.
    make_rule(name="Move", actions=[{"type": "move_to_team", "team": crew["other"].pk}])
    make_rule(
        name="Sales rule", order=5, team=crew["other"], actions=[{"type": "add_tag", "tag": "x"}]
    )
    ticket = desk.ticket(team=crew["team"])
    ticket.refresh_from_db()
    assert ticket.team == crew["other"]
    assert [e.data["rule"] for e in fired(ticket)] == ["Move"]
    # And whatever runs while rules act cannot start another run.
    with rules.rules_running():
        assert rules.run_rules(ticket, trigger="ticket_created") == []


def test_a_rule_fires_once_per_trigger_event(crew, desk, make_rule, only_my_rules):
    make_rule(trigger="customer_message", actions=[{"type": "notify_leads", "text": "again"}])
    ticket = desk.ticket(team=crew["team"])
    message = inbound.record_incoming_message(ticket=ticket, body="Hello?")
    assert Notification.objects.filter(ticket=ticket, kind="rule").count() == 2  # both leads
    services.mark_read(agent=crew["lead"])
    services.mark_read(agent=crew["lead2"])
    # The same delivery again (a retry, a duplicate task) fires nothing new.
    assert rules.run_rules(ticket, trigger="customer_message", message=message) == []
    assert Notification.objects.filter(ticket=ticket, kind="rule").count() == 2
    # A new message is a new event.
    inbound.record_incoming_message(ticket=ticket, body="Hello??")
    assert Notification.objects.filter(ticket=ticket, kind="rule").count() == 4
    assert len(fired(ticket)) == 2


def test_unread_notifications_are_not_repeated(crew, desk, make_rule, only_my_rules):
    make_rule(trigger="customer_message", actions=[{"type": "notify_leads", "text": ""}])
    ticket = desk.ticket(team=crew["team"])
    for body in ("one", "two", "three"):
        inbound.record_incoming_message(ticket=ticket, body=body)
    assert (
        Notification.objects.filter(ticket=ticket, recipient=crew["lead"], kind="rule").count() == 1
    )
    assert len(fired(ticket)) == 1  # later runs had nothing to do: no event


def test_a_broken_rule_never_costs_the_customers_message(
    crew, desk, make_rule, only_my_rules, monkeypatch
):
    make_rule(name="Breaks", actions=[{"type": "add_tag", "tag": "boom"}])
    make_rule(name="Fine", order=2, actions=[{"type": "add_tag", "tag": "fine"}])
    # A rule stored around the form (raw SQL, an old export) with nonsense is skipped.
    Rule.objects.create(name="Nonsense", trigger="ticket_created", conditions={"x": 1}, actions=[])

    def explode(rule, action, state):
        if action["tag"] == "boom":
            raise RuntimeError("boom")
        return real(rule, action, state)

    real = rules._ACTIONS["add_tag"]
    monkeypatch.setitem(rules._ACTIONS, "add_tag", explode)
    ticket = desk.ticket(team=crew["team"], body="Please keep me.")
    assert Message.objects.filter(ticket=ticket, body="Please keep me.").exists()
    assert list(ticket.tags.values_list("name", flat=True)) == ["fine"]
    assert [e.data["rule"] for e in fired(ticket)] == ["Fine"]


# --- auto-replies -----------------------------------------------------------------------------


@pytest.fixture
def canned(crew):
    return canned_services.create_response(
        by=crew["admin"],
        team=None,
        title="We got it",
        category="acknowledge",
        variants={
            "en": canned_services.VariantText(
                body="Hello {{ customer.first_name }}, we have your message (#{{ ticket.number }}) and will answer today."
            ),
            "es": canned_services.VariantText(
                body="Hola {{ customer.first_name }}, tenemos su mensaje (#{{ ticket.number }}) y le responderemos hoy."
            ),
        },
    )


def test_auto_reply_in_the_tickets_language_once_per_ticket(
    crew, desk, make_rule, only_my_rules, canned, django_capture_on_commit_callbacks
):
    make_rule(
        name="Acknowledge",
        trigger="customer_message",
        actions=[{"type": "auto_reply", "response": canned.pk}],
    )
    ticket = desk.ticket(
        team=crew["team"], language="es", customer=desk.customer(name="Lucía Gómez")
    )
    with django_capture_on_commit_callbacks(execute=False):
        inbound.record_incoming_message(ticket=ticket, body="¿Hay novedades?")
    inbound.record_incoming_message(ticket=ticket, body="¿Hola?")
    replies = Message.objects.filter(ticket=ticket, kind=MessageKind.OUTGOING)
    [reply] = replies
    assert reply.author_agent is None
    assert reply.body == f"Hola Lucía, tenemos su mensaje (#{ticket.pk}) y le responderemos hoy."
    assert reply.delivery_state == "queued"
    assert reply.metadata["auto_reply"]["response_id"] == canned.pk
    assert AutoReply.objects.filter(ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # a person has not answered yet
    [event] = fired(ticket)
    assert event.data["actions"] == ["auto-reply “We got it” sent"]


def test_auto_reply_with_unfilled_variables_is_skipped_with_a_note(
    crew, desk, make_rule, only_my_rules
):
    response = canned_services.create_response(
        by=crew["admin"],
        team=None,
        title="Signed",
        category="closing",
        variants={"en": canned_services.VariantText(body="Best, {{ agent.first_name }}")},
    )
    make_rule(actions=[{"type": "auto_reply", "response": response.pk}])
    ticket = desk.ticket(team=crew["team"])
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.OUTGOING).exists()
    [event] = fired(ticket)
    assert "{{ agent.first_name }}" in event.data["actions"][0]
    assert "skipped" in event.data["actions"][0]


def test_missing_default_rules_can_be_put_back(crew):
    Rule.objects.filter(name="Protect agents").delete()
    edited = Rule.objects.get(name="Dead end")
    edited.active = False
    edited.save()
    restored = services.install_default_rules()
    assert [rule.name for rule in restored] == ["Protect agents"]
    assert Rule.objects.get(name="Protect agents").actions[1] == {"type": "assign", "to": "lead"}
    assert not Rule.objects.get(name="Dead end").active  # a lead's choice is kept
    assert services.install_default_rules() == []
