"""The rules engine: the condition/action schema, matching, and load-aware choice — pure functions.

Nothing here touches the database. ``services`` builds :class:`TicketFacts` from a ticket,
asks this module whether a rule matches and which actions still have something to do, and
then acts. Keeping the judgement pure lets every condition, action and combination be tested
without a ticket.

Conditions are a JSON object; every key present must hold (AND)::

    {"channel_in": ["email", "chat"], "language_in": ["es"],
     "tags_any": ["vip"], "tags_all": ["billing", "refund"], "team": 3,
     "emotion_in": ["anger", "frustration"], "emotion_min_intensity": 0.7,
     "min_intensity": 0.5, "abuse": true, "threat": false, "hostile": true,
     "company_fault": true, "dead_end": true, "min_priority": 3, "status_in": ["new", "open"],
     "csat_in": ["bad"], "csat_comment": true,
     "sla_target_in": ["first_response"], "sla_within_minutes": 30}

``csat_in`` and ``csat_comment`` look at the satisfaction answer that started the run (the
trigger *survey answered*): its good / neutral / bad reading, and whether it came with a
comment.

``sla_target_in`` and ``sla_within_minutes`` look at the SLA target an ``sla_warning`` or
``sla_breached`` trigger is about: which target, and (warnings) whether it breaches within N
minutes.

``hostile`` means abuse *or* threat (the two booleans ``abuse`` and ``threat`` test each one,
and ``false`` asks for its absence). Actions are a JSON list, run in order::

    [{"type": "set_priority", "priority": 3, "raise_only": true},  # never lowers
     {"type": "move_to_team", "team": 2},
     {"type": "assign", "to": "agent", "agent": 7},   # or "to": "lead" / "load_aware"
     {"type": "add_tag", "tag": "escalation"},
     {"type": "notify_leads", "text": "Abusive customer"},
     {"type": "auto_reply", "response": 12},
     {"type": "reopen"}]                              # a solved or closed ticket opens again
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# The values the desk uses (customers.Channel, customers.Language, tickets.Status/Priority,
# coach.EMOTIONS); repeated here so the engine stays pure. A test keeps them in step.
CHANNELS: tuple[str, ...] = ("email", "chat", "web", "api", "social", "forum", "phone", "video")
LANGUAGES: tuple[str, ...] = ("en", "es", "ru", "und")
STATUSES: tuple[str, ...] = ("new", "open", "pending", "solved", "closed")
PRIORITIES: tuple[int, ...] = (1, 2, 3, 4)
SLA_TARGETS: tuple[str, ...] = ("first_response", "next_response", "resolution")
#: The longest "breach within N minutes" a rule may ask for: a week.
MAX_SLA_MINUTES = 7 * 24 * 60
EMOTIONS: tuple[str, ...] = (
    "anger",
    "frustration",
    "sadness",
    "worry",
    "confusion",
    "gratitude",
    "neutral",
)

#: Intensity from which a conversation counts as "high-intensity" (emotional load, load-aware).
HIGH_INTENSITY = 0.7
#: Emotions that make a high-intensity conversation *heated* rather than merely intense.
HEATED_EMOTIONS: tuple[str, ...] = ("anger", "frustration")
#: Emotional-load weights: abuse or threat, heated and intense, otherwise intense.
WEIGHT_HOSTILE = 3
WEIGHT_HEATED = 2
WEIGHT_INTENSE = 1

ASSIGN_TARGETS: tuple[str, ...] = ("agent", "lead", "load_aware")
ACTION_TYPES: tuple[str, ...] = (
    "set_priority",
    "move_to_team",
    "assign",
    "add_tag",
    "notify_leads",
    "auto_reply",
    "reopen",
)
#: A satisfaction answer's reading (tactful.satisfaction).
CSAT_SENTIMENTS: tuple[str, ...] = ("good", "neutral", "bad")

MAX_JSON_CHARS = 10_000
MAX_LIST_ITEMS = 20
MAX_ACTIONS = 10
MAX_TAGS_PER_RULE = 5
MAX_TAG_CHARS = 50
MAX_NOTE_CHARS = 300
_TAG_RE = re.compile(r"^[\w][\w\-.:/ ]*$", re.UNICODE)

_LIST_CONDITIONS: dict[str, tuple[str, ...] | None] = {
    "channel_in": CHANNELS,
    "language_in": LANGUAGES,
    "emotion_in": EMOTIONS,
    "status_in": STATUSES,
    "tags_any": None,  # free tag names
    "tags_all": None,
    "csat_in": CSAT_SENTIMENTS,
    "sla_target_in": SLA_TARGETS,
}
_BOOL_CONDITIONS = ("abuse", "threat", "hostile", "company_fault", "dead_end", "csat_comment")
_FRACTION_CONDITIONS = ("emotion_min_intensity", "min_intensity")
CONDITION_KEYS: tuple[str, ...] = (
    *_LIST_CONDITIONS,
    *_BOOL_CONDITIONS,
    *_FRACTION_CONDITIONS,
    "team",
    "min_priority",
    "sla_within_minutes",
)


class RuleSchemaError(ValueError):
    """Conditions or actions that do not fit the schema; ``problems`` lists each, readable."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems: tuple[str, ...] = tuple(problems)


def _never() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the rules may look at on a ticket, at the moment they run.

    ``dead_end`` is a function because reviewing the whole thread costs a coach run: it is
    called only when a rule asks, after every cheaper condition of that rule has held.
    """

    channel: str
    language: str
    tags: frozenset[str]
    team_id: int | None
    priority: int
    status: str
    emotion: str = ""
    intensity: float | None = None
    abuse: bool = False
    threat: bool = False
    company_fault: bool = False
    assignee_id: int | None = None
    #: Whether the assignee is a lead (or admin) of the ticket's team.
    assignee_is_team_lead: bool = False
    dead_end: Callable[[], bool] = field(default=_never, compare=False)
    #: The satisfaction answer that started the run: good / neutral / bad ("" for none).
    csat: str = ""
    csat_comment: bool = False
    #: The SLA target an ``sla_warning``/``sla_breached`` trigger is about, and the whole
    #: minutes left before its deadline (0 once breached); empty for other triggers.
    sla_target: str = ""
    sla_minutes_left: int | None = None


# --- validation -------------------------------------------------------------------------------


def _json_size(data: Any) -> int:
    try:
        return len(json.dumps(data, ensure_ascii=False))
    except (TypeError, ValueError):
        return MAX_JSON_CHARS + 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fraction(value: Any) -> float | None:
    """A number 0–1 (bools and NaN are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        return None
    return round(number, 4)


def normalize_tag(raw: Any) -> str | None:
    """A tag as tickets store it (NFC, trimmed, lower-case), or None when it is not valid."""
    if not isinstance(raw, str):
        return None
    name = unicodedata.normalize("NFC", raw).strip().lower()
    if not name or len(name) > MAX_TAG_CHARS or not _TAG_RE.match(name):
        return None
    return name


def _shown(value: Any) -> str:
    """A short, plain rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def validate_conditions(data: Any) -> dict[str, Any]:
    """Check conditions against the schema and return them normalised.

    Raises:
        RuleSchemaError: listing every problem (unknown key, wrong type, unknown value…).
    """
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RuleSchemaError([_("Conditions must be an object of named conditions.")])
    if _json_size(data) > MAX_JSON_CHARS:
        raise RuleSchemaError(
            [_("Conditions are too large (at most %(n)d characters).") % {"n": MAX_JSON_CHARS}]
        )
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key not in CONDITION_KEYS:
            problems.append(_("Unknown condition: %(key)s.") % {"key": _shown(key)})
        elif key in _LIST_CONDITIONS:
            allowed = _LIST_CONDITIONS[key]
            if not isinstance(value, list) or not value:
                problems.append(_("%(key)s must be a non-empty list.") % {"key": key})
                continue
            if len(value) > MAX_LIST_ITEMS:
                problems.append(
                    _("%(key)s has too many values (at most %(n)d).")
                    % {"key": key, "n": MAX_LIST_ITEMS}
                )
                continue
            items: list[str] = []
            for item in value:
                normal = normalize_tag(item) if allowed is None else item
                if allowed is not None and (not isinstance(item, str) or item not in allowed):
                    problems.append(
                        _("%(key)s: unknown value %(value)s.") % {"key": key, "value": _shown(item)}
                    )
                elif normal is None:
                    problems.append(
                        _("%(key)s: invalid tag %(value)s.") % {"key": key, "value": _shown(item)}
                    )
                elif normal not in items:
                    items.append(normal)
            clean[key] = items
        elif key in _BOOL_CONDITIONS:
            if not isinstance(value, bool):
                problems.append(_("%(key)s must be true or false.") % {"key": key})
            else:
                clean[key] = value
        elif key in _FRACTION_CONDITIONS:
            number = _fraction(value)
            if number is None:
                problems.append(_("%(key)s must be a number from 0 to 1.") % {"key": key})
            else:
                clean[key] = number
        elif key == "team":
            if not _is_int(value) or value < 1:
                problems.append(_("team must be a team id."))
            else:
                clean[key] = value
        elif key == "min_priority":
            if not _is_int(value) or value not in PRIORITIES:
                problems.append(_("min_priority must be 1 (low) to 4 (urgent)."))
            else:
                clean[key] = value
        elif key == "sla_within_minutes":
            if not _is_int(value) or not 1 <= value <= MAX_SLA_MINUTES:
                problems.append(
                    _("sla_within_minutes must be whole minutes from 1 to %(n)d.")
                    % {"n": MAX_SLA_MINUTES}
                )
            else:
                clean[key] = value
    if "emotion_min_intensity" in clean and "emotion_in" not in clean:
        problems.append(_("emotion_min_intensity needs emotion_in (which emotions)."))
    if problems:
        raise RuleSchemaError(problems)
    return clean


def _validate_action(index: int, action: Any) -> tuple[dict[str, Any] | None, list[str]]:
    where = _("Action %(n)d") % {"n": index + 1}
    if not isinstance(action, dict):
        return None, [_("%(where)s must be an object with a type.") % {"where": where}]
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        return None, [
            _("%(where)s: unknown type %(type)s.") % {"where": where, "type": _shown(kind)}
        ]
    allowed_keys = {
        "set_priority": {"type", "priority", "raise_only"},
        "move_to_team": {"type", "team"},
        "assign": {"type", "to", "agent"},
        "add_tag": {"type", "tag"},
        "notify_leads": {"type", "text"},
        "auto_reply": {"type", "response"},
        "reopen": {"type"},
    }[kind]
    extra = sorted(str(key) for key in action if key not in allowed_keys)
    if extra:
        return None, [
            _("%(where)s: unknown field %(field)s.") % {"where": where, "field": _shown(extra[0])}
        ]
    if kind == "set_priority":
        priority = action.get("priority")
        if not _is_int(priority) or priority not in PRIORITIES:
            return None, [_("%(where)s: priority must be 1 to 4.") % {"where": where}]
        raise_only = action.get("raise_only", False)
        if not isinstance(raise_only, bool):
            return None, [_("%(where)s: raise_only must be true or false.") % {"where": where}]
        return {"type": kind, "priority": priority, "raise_only": raise_only}, []
    if kind == "move_to_team":
        team = action.get("team")
        if not _is_int(team) or team < 1:
            return None, [_("%(where)s: choose a team.") % {"where": where}]
        return {"type": kind, "team": team}, []
    if kind == "assign":
        to = action.get("to")
        if to not in ASSIGN_TARGETS:
            return None, [
                _("%(where)s: assign to an agent, a lead or by emotional load.") % {"where": where}
            ]
        if to == "agent":
            agent = action.get("agent")
            if not _is_int(agent) or agent < 1:
                return None, [_("%(where)s: choose the agent.") % {"where": where}]
            return {"type": kind, "to": to, "agent": agent}, []
        if "agent" in action:
            return None, [
                _("%(where)s: an agent is only given with “assign to an agent”.") % {"where": where}
            ]
        return {"type": kind, "to": to}, []
    if kind == "add_tag":
        tag = normalize_tag(action.get("tag"))
        if tag is None:
            return None, [_("%(where)s: invalid tag.") % {"where": where}]
        return {"type": kind, "tag": tag}, []
    if kind == "notify_leads":
        text = action.get("text", "")
        if not isinstance(text, str) or len(text) > MAX_NOTE_CHARS or "\x00" in text:
            return None, [
                _("%(where)s: the notification text must be text of at most %(n)d characters.")
                % {"where": where, "n": MAX_NOTE_CHARS}
            ]
        return {"type": kind, "text": text.strip()}, []
    if kind == "reopen":
        return {"type": kind}, []
    response = action.get("response")
    if not _is_int(response) or response < 1:
        return None, [_("%(where)s: choose the canned response.") % {"where": where}]
    return {"type": kind, "response": response}, []


def validate_actions(data: Any) -> list[dict[str, Any]]:
    """Check actions against the schema and return them normalised.

    Raises:
        RuleSchemaError: listing every problem.
    """
    if not isinstance(data, list):
        raise RuleSchemaError([_("Actions must be a list.")])
    if not data:
        raise RuleSchemaError([_("A rule needs at least one action.")])
    if len(data) > MAX_ACTIONS or _json_size(data) > MAX_JSON_CHARS:
        raise RuleSchemaError([_("Too many actions (at most %(n)d).") % {"n": MAX_ACTIONS}])
    problems: list[str] = []
    clean: list[dict[str, Any]] = []
    for index, action in enumerate(data):
        normal, found = _validate_action(index, action)
        problems.extend(found)
        if normal is not None:
            clean.append(normal)
    counts: dict[str, int] = {}
    for action in clean:
        counts[action["type"]] = counts.get(action["type"], 0) + 1
    for kind, count in counts.items():
        if kind == "add_tag" and count > MAX_TAGS_PER_RULE:
            problems.append(
                _("At most %(n)d tags per rule.") % {"n": MAX_TAGS_PER_RULE},
            )
        elif kind != "add_tag" and count > 1:
            problems.append(_("Only one %(type)s action per rule.") % {"type": kind})
    if problems:
        raise RuleSchemaError(problems)
    return clean


# --- matching ---------------------------------------------------------------------------------


def needs_dead_end(conditions: dict[str, Any]) -> bool:
    return "dead_end" in conditions


def matches(conditions: dict[str, Any], facts: TicketFacts) -> bool:
    """Whether every condition holds for ``facts`` (no conditions: always).

    The dead-end check runs last and only when everything else held.
    """
    c = conditions
    if "channel_in" in c and facts.channel not in c["channel_in"]:
        return False
    if "language_in" in c and facts.language not in c["language_in"]:
        return False
    if "tags_any" in c and not facts.tags.intersection(c["tags_any"]):
        return False
    if "tags_all" in c and not facts.tags.issuperset(c["tags_all"]):
        return False
    if "team" in c and facts.team_id != c["team"]:
        return False
    if "status_in" in c and facts.status not in c["status_in"]:
        return False
    if "csat_in" in c and facts.csat not in c["csat_in"]:
        return False
    if "min_priority" in c and facts.priority < c["min_priority"]:
        return False
    if "sla_target_in" in c and facts.sla_target not in c["sla_target_in"]:
        return False
    if "sla_within_minutes" in c and (
        facts.sla_minutes_left is None or facts.sla_minutes_left > c["sla_within_minutes"]
    ):
        return False
    intensity = facts.intensity if facts.intensity is not None else 0.0
    if "emotion_in" in c:
        if facts.emotion not in c["emotion_in"]:
            return False
        if intensity < c.get("emotion_min_intensity", 0.0):
            return False
    if "min_intensity" in c and (facts.intensity is None or intensity < c["min_intensity"]):
        return False
    for flag in ("abuse", "threat", "company_fault", "csat_comment"):
        if flag in c and bool(getattr(facts, flag)) != c[flag]:
            return False
    if "hostile" in c and (facts.abuse or facts.threat) != c["hostile"]:
        return False
    return not ("dead_end" in c and bool(facts.dead_end()) != c["dead_end"])


#: Condition keys that look at the ticket's tags (the only facts that cost a query to read).
TAG_CONDITIONS: tuple[str, ...] = ("tags_any", "tags_all")


def reads_tags(conditions: dict[str, Any]) -> bool:
    """Whether :func:`matches` looks at ``facts.tags`` for these conditions."""
    return any(key in conditions for key in TAG_CONDITIONS)


def action_needed(action: dict[str, Any], facts: TicketFacts) -> bool:
    """Whether ``action`` would change anything on a ticket in the state ``facts``.

    Notifications and auto-replies always count (their services keep them to once); a
    load-aware pick is decided by the services, which know the loads.
    """
    kind = action["type"]
    if kind == "set_priority":
        if action.get("raise_only"):
            return facts.priority < action["priority"]
        return bool(facts.priority != action["priority"])
    if kind == "move_to_team":
        return bool(facts.team_id != action["team"])
    if kind == "add_tag":
        return action["tag"] not in facts.tags
    if kind == "reopen":
        return facts.status in {"solved", "closed"}
    if kind == "assign":
        if action["to"] == "agent":
            return bool(facts.assignee_id != action["agent"])
        if action["to"] == "lead":
            return not facts.assignee_is_team_lead
        return True
    return True


# --- emotional load and load-aware choice -----------------------------------------------------


def conversation_weight(*, abuse: bool, threat: bool, emotion: str, intensity: float | None) -> int:
    """How heavy a conversation is to handle: 3 abuse/threat, 2 heated and intense, 1 intense."""
    if abuse or threat:
        return WEIGHT_HOSTILE
    if intensity is not None and intensity >= HIGH_INTENSITY:
        return WEIGHT_HEATED if emotion in HEATED_EMOTIONS else WEIGHT_INTENSE
    return 0


def is_heavy(facts: TicketFacts) -> bool:
    """A hostile or high-intensity ticket: load-aware teams spread these by emotional load."""
    return (
        conversation_weight(
            abuse=facts.abuse, threat=facts.threat, emotion=facts.emotion, intensity=facts.intensity
        )
        > 0
    )


@dataclass(frozen=True, slots=True)
class MemberLoad:
    """One available team member as the load-aware choice sees them."""

    agent_id: int
    emotional_load: int
    open_tickets: int


def round_robin_rank(agent_ids: Sequence[int], *, after_id: int | None) -> dict[int, int]:
    """Each member's place in the round-robin turn: ids after ``after_id`` first, then wrap."""
    ordered = sorted(agent_ids)
    start = next((i for i, pk in enumerate(ordered) if after_id is not None and pk > after_id), 0)
    turn = ordered[start:] + ordered[:start]
    return {pk: place for place, pk in enumerate(turn)}


def choose_member(
    members: Sequence[MemberLoad], *, heavy: bool, after_id: int | None
) -> MemberLoad | None:
    """The member a load-aware team gives the next ticket to.

    A heavy (hostile or high-intensity) ticket goes to the lowest emotional load; ties go to
    the fewest open tickets, then to round-robin order. Any other ticket goes to the fewest
    open tickets, then round-robin order.
    """
    if not members:
        return None
    rank = round_robin_rank([m.agent_id for m in members], after_id=after_id)
    if heavy:
        return min(members, key=lambda m: (m.emotional_load, m.open_tickets, rank[m.agent_id]))
    return min(members, key=lambda m: (m.open_tickets, rank[m.agent_id]))
