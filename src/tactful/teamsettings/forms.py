"""Forms for the settings pages: they validate what a browser (or a crafted POST) sends."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Agent, AssignmentMode, Team
from tactful.livechat.models import SpanishAddress
from tactful.teamsettings.models import NAME_PATTERN
from tactful.teamsettings.services import MAX_VALUE_LENGTH
from tactful.webhooks.models import WebhookEvent


class AgentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Agents shown by name (and login), never as bare numbers."""

    def label_from_instance(self, obj: Any) -> str:
        name = str(obj)
        return name if name == obj.username else f"{name} ({obj.username})"


class TeamAssignmentForm(forms.Form):
    auto_assign = forms.BooleanField(label=_("Assign new tickets automatically"), required=False)
    assignment_mode = forms.ChoiceField(label=_("Assignment mode"), choices=AssignmentMode.choices)
    spanish_address = forms.ChoiceField(
        label=_("Chat widget's Spanish"), choices=SpanishAddress.choices, required=False
    )


class TokenForm(forms.Form):
    agent = AgentChoiceField(label=_("Agent"), queryset=Agent.objects.none())
    name = forms.CharField(label=_("What it is for"), max_length=100, strip=True)

    def __init__(self, *args: Any, holders: QuerySet[Agent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = holders  # type: ignore[attr-defined]


class CustomFieldForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=80, strip=True)
    name = forms.RegexField(
        label=_("Name in templates"),
        regex=NAME_PATTERN,
        max_length=40,
        error_messages={
            "invalid": _("Use lowercase letters, digits and underscores, starting with a letter.")
        },
        help_text=_("Canned responses use it as {{ ticket.custom.NAME }}."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Every team"),
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


def clean_values(data: Any, names: list[str]) -> tuple[dict[str, str], list[str]]:
    """The posted values of the offered fields (``field-<name>``), and what is wrong."""
    values: dict[str, str] = {}
    errors: list[str] = []
    for name in names:
        key = f"field-{name}"
        if key not in data:
            continue
        raw = data.get(key, "")
        if "\x00" in raw:
            errors.append(str(_("Text only, please.")))
            continue
        if len(raw) > MAX_VALUE_LENGTH:
            errors.append(
                str(_("A field holds at most %(n)d characters.") % {"n": MAX_VALUE_LENGTH})
            )
            continue
        values[name] = raw
    return values, errors


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, strip=True)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The whole desk"),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
