"""The per-process rules cache: read once per transaction, never stale after a change.

Another process's change reaches this one only through the database, so these tests change
rules the way such a change looks from here: an ``UPDATE``, ``INSERT`` or ``DELETE`` with no
save signal in this process (``QuerySet.update``/``delete``, raw SQL), between two messages.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tactful.automation import rules, selectors, services
from tactful.automation.models import Rule, RuleFiring
from tactful.tickets import events
from tactful.tickets.models import EventKind

pytestmark = pytest.mark.django_db


def tags_of(ticket):
    return set(ticket.tags.values_list("name", flat=True))


def fired_names(ticket):
    return [e.data["rule"] for e in ticket.events.filter(kind=EventKind.RULE_FIRED).order_by("id")]


@pytest.fixture
def tagging_rule(make_rule, only_my_rules):
    return make_rule(
        name="Tag e-mail",
        conditions={"channel_in": ["email"]},
        actions=[{"type": "add_tag", "tag": "mail"}],
    )


def test_a_rule_switched_off_elsewhere_is_not_run_on_the_next_message(desk, tagging_rule):
    assert "mail" in tags_of(desk.ticket(channel="email"))  # the cache is warm now
    Rule.objects.filter(pk=tagging_rule.pk).update(active=False)  # no signal here
    assert "mail" not in tags_of(desk.ticket(channel="email"))
    Rule.objects.filter(pk=tagging_rule.pk).update(active=True)
    assert "mail" in tags_of(desk.ticket(channel="email"))


def test_a_condition_edited_elsewhere_to_the_same_length_is_seen(desk, tagging_rule):
    assert "mail" in tags_of(desk.ticket(channel="email"))
    # Same count, same ids, same updated_at, same JSON length: only the content moved.
    Rule.objects.filter(pk=tagging_rule.pk).update(conditions={"channel_in": ["chat!"]})
    assert "mail" not in tags_of(desk.ticket(channel="email"))


def test_rules_added_and_deleted_elsewhere_are_seen(desk, tagging_rule):
    assert "mail" in tags_of(desk.ticket(channel="email"))
    Rule.objects.bulk_create(  # bulk_create sends no save signal
        [
            Rule(
                name="Tag chat",
                order=2,
                trigger="ticket_created",
                conditions={"channel_in": ["chat"]},
                actions=[{"type": "add_tag", "tag": "chatty"}],
            )
        ]
    )
    assert "chatty" in tags_of(desk.ticket(channel="chat"))
    with connection.cursor() as cursor:  # its firings first (a foreign key)
        for table, column in ((RuleFiring._meta.db_table, "rule_id"), (Rule._meta.db_table, "id")):
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [tagging_rule.pk])
    assert "mail" not in tags_of(desk.ticket(channel="email"))


def test_a_new_order_is_seen_by_the_next_message(desk, crew, make_rule, only_my_rules):
    first = make_rule(
        name="First",
        order=1,
        stop_processing=True,
        actions=[{"type": "add_tag", "tag": "first"}],
    )
    make_rule(name="Second", order=2, actions=[{"type": "add_tag", "tag": "second"}])
    assert fired_names(desk.ticket()) == ["First"]
    services.move_rule(by=crew["admin"], rule=first, up=False)  # a bulk update, no signal
    assert fired_names(desk.ticket()) == ["Second", "First"]


def test_rules_are_read_once_per_transaction_while_they_stay_the_same(desk, tagging_rule):
    desk.ticket(channel="email")  # warm
    table = f"FROM {connection.ops.quote_name(Rule._meta.db_table)} "
    with CaptureQueriesContext(connection) as queries, events.atomic():
        tickets = [desk.ticket(channel="email") for _n in range(3)]
    reads = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
    # One fingerprint for the whole transaction; the rules themselves come from the cache.
    assert len(reads) == 1 and "COUNT(*)" in reads[0]
    assert all("mail" in tags_of(ticket) for ticket in tickets)


def test_a_rule_saved_in_the_same_transaction_is_run_in_it(desk, make_rule, only_my_rules):
    ticket = desk.ticket(channel="email")
    with events.atomic():
        assert rules.run_rules(ticket, trigger="ticket_created") == []  # memo: no rules
        make_rule(
            name="Late rule",
            conditions={"channel_in": ["email"]},
            actions=[{"type": "add_tag", "tag": "late"}],
        )
        assert len(rules.run_rules(ticket, trigger="ticket_created")) == 1
    assert "late" in tags_of(ticket)


def test_an_invalid_rule_is_skipped_and_the_others_still_run(desk, tagging_rule, caplog):
    Rule.objects.bulk_create(
        [
            Rule(
                name="Broken",
                order=0,
                trigger="ticket_created",
                conditions={"no_such_condition": 1},
                actions=[{"type": "add_tag", "tag": "x"}],
            )
        ]
    )
    ticket = desk.ticket(channel="email")
    assert tags_of(ticket) == {"mail"}
    assert "is invalid, skipped" in caplog.text


def test_cached_rules_are_those_of_the_ticket_team_and_shared_ones(desk, crew, make_rule):
    tag = [{"type": "add_tag", "tag": "x"}]
    mine = make_rule(name="Mine", team=crew["team"], actions=tag)
    theirs = make_rule(name="Theirs", team=crew["other"], actions=tag)
    shared = make_rule(name="Shared", actions=tag)
    names = {
        p.rule.name
        for p in selectors.cached_rules_for(trigger="ticket_created", team_id=crew["team"].pk)
    }
    assert {mine.name, shared.name} <= names and theirs.name not in names
    names = {
        p.rule.name for p in selectors.cached_rules_for(trigger="ticket_created", team_id=None)
    }
    assert shared.name in names and not names & {mine.name, theirs.name}
    # The same as the uncached read, in the same order.
    for team_id in (crew["team"].pk, crew["other"].pk, None):
        for trigger in ("ticket_created", "analysed", "customer_message"):
            cached = selectors.cached_rules_for(trigger=trigger, team_id=team_id)
            assert [p.rule.pk for p in cached] == [
                r.pk for r in selectors.rules_for(trigger=trigger, team_id=team_id)
            ]
