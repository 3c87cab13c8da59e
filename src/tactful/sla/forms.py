"""Forms for SLA policies and business hours (fields, not JSON); services validate again."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Team
from tactful.customers.models import Channel, Customer, Language
from tactful.sla import conditions
from tactful.sla.hours import format_clock, normalize_intervals, parse_clock
from tactful.sla.models import BusinessHours, Policy
from tactful.tickets.models import Priority

WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
MAX_CUSTOMERS = conditions.MAX_ITEMS
MAX_HOLIDAYS = 400


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]+", value or "") if part.strip()]


class PolicyForm(forms.Form):
    """A policy as a lead sees it: who it applies to, and its targets in minutes."""

    name = forms.CharField(label=_("Name"), max_length=100)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(
        label=_("Order (the first matching policy applies)"),
        min_value=0,
        max_value=999_999,
        initial=100,
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Team is one of"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Channel is one of"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.TypedMultipleChoiceField(
        label=_("Priority is one of"),
        choices=Priority.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Language is one of"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(label=_("Has any of these tags"), required=False, max_length=600)
    customers = forms.CharField(
        label=_("Customer is one of (e-mail addresses)"), required=False, max_length=5000
    )
    first_response_minutes = forms.IntegerField(
        label=_("First response within (minutes)"),
        required=False,
        min_value=1,
        max_value=conditions.MAX_TARGET_MINUTES,
    )
    next_response_minutes = forms.IntegerField(
        label=_("Next response within (minutes)"),
        required=False,
        min_value=1,
        max_value=conditions.MAX_TARGET_MINUTES,
    )
    resolution_minutes = forms.IntegerField(
        label=_("Resolution within (minutes)"),
        required=False,
        min_value=1,
        max_value=conditions.MAX_TARGET_MINUTES,
    )
    business_hours = forms.BooleanField(
        label=_("Count the team's business hours only"), required=False, initial=True
    )
    warning_percent = forms.IntegerField(
        label=_("Warn when this share of a target has passed (%)"),
        min_value=1,
        max_value=100,
        initial=80,
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        names = [name.lower() for name in _split(self.cleaned_data.get("tags", ""))]
        for name in names:
            if len(name) > 50 or "\x00" in name:
                raise forms.ValidationError(_("Invalid tag: %(tag)s") % {"tag": name[:60]})
        return list(dict.fromkeys(names))

    def clean_customers(self) -> list[int]:
        addresses = [a.lower() for a in _split(self.cleaned_data.get("customers", ""))]
        if len(addresses) > MAX_CUSTOMERS:
            raise forms.ValidationError(
                _("At most %(n)d customers per policy.") % {"n": MAX_CUSTOMERS}
            )
        if not addresses:
            return []
        found = dict(Customer.objects.filter(email__in=addresses).values_list("email", "pk"))
        missing = [a for a in addresses if a not in found]
        if missing:
            raise forms.ValidationError(
                _("No customer with the address %(address)s.") % {"address": missing[0][:100]}
            )
        return list(dict.fromkeys(found[a] for a in addresses))

    def policy_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "active": bool(data.get("active")),
            "position": data["position"],
            "teams": [team.pk for team in data.get("teams") or []],
            "channels": list(data.get("channels") or []),
            "priorities": list(data.get("priorities") or []),
            "languages": list(data.get("languages") or []),
            "tags": data.get("tags") or [],
            "customers": data.get("customers") or [],
            "first_response_minutes": data.get("first_response_minutes"),
            "next_response_minutes": data.get("next_response_minutes"),
            "resolution_minutes": data.get("resolution_minutes"),
            "business_hours": bool(data.get("business_hours")),
            "warning_percent": data["warning_percent"],
        }

    @staticmethod
    def initial_for(policy: Policy) -> dict[str, Any]:
        emails = list(
            Customer.objects.filter(pk__in=policy.customers or []).values_list("email", flat=True)
        )
        return {
            "name": policy.name,
            "active": policy.active,
            "position": policy.position,
            "teams": policy.teams,
            "channels": policy.channels,
            "priorities": policy.priorities,
            "languages": policy.languages,
            "tags": ", ".join(policy.tags or []),
            "customers": ", ".join(emails),
            "first_response_minutes": policy.first_response_minutes,
            "next_response_minutes": policy.next_response_minutes,
            "resolution_minutes": policy.resolution_minutes,
            "business_hours": policy.business_hours,
            "warning_percent": policy.warning_percent,
        }


def _intervals(text: str) -> list[list[str]]:
    """``"09:00-13:00, 14:00-18:00"`` → ``[["09:00", "13:00"], ["14:00", "18:00"]]``."""
    spans = []
    for part in _split(text):
        start, sep, end = part.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(part)
        spans.append((parse_clock(start), parse_clock(end)))
    return [[format_clock(a), format_clock(b)] for a, b in normalize_intervals(spans)]


class BusinessHoursForm(forms.Form):
    """Hours as people write them: one line per weekday (``09:00-17:00``), holidays by date."""

    name = forms.CharField(label=_("Name"), max_length=100)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Every team without its own hours"),
    )
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="UTC")
    holidays = forms.CharField(
        label=_("Holidays (one date per line, YYYY-MM-DD)"),
        required=False,
        max_length=MAX_HOLIDAYS * 12,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        for key, label in WEEKDAYS:
            self.fields[f"day_{key}"] = forms.CharField(
                label=label, required=False, max_length=200, help_text=_("e.g. 09:00-17:00")
            )

    def clean_time_zone(self) -> str:
        zone: str = self.cleaned_data["time_zone"].strip()
        if zone not in available_timezones():
            raise forms.ValidationError(_("Unknown time zone: %(zone)s") % {"zone": zone[:64]})
        return zone

    def clean_holidays(self) -> list[str]:
        days = []
        for part in _split(self.cleaned_data.get("holidays", "")):
            try:
                days.append(date.fromisoformat(part).isoformat())
            except ValueError as exc:
                raise forms.ValidationError(
                    _("Not a date (YYYY-MM-DD): %(value)s") % {"value": part[:20]}
                ) from exc
        if len(days) > MAX_HOLIDAYS:
            raise forms.ValidationError(_("Too many holidays."))
        return sorted(set(days))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        week: dict[str, list[list[str]]] = {}
        for key, label in WEEKDAYS:
            text = data.get(f"day_{key}") or ""
            try:
                spans = _intervals(text)
            except ValueError:
                self.add_error(
                    f"day_{key}",
                    _("%(day)s: write opening hours as 09:00-17:00.") % {"day": label},
                )
                continue
            if spans:
                week[key] = spans
        if not week and not self.errors:
            raise forms.ValidationError(_("Open at least one day of the week."))
        data["week"] = week
        return data

    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{key}"] for key, _label in WEEKDAYS]

    @staticmethod
    def initial_for(row: BusinessHours) -> dict[str, Any]:
        week = row.week if isinstance(row.week, dict) else {}
        initial: dict[str, Any] = {
            "name": row.name,
            "team": row.team_id,
            "time_zone": row.time_zone,
            "holidays": "\n".join(row.holidays or []),
        }
        for key, _label in WEEKDAYS:
            spans = week.get(key) or []
            initial[f"day_{key}"] = ", ".join(f"{a}-{b}" for a, b in spans)
        return initial
