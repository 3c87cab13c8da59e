"""The pure rules engine: schema validation, every condition and action, combinations, choice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tactful.automation import engine
from tactful.automation.engine import MemberLoad, RuleSchemaError, TicketFacts

BASE = TicketFacts(
    channel="email",
    language="es",
    tags=frozenset({"billing", "vip"}),
    team_id=3,
    priority=2,
    status="open",
    emotion="anger",
    intensity=0.8,
    abuse=False,
    threat=False,
    company_fault=True,
    assignee_id=7,
)


def facts(**changes: object) -> TicketFacts:
    return replace(BASE, **changes)


def test_engine_values_match_the_desk():
    from tactful.coach import EMOTIONS
    from tactful.customers.models import Channel, Language
    from tactful.tickets.models import Priority, Status

    assert set(engine.CHANNELS) == set(Channel.values)
    assert set(engine.LANGUAGES) == set(Language.values)
    assert set(engine.STATUSES) == set(Status.values)
    assert set(engine.PRIORITIES) == set(Priority.values)
    assert engine.EMOTIONS == EMOTIONS


# --- validation -------------------------------------------------------------------------------


def test_valid_conditions_are_normalised():
    clean = engine.validate_conditions(
        {
            "channel_in": ["email", "chat", "email"],
            "tags_any": [" VIP ", "vip", "Billing"],
            "emotion_in": ["anger"],
            "emotion_min_intensity": 0.7,
            "min_intensity": 1,
            "hostile": True,
            "min_priority": 3,
            "team": 4,
            "status_in": ["new"],
        }
    )
    assert clean["channel_in"] == ["email", "chat"]
    assert clean["tags_any"] == ["vip", "billing"]
    assert clean["min_intensity"] == 1.0
    assert engine.validate_conditions(None) == {}
    assert engine.validate_conditions({}) == {}


@pytest.mark.parametrize(
    ("conditions", "fragment"),
    [
        ([], "must be an object"),
        ("abuse", "must be an object"),
        ({"weather": ["rain"]}, "Unknown condition"),
        ({"channel_in": "email"}, "non-empty list"),
        ({"channel_in": []}, "non-empty list"),
        ({"channel_in": ["pigeon"]}, "unknown value"),
        ({"language_in": ["fr"]}, "unknown value"),
        ({"emotion_in": ["rage"]}, "unknown value"),
        ({"status_in": [1]}, "unknown value"),
        ({"tags_any": ["<script>"]}, "invalid tag"),
        ({"tags_all": [None]}, "invalid tag"),
        ({"tags_any": ["x" * 51]}, "invalid tag"),
        ({"tags_any": ["t"] * 21}, "too many"),
        ({"abuse": "yes"}, "true or false"),
        ({"dead_end": 1}, "true or false"),
        ({"min_intensity": 1.5}, "from 0 to 1"),
        ({"min_intensity": True}, "from 0 to 1"),
        ({"min_intensity": float("nan")}, "from 0 to 1"),
        ({"min_intensity": "0.5"}, "from 0 to 1"),
        ({"emotion_min_intensity": 0.5}, "needs emotion_in"),
        ({"team": "3"}, "team id"),
        ({"team": 0}, "team id"),
        ({"team": True}, "team id"),
        ({"min_priority": 9}, "1 (low) to 4"),
        ({"tags_any": ["a" * 20] * 20, "x": "y" * 20_000}, "too large"),
    ],
)
def test_bad_conditions_are_refused_clearly(conditions, fragment):
    with pytest.raises(RuleSchemaError) as error:
        engine.validate_conditions(conditions)
    assert any(fragment in problem for problem in error.value.problems), error.value.problems


def test_every_problem_is_listed_at_once():
    with pytest.raises(RuleSchemaError) as error:
        engine.validate_conditions({"abuse": "yes", "channel_in": ["pigeon"], "nope": 1})
    assert len(error.value.problems) == 3


def test_valid_actions_are_normalised():
    clean = engine.validate_actions(
        [
            {"type": "set_priority", "priority": 3},
            {"type": "move_to_team", "team": 2},
            {"type": "assign", "to": "lead"},
            {"type": "add_tag", "tag": " Escalation "},
            {"type": "notify_leads", "text": "  look  "},
            {"type": "auto_reply", "response": 5},
        ]
    )
    assert clean[0] == {"type": "set_priority", "priority": 3, "raise_only": False}
    assert clean[3] == {"type": "add_tag", "tag": "escalation"}
    assert clean[4]["text"] == "look"
    assert engine.validate_actions([{"type": "assign", "to": "agent", "agent": 9}])[0]["agent"] == 9


@pytest.mark.parametrize(
    ("actions", "fragment"),
    [
        ({}, "must be a list"),
        ([], "at least one action"),
        (["set_priority"], "object with a type"),
        ([{"type": "launch_rockets"}], "unknown type"),
        ([{"priority": 3}], "unknown type"),
        ([{"type": "set_priority", "priority": 7}], "priority must be 1 to 4"),
        ([{"type": "set_priority", "priority": "3"}], "priority must be 1 to 4"),
        ([{"type": "set_priority", "priority": 3, "raise_only": "yes"}], "raise_only"),
        ([{"type": "set_priority", "priority": 3, "colour": "red"}], "unknown field"),
        ([{"type": "move_to_team"}], "choose a team"),
        ([{"type": "assign", "to": "boss"}], "assign to an agent"),
        ([{"type": "assign", "to": "agent"}], "choose the agent"),
        ([{"type": "assign", "to": "lead", "agent": 3}], "only given with"),
        ([{"type": "add_tag", "tag": "<b>"}], "invalid tag"),
        ([{"type": "notify_leads", "text": "x" * 301}], "at most 300"),
        ([{"type": "notify_leads", "text": 5}], "at most 300"),
        ([{"type": "auto_reply", "response": -1}], "canned response"),
        ([{"type": "assign", "to": "lead"}, {"type": "assign", "to": "load_aware"}], "Only one"),
        ([{"type": "add_tag", "tag": f"t{i}"} for i in range(6)], "At most 5 tags"),
        ([{"type": "add_tag", "tag": "t"}] * 11, "Too many actions"),
    ],
)
def test_bad_actions_are_refused_clearly(actions, fragment):
    with pytest.raises(RuleSchemaError) as error:
        engine.validate_actions(actions)
    assert any(fragment in problem for problem in error.value.problems), error.value.problems


# --- every condition --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "holds", "fails"),
    [
        ({"channel_in": ["email", "chat"]}, facts(), facts(channel="phone")),
        ({"language_in": ["es"]}, facts(), facts(language="ru")),
        ({"tags_any": ["vip", "nope"]}, facts(), facts(tags=frozenset({"other"}))),
        ({"tags_all": ["vip", "billing"]}, facts(), facts(tags=frozenset({"vip"}))),
        ({"team": 3}, facts(), facts(team_id=None)),
        ({"status_in": ["open", "new"]}, facts(), facts(status="solved")),
        ({"min_priority": 2}, facts(), facts(priority=1)),
        ({"emotion_in": ["anger", "frustration"]}, facts(), facts(emotion="gratitude")),
        (
            {"emotion_in": ["anger"], "emotion_min_intensity": 0.7},
            facts(intensity=0.7),
            facts(intensity=0.69),
        ),
        ({"min_intensity": 0.5}, facts(), facts(intensity=None)),
        ({"min_intensity": 0.5}, facts(intensity=0.5), facts(intensity=0.2)),
        ({"abuse": True}, facts(abuse=True), facts()),
        ({"abuse": False}, facts(), facts(abuse=True)),
        ({"threat": True}, facts(threat=True), facts()),
        ({"hostile": True}, facts(threat=True), facts()),
        ({"hostile": True}, facts(abuse=True), facts()),
        ({"hostile": False}, facts(), facts(abuse=True, threat=True)),
        ({"company_fault": True}, facts(), facts(company_fault=False)),
        ({"dead_end": True}, facts(dead_end=lambda: True), facts()),
        ({"dead_end": False}, facts(), facts(dead_end=lambda: True)),
    ],
)
def test_each_condition(conditions, holds, fails):
    clean = engine.validate_conditions(conditions)
    assert engine.matches(clean, holds)
    assert not engine.matches(clean, fails)


def test_no_conditions_always_match():
    assert engine.matches({}, facts())


def test_conditions_combine_with_and():
    rule = engine.validate_conditions(
        {
            "emotion_in": ["anger", "frustration"],
            "emotion_min_intensity": 0.7,
            "company_fault": True,
            "language_in": ["es", "ru"],
        }
    )
    assert engine.matches(rule, facts())
    assert engine.matches(rule, facts(emotion="frustration", language="ru"))
    assert not engine.matches(rule, facts(company_fault=False))
    assert not engine.matches(rule, facts(language="en"))
    assert not engine.matches(rule, facts(intensity=0.4))


def test_dead_end_is_asked_last_and_only_when_needed():
    calls: list[int] = []

    def dead_end() -> bool:
        calls.append(1)
        return True

    rule = engine.validate_conditions({"channel_in": ["chat"], "dead_end": True})
    assert engine.needs_dead_end(rule)
    assert not engine.matches(rule, facts(dead_end=dead_end))  # channel fails first
    assert calls == []
    assert engine.matches(rule, facts(channel="chat", dead_end=dead_end))
    assert calls == [1]
    assert not engine.needs_dead_end({"abuse": True})


# --- every action -----------------------------------------------------------------------------


def test_action_needed_for_each_action():
    needed = engine.action_needed
    assert needed({"type": "set_priority", "priority": 3}, facts())
    assert not needed({"type": "set_priority", "priority": 2}, facts())
    assert needed({"type": "set_priority", "priority": 1}, facts())
    assert not needed(
        {"type": "set_priority", "priority": 3, "raise_only": True}, facts(priority=4)
    )
    assert needed({"type": "set_priority", "priority": 3, "raise_only": True}, facts(priority=2))
    assert needed({"type": "move_to_team", "team": 4}, facts())
    assert not needed({"type": "move_to_team", "team": 3}, facts())
    assert needed({"type": "add_tag", "tag": "escalation"}, facts())
    assert not needed({"type": "add_tag", "tag": "vip"}, facts())
    assert needed({"type": "assign", "to": "agent", "agent": 8}, facts())
    assert not needed({"type": "assign", "to": "agent", "agent": 7}, facts())
    assert needed({"type": "assign", "to": "lead"}, facts())
    assert not needed({"type": "assign", "to": "lead"}, facts(assignee_is_team_lead=True))
    assert needed({"type": "assign", "to": "load_aware"}, facts())
    assert needed({"type": "notify_leads", "text": ""}, facts())
    assert needed({"type": "auto_reply", "response": 1}, facts())


# --- weights and the load-aware choice --------------------------------------------------------


@pytest.mark.parametrize(
    ("signals", "weight"),
    [
        ({"abuse": True, "threat": False, "emotion": "neutral", "intensity": 0.1}, 3),
        ({"abuse": False, "threat": True, "emotion": "worry", "intensity": None}, 3),
        ({"abuse": False, "threat": False, "emotion": "anger", "intensity": 0.7}, 2),
        ({"abuse": False, "threat": False, "emotion": "frustration", "intensity": 0.95}, 2),
        ({"abuse": False, "threat": False, "emotion": "sadness", "intensity": 0.9}, 1),
        ({"abuse": False, "threat": False, "emotion": "anger", "intensity": 0.69}, 0),
        ({"abuse": False, "threat": False, "emotion": "", "intensity": None}, 0),
    ],
)
def test_conversation_weight(signals, weight):
    assert engine.conversation_weight(**signals) == weight


def test_round_robin_rank_wraps_after_the_last_assigned():
    assert engine.round_robin_rank([5, 2, 9], after_id=5) == {9: 0, 2: 1, 5: 2}
    assert engine.round_robin_rank([5, 2, 9], after_id=None) == {2: 0, 5: 1, 9: 2}
    assert engine.round_robin_rank([5, 2, 9], after_id=9) == {2: 0, 5: 1, 9: 2}


def test_heavy_ticket_goes_to_the_lowest_emotional_load():
    members = [MemberLoad(1, 9, 0), MemberLoad(2, 0, 6), MemberLoad(3, 4, 1)]
    assert engine.choose_member(members, heavy=True, after_id=None).agent_id == 2
    # A calm ticket ignores emotional load: fewest open tickets.
    assert engine.choose_member(members, heavy=False, after_id=None).agent_id == 1


def test_ties_go_to_fewest_open_then_round_robin_order():
    tied = [MemberLoad(1, 2, 3), MemberLoad(2, 2, 1), MemberLoad(3, 2, 1)]
    assert engine.choose_member(tied, heavy=True, after_id=None).agent_id == 2
    assert engine.choose_member(tied, heavy=True, after_id=2).agent_id == 3
    all_tied = [MemberLoad(1, 0, 0), MemberLoad(2, 0, 0), MemberLoad(3, 0, 0)]
    assert engine.choose_member(all_tied, heavy=False, after_id=1).agent_id == 2
    assert engine.choose_member(all_tied, heavy=False, after_id=3).agent_id == 1
    assert engine.choose_member([], heavy=True, after_id=None) is None


def test_is_heavy_follows_the_weight():
    assert engine.is_heavy(facts())  # anger 0.8
    assert not engine.is_heavy(facts(intensity=0.3))
    assert engine.is_heavy(facts(intensity=0.1, threat=True))
