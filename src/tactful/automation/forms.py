"""Forms for rules (fields, not raw JSON) and the hand-over; they build the engine's JSON."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Agent, Team
from tactful.automation import engine
from tactful.automation.models import Rule, Trigger
from tactful.canned.models import CannedResponse
from tactful.coach import EMOTIONS
from tactful.customers.models import Channel, Language
from tactful.sla.models import Target
from tactful.tickets.models import Priority, Status

_EMOTION_LABELS = {
    "anger": _("Anger"),
    "frustration": _("Frustration"),
    "sadness": _("Sadness"),
    "worry": _("Worry"),
    "confusion": _("Confusion"),
    "gratitude": _("Gratitude"),
    "neutral": _("Neutral"),
}
EMOTION_CHOICES = [(name, _EMOTION_LABELS[name]) for name in EMOTIONS]
YES_NO_ANY = [("", _("Either")), ("yes", _("Yes")), ("no", _("No"))]
CSAT_CHOICES = [("good", _("Good")), ("neutral", _("Neutral")), ("bad", _("Bad"))]
ASSIGN_CHOICES = [
    ("", _("Do not change")),
    ("lead", _("A lead or senior of the ticket's team (lowest emotional load)")),
    ("load_aware", _("The team member with the lowest emotional load")),
    ("agent", _("This agent:")),
]
MAX_TAG_FIELD_CHARS = 600


def _tags(value: str, *, field: str) -> list[str]:
    names: list[str] = []
    for raw in value.split(","):
        if not raw.strip():
            continue
        name = engine.normalize_tag(raw)
        if name is None:
            raise forms.ValidationError(
                _("%(field)s: invalid tag “%(tag)s”.") % {"field": field, "tag": raw.strip()[:60]}
            )
        if name not in names:
            names.append(name)
    return names


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _canned_choices(team_id: int | None = None) -> list[tuple[str, str]]:
    """Active canned responses usable by rules."""
    responses = CannedResponse.objects.filter(active=True).order_by("category", "title", "id")
    categories = dict(CannedResponse._meta.get_field("category").choices or ())
    return [("", _("No auto-reply"))] + [
        (str(pk), f"{title} ({categories.get(category, category)})")
        for pk, title, category in responses.values_list("pk", "title", "category")[:500]
    ]


class RuleForm(forms.Form):
    """A rule as a lead sees it: what to look at, what to do. ``rule_data()`` gives the JSON."""

    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    team = forms.ModelChoiceField(
        label=_("Applies to"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Every team"),
    )
    stop_processing = forms.BooleanField(
        label=_("Stop here: later rules are skipped when this one fires"), required=False
    )

    # conditions
    channels = forms.MultipleChoiceField(
        label=_("Channel is one of"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Language is one of"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags_any = forms.CharField(
        label=_("Has any of these tags"), required=False, max_length=MAX_TAG_FIELD_CHARS
    )
    tags_all = forms.CharField(
        label=_("Has all of these tags"), required=False, max_length=MAX_TAG_FIELD_CHARS
    )
    condition_team = forms.ModelChoiceField(
        label=_("Ticket's team is"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Any team"),
    )
    emotions = forms.MultipleChoiceField(
        label=_("Customer's strongest emotion is one of"),
        choices=EMOTION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    emotion_min_intensity = forms.FloatField(
        label=_("…at an intensity of at least (0–1)"), required=False, min_value=0, max_value=1
    )
    min_intensity = forms.FloatField(
        label=_("Any emotion at an intensity of at least (0–1)"),
        required=False,
        min_value=0,
        max_value=1,
    )
    hostile = forms.ChoiceField(
        label=_("Abusive or threatening"), choices=YES_NO_ANY, required=False
    )
    abuse = forms.ChoiceField(label=_("Abusive"), choices=YES_NO_ANY, required=False)
    threat = forms.ChoiceField(label=_("Threatening"), choices=YES_NO_ANY, required=False)
    company_fault = forms.ChoiceField(
        label=_("The company may be at fault"), choices=YES_NO_ANY, required=False
    )
    dead_end = forms.ChoiceField(
        label=_("The conversation is a dead end"), choices=YES_NO_ANY, required=False
    )
    min_priority = forms.TypedChoiceField(
        label=_("Priority at least"),
        choices=[("", _("Any")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    statuses = forms.MultipleChoiceField(
        label=_("Status is one of"),
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    csat = forms.MultipleChoiceField(
        label=_("Satisfaction answer is (when the customer answers the survey)"),
        choices=CSAT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    csat_comment = forms.ChoiceField(
        label=_("The answer has a comment"), choices=YES_NO_ANY, required=False
    )
    sla_targets = forms.MultipleChoiceField(
        label=_("SLA target is one of (SLA triggers)"),
        choices=Target.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sla_within_minutes = forms.IntegerField(
        label=_("The SLA target will breach within (minutes)"),
        required=False,
        min_value=1,
        max_value=engine.MAX_SLA_MINUTES,
        help_text=_(
            "For “An SLA target will breach soon”: the rule fires this close to the deadline."
        ),
    )

    # actions
    set_priority = forms.TypedChoiceField(
        label=_("Set priority"),
        choices=[("", _("Do not change")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    raise_only = forms.BooleanField(label=_("Only raise it, never lower"), required=False)
    move_to_team = forms.ModelChoiceField(
        label=_("Move to team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Do not move"),
    )
    assign = forms.ChoiceField(label=_("Assign to"), choices=ASSIGN_CHOICES, required=False)
    assign_agent = forms.ModelChoiceField(
        label=_("Agent"), queryset=Agent.objects.none(), required=False
    )
    add_tags = forms.CharField(
        label=_("Add tags (comma-separated)"), required=False, max_length=MAX_TAG_FIELD_CHARS
    )
    notify_leads = forms.BooleanField(label=_("Notify the team's leads"), required=False)
    notify_text = forms.CharField(
        label=_("Notification text (optional)"),
        required=False,
        max_length=engine.MAX_NOTE_CHARS,
    )
    auto_reply = forms.ChoiceField(
        label=_("Auto-reply with a canned response"), choices=[], required=False
    )
    reopen = forms.BooleanField(label=_("Reopen the ticket"), required=False)

    def __init__(self, *args: Any, teams: Any, agents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("team", "condition_team", "move_to_team"):
            self.fields[name].queryset = teams  # type: ignore[attr-defined]
        self.fields["assign_agent"].queryset = agents  # type: ignore[attr-defined]
        choices = _canned_choices()
        self.fields["auto_reply"].choices = choices or [("", _("No canned responses yet"))]  # type: ignore[attr-defined]
        self._rule_data: dict[str, Any] = {}

    # --- JSON out ----------------------------------------------------------------------------

    def _conditions(self, data: dict[str, Any]) -> dict[str, Any]:
        conditions: dict[str, Any] = {}
        if data.get("channels"):
            conditions["channel_in"] = list(data["channels"])
        if data.get("languages"):
            conditions["language_in"] = list(data["languages"])
        tags_any = _tags(data.get("tags_any") or "", field=str(_("Has any of these tags")))
        if tags_any:
            conditions["tags_any"] = tags_any
        tags_all = _tags(data.get("tags_all") or "", field=str(_("Has all of these tags")))
        if tags_all:
            conditions["tags_all"] = tags_all
        if data.get("condition_team") is not None:
            conditions["team"] = data["condition_team"].pk
        if data.get("emotions"):
            conditions["emotion_in"] = list(data["emotions"])
            if data.get("emotion_min_intensity") is not None:
                conditions["emotion_min_intensity"] = data["emotion_min_intensity"]
        elif data.get("emotion_min_intensity") is not None:
            raise forms.ValidationError(_("Choose the emotions the intensity applies to."))
        if data.get("min_intensity") is not None:
            conditions["min_intensity"] = data["min_intensity"]
        for flag in ("hostile", "abuse", "threat", "company_fault", "dead_end"):
            value = _yes_no(data.get(flag) or "")
            if value is not None:
                conditions[flag] = value
        if data.get("min_priority") is not None:
            conditions["min_priority"] = data["min_priority"]
        if data.get("statuses"):
            conditions["status_in"] = list(data["statuses"])
        if data.get("csat"):
            conditions["csat_in"] = list(data["csat"])
        csat_comment = _yes_no(data.get("csat_comment") or "")
        if csat_comment is not None:
            conditions["csat_comment"] = csat_comment
        sla_trigger = data.get("trigger") in {Trigger.SLA_WARNING, Trigger.SLA_BREACHED}
        if data.get("sla_targets"):
            if not sla_trigger:
                raise forms.ValidationError(
                    _("SLA targets are conditions of the two SLA triggers only.")
                )
            conditions["sla_target_in"] = list(data["sla_targets"])
        if data.get("sla_within_minutes") is not None:
            if data.get("trigger") != Trigger.SLA_WARNING:
                raise forms.ValidationError(
                    _("“Will breach within N minutes” needs the trigger “%(trigger)s”.")
                    % {"trigger": Trigger.SLA_WARNING.label}
                )
            conditions["sla_within_minutes"] = data["sla_within_minutes"]
        return conditions

    def _actions(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = []
        if data.get("set_priority") is not None:
            actions.append(
                {
                    "type": "set_priority",
                    "priority": data["set_priority"],
                    "raise_only": bool(data.get("raise_only")),
                }
            )
        if data.get("move_to_team") is not None:
            actions.append({"type": "move_to_team", "team": data["move_to_team"].pk})
        target = data.get("assign") or ""
        if target == "agent":
            if data.get("assign_agent") is None:
                raise forms.ValidationError(_("Choose the agent to assign to."))
            actions.append({"type": "assign", "to": "agent", "agent": data["assign_agent"].pk})
        elif target:
            actions.append({"type": "assign", "to": target})
        for tag in _tags(data.get("add_tags") or "", field=str(_("Add tags"))):
            actions.append({"type": "add_tag", "tag": tag})
        if data.get("notify_leads"):
            actions.append(
                {"type": "notify_leads", "text": (data.get("notify_text") or "").strip()}
            )
        if data.get("auto_reply"):
            actions.append({"type": "auto_reply", "response": int(data["auto_reply"])})
        if data.get("reopen"):
            actions.append({"type": "reopen"})
        return actions

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        conditions = self._conditions(data)
        actions = self._actions(data)
        problems: list[str] = []
        try:
            conditions = engine.validate_conditions(conditions)
        except engine.RuleSchemaError as exc:
            problems.extend(exc.problems)
        try:
            actions = engine.validate_actions(actions)
        except engine.RuleSchemaError as exc:
            problems.extend(exc.problems)
        if problems:
            raise forms.ValidationError(problems)
        self._rule_data = {
            "name": data["name"],
            "active": bool(data.get("active")),
            "trigger": data["trigger"],
            "team": data.get("team"),
            "stop_processing": bool(data.get("stop_processing")),
            "conditions": conditions,
            "actions": actions,
        }
        return data

    RULE_FIELDS = ("name", "active", "trigger", "team", "stop_processing")
    CONDITION_FIELDS = (
        "channels",
        "languages",
        "tags_any",
        "tags_all",
        "condition_team",
        "emotions",
        "emotion_min_intensity",
        "min_intensity",
        "hostile",
        "abuse",
        "threat",
        "company_fault",
        "dead_end",
        "min_priority",
        "statuses",
        "csat",
        "csat_comment",
        "sla_targets",
        "sla_within_minutes",
    )
    ACTION_FIELDS = (
        "set_priority",
        "raise_only",
        "move_to_team",
        "assign",
        "assign_agent",
        "add_tags",
        "notify_leads",
        "notify_text",
        "auto_reply",
        "reopen",
    )

    def field_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields in three fieldsets: the rule, its conditions, its actions."""
        return [
            (str(_("Rule")), [self[name] for name in self.RULE_FIELDS]),
            (
                str(_("If all of these hold (leave empty to ignore)")),
                [self[name] for name in self.CONDITION_FIELDS],
            ),
            (str(_("Then do this")), [self[name] for name in self.ACTION_FIELDS]),
        ]

    def rule_data(self) -> dict[str, Any]:
        """The rule's fields for ``services.save_rule`` (after ``is_valid()``)."""
        return dict(self._rule_data)

    # --- JSON in -----------------------------------------------------------------------------

    @staticmethod
    def initial_for(rule: Rule) -> dict[str, Any]:
        """Form fields from a stored rule (the reverse of ``rule_data``)."""
        c = rule.conditions or {}

        def flag(name: str) -> str:
            return {True: "yes", False: "no"}.get(c.get(name), "")

        initial: dict[str, Any] = {
            "name": rule.name,
            "active": rule.active,
            "trigger": rule.trigger,
            "team": rule.team_id,
            "stop_processing": rule.stop_processing,
            "channels": c.get("channel_in", []),
            "languages": c.get("language_in", []),
            "tags_any": ", ".join(c.get("tags_any", [])),
            "tags_all": ", ".join(c.get("tags_all", [])),
            "condition_team": c.get("team"),
            "emotions": c.get("emotion_in", []),
            "emotion_min_intensity": c.get("emotion_min_intensity"),
            "min_intensity": c.get("min_intensity"),
            "min_priority": c.get("min_priority"),
            "statuses": c.get("status_in", []),
            "csat": c.get("csat_in", []),
            "csat_comment": flag("csat_comment"),
            "sla_targets": c.get("sla_target_in", []),
            "sla_within_minutes": c.get("sla_within_minutes"),
            **{
                name: flag(name)
                for name in ("hostile", "abuse", "threat", "company_fault", "dead_end")
            },
        }
        tags: list[str] = []
        for action in rule.actions or []:
            if not isinstance(action, dict):
                continue
            kind = action.get("type")
            if kind == "set_priority":
                initial["set_priority"] = action.get("priority")
                initial["raise_only"] = bool(action.get("raise_only"))
            elif kind == "move_to_team":
                initial["move_to_team"] = action.get("team")
            elif kind == "assign":
                initial["assign"] = action.get("to", "")
                initial["assign_agent"] = action.get("agent")
            elif kind == "add_tag":
                tags.append(str(action.get("tag", "")))
            elif kind == "notify_leads":
                initial["notify_leads"] = True
                initial["notify_text"] = action.get("text", "")
            elif kind == "auto_reply":
                initial["auto_reply"] = str(action.get("response", ""))
            elif kind == "reopen":
                initial["reopen"] = True
        initial["add_tags"] = ", ".join(tags)
        return initial


class HandOverForm(forms.Form):
    """One click: to a lead of the team (empty ``to``) or a named teammate, with a note."""

    note = forms.CharField(
        label=_("Note for whoever takes over"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    to = forms.ModelChoiceField(
        label=_("Hand over to"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("A lead of my team"),
    )

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = targets  # type: ignore[attr-defined]
