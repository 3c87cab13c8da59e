"""Changing automation: rules edited by leads and admins, the default rules, notifications.

Running rules is :mod:`tactful.automation.rules`; hand-over is
:mod:`tactful.automation.handover`; emotional load and load-aware assignment are
:mod:`tactful.automation.load`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.automation import selectors
from tactful.automation.defaults import DEFAULT_RULES
from tactful.automation.models import Notification, Rule, Trigger
from tactful.tickets import permissions
from tactful.tickets.services import check_text


def mark_read(*, agent: Agent, notification_id: int | None = None) -> int:
    """Mark one of the agent's notifications read (or all of them); returns how many."""
    pending = Notification.objects.filter(recipient=agent, read_at__isnull=True)
    if notification_id is not None:
        pending = pending.filter(pk=notification_id)
    return pending.update(read_at=timezone.now())


# --- editing rules ----------------------------------------------------------------------------


def _check_can_edit(by: Agent, rule: Rule | None, team: Team | None) -> None:
    if not selectors.can_edit_rule(by, rule):
        raise PermissionDenied(_("Only team leads and admins can change automation rules."))
    if team is not None and not by.is_admin and team.pk not in permissions.team_ids(by):
        raise PermissionDenied(_("Leads can only scope rules to their own teams."))


@transaction.atomic
def save_rule(
    *,
    by: Agent,
    rule: Rule | None = None,
    name: str,
    trigger: str,
    conditions: Any,
    actions: Any,
    team: Team | None = None,
    active: bool = True,
    stop_processing: bool = False,
) -> Rule:
    """Create or change a rule (leads and admins); conditions and actions are checked first."""
    _check_can_edit(by, rule, team)
    name = (name or "").strip()
    check_text(name, field=_("Name"), max_chars=100)
    if trigger not in Trigger.values:
        raise ValidationError(_("Unknown trigger."))
    if rule is None:
        last = Rule.objects.order_by("-order").values_list("order", flat=True).first()
        rule = Rule(created_by=by, order=(last or 0) + 10)
    rule.name = name
    rule.trigger = trigger
    rule.conditions = conditions
    rule.actions = actions
    rule.team = team
    rule.active = active
    rule.stop_processing = stop_processing
    rule.full_clean()
    rule.save()
    return rule


def set_rule_active(*, by: Agent, rule: Rule, active: bool) -> Rule:
    _check_can_edit(by, rule, None)
    if rule.active != active:
        rule.active = active
        rule.save(update_fields=["active", "updated_at"])
    return rule


@transaction.atomic
def move_rule(*, by: Agent, rule: Rule, up: bool) -> Rule:
    """Swap the rule with its neighbour in run order (renumbering all by tens first)."""
    _check_can_edit(by, rule, None)
    rules = list(Rule.objects.select_for_update().order_by("order", "id"))
    for index, item in enumerate(rules):
        item.order = (index + 1) * 10
    position = next(i for i, item in enumerate(rules) if item.pk == rule.pk)
    other = position - 1 if up else position + 1
    if 0 <= other < len(rules):
        rules[position].order, rules[other].order = rules[other].order, rules[position].order
    Rule.objects.bulk_update(rules, ["order"])
    selectors.rules_changed()  # no save signal for a bulk update
    rule.order = rules[position].order
    return rule


@transaction.atomic
def delete_rule(*, by: Agent, rule: Rule) -> None:
    _check_can_edit(by, rule, None)
    rule.delete()


def install_default_rules() -> list[Rule]:
    """Create any missing shipped default rule (shared, by name); returns those created.

    The data migration installs them on a new database; this puts them back after a flush
    (test databases, ``flush``) or after a lead deleted one by mistake.
    """
    created = []
    existing = set(Rule.objects.filter(team__isnull=True).values_list("name", flat=True))
    for spec in DEFAULT_RULES:
        if spec["name"] not in existing:
            rule = Rule(active=True, **spec)
            rule.full_clean()
            rule.save()
            created.append(rule)
    return created
