"""Automation rules in words: what each rule looks at and what it does, in the reader's
language (for the rules page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.automation.models import Rule
from tactful.automation.selectors import can_edit_rule, visible_rules
from tactful.canned.models import CannedResponse
from tactful.customers.models import Channel, Language
from tactful.sla.models import Target
from tactful.tickets.models import Priority, Status
from tactful.tickets.presenters import emotion_label


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A rule on the list page: its parts in words, and whether the viewer may change it."""

    rule: Rule
    conditions: tuple[str, ...]
    actions: tuple[str, ...]
    editable: bool


def _names(model: Any, ids: set[int], field: str) -> dict[int, str]:
    if not ids:
        return {}
    return {
        pk: str(value) for pk, value in model.objects.filter(pk__in=ids).values_list("pk", field)
    }


def rule_rows(agent: Agent) -> list[RuleRow]:
    """Every rule in run order, described in the viewer's language (four queries in all)."""
    rules = list(visible_rules(agent))
    team_ids: set[int] = set()
    agent_ids: set[int] = set()
    response_ids: set[int] = set()
    for rule in rules:
        conditions = rule.conditions if isinstance(rule.conditions, dict) else {}
        if isinstance(conditions.get("team"), int):
            team_ids.add(conditions["team"])
        for action in rule.actions if isinstance(rule.actions, list) else []:
            if not isinstance(action, dict):
                continue
            if action.get("type") == "move_to_team" and isinstance(action.get("team"), int):
                team_ids.add(action["team"])
            if action.get("type") == "assign" and isinstance(action.get("agent"), int):
                agent_ids.add(action["agent"])
            if action.get("type") == "auto_reply" and isinstance(action.get("response"), int):
                response_ids.add(action["response"])
    teams = _names(Team, team_ids, "name")
    agents = (
        {
            pk: f"{first} {last}".strip() or username
            for pk, username, first, last in Agent.objects.filter(pk__in=agent_ids).values_list(
                "pk", "username", "first_name", "last_name"
            )
        }
        if agent_ids
        else {}
    )
    responses = _names(CannedResponse, response_ids, "title")
    channels, languages = dict(Channel.choices), dict(Language.choices)
    statuses, priorities = dict(Status.choices), dict(Priority.choices)
    targets = dict(Target.choices)
    unknown = _("(deleted)")

    def describe_conditions(c: dict[str, Any]) -> tuple[str, ...]:
        parts: list[str] = []
        if "channel_in" in c:
            parts.append(
                _("channel: %(v)s")
                % {"v": ", ".join(str(channels.get(x, x)) for x in c["channel_in"])}
            )
        if "language_in" in c:
            parts.append(
                _("language: %(v)s")
                % {"v": ", ".join(str(languages.get(x, x)) for x in c["language_in"])}
            )
        if "tags_any" in c:
            parts.append(_("any tag of: %(v)s") % {"v": ", ".join(c["tags_any"])})
        if "tags_all" in c:
            parts.append(_("all tags: %(v)s") % {"v": ", ".join(c["tags_all"])})
        if "team" in c:
            parts.append(_("team: %(v)s") % {"v": teams.get(c["team"], unknown)})
        if "emotion_in" in c:
            text = ", ".join(str(emotion_label(x)) for x in c["emotion_in"])
            if "emotion_min_intensity" in c:
                text += " ≥ " + number_format(c["emotion_min_intensity"], 2)
            parts.append(_("emotion: %(v)s") % {"v": text})
        if "min_intensity" in c:
            parts.append(_("intensity ≥ %(v)s") % {"v": number_format(c["min_intensity"], 2)})
        labels = {
            "hostile": (_("abusive or threatening"), _("not abusive or threatening")),
            "abuse": (_("abusive"), _("not abusive")),
            "threat": (_("threatening"), _("not threatening")),
            "company_fault": (_("company may be at fault"), _("not the company's fault")),
            "dead_end": (_("dead end"), _("not a dead end")),
            "csat_comment": (_("answer with a comment"), _("answer without a comment")),
        }
        for key, (yes, no) in labels.items():
            if key in c:
                parts.append(str(yes if c[key] else no))
        if "min_priority" in c:
            parts.append(_("priority ≥ %(v)s") % {"v": priorities.get(c["min_priority"], "?")})
        if "status_in" in c:
            parts.append(
                _("status: %(v)s")
                % {"v": ", ".join(str(statuses.get(x, x)) for x in c["status_in"])}
            )
        if "csat_in" in c:
            names = {"good": _("good"), "neutral": _("neutral"), "bad": _("bad")}
            parts.append(
                _("satisfaction: %(v)s")
                % {"v": ", ".join(str(names.get(x, x)) for x in c["csat_in"])}
            )
        if "sla_target_in" in c:
            parts.append(
                _("SLA target: %(v)s")
                % {"v": ", ".join(str(targets.get(x, x)) for x in c["sla_target_in"])}
            )
        if "sla_within_minutes" in c:
            parts.append(_("breaches within %(n)d minutes") % {"n": c["sla_within_minutes"]})
        return tuple(parts) or (str(_("always")),)

    def describe_action(a: dict[str, Any]) -> str:
        kind = a.get("type")
        if kind == "set_priority":
            label = priorities.get(a.get("priority"), "?")
            if a.get("raise_only"):
                return str(_("raise priority to %(v)s") % {"v": label})
            return str(_("set priority %(v)s") % {"v": label})
        if kind == "move_to_team":
            return str(_("move to %(v)s") % {"v": teams.get(a.get("team"), unknown)})
        if kind == "assign":
            if a.get("to") == "lead":
                return str(_("assign to a lead or senior"))
            if a.get("to") == "load_aware":
                return str(_("assign by emotional load"))
            return str(_("assign to %(v)s") % {"v": agents.get(a.get("agent"), unknown)})
        if kind == "add_tag":
            return str(_("tag %(v)s") % {"v": a.get("tag", "")})
        if kind == "notify_leads":
            return str(_("notify leads"))
        if kind == "reopen":
            return str(_("reopen the ticket"))
        if kind == "auto_reply":
            return str(_("auto-reply “%(v)s”") % {"v": responses.get(a.get("response"), unknown)})
        return str(_("unknown action"))

    rows = []
    for rule in rules:
        conditions = rule.conditions if isinstance(rule.conditions, dict) else {}
        actions = [
            a
            for a in (rule.actions if isinstance(rule.actions, list) else [])
            if isinstance(a, dict)
        ]
        rows.append(
            RuleRow(
                rule=rule,
                conditions=describe_conditions(conditions),
                actions=tuple(describe_action(a) for a in actions),
                editable=can_edit_rule(agent, rule),
            )
        )
    return rows
