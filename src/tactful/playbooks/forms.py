"""Forms for playbooks: the editor, the preview and a step ticked on a ticket."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Team
from tactful.coach import EMOTIONS
from tactful.customers.models import Channel
from tactful.playbooks import services
from tactful.playbooks.models import MAX_BODY_CHARS, MAX_NAME_CHARS, PlaybookLanguage, Signal
from tactful.tickets.presenters import emotion_label

#: Far above the body limit: past this, nothing is worth validating in detail.
HARD_BODY_CAP = MAX_BODY_CHARS * 4


def _emotion_choices() -> list[tuple[str, str]]:
    return [(name, emotion_label(name)) for name in EMOTIONS]


class PlaybookForm(forms.Form):
    """A playbook, where it applies and its three languages, as one form."""

    name = forms.CharField(label=_("Name"), max_length=MAX_NAME_CHARS)
    active = forms.BooleanField(label=_("Show it on tickets"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)
    teams = forms.MultipleChoiceField(
        label=_("Teams"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every team."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        required=False,
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: every channel."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1200,
        help_text=_("Comma-separated; shown when the ticket has any of them."),
    )
    signals = forms.MultipleChoiceField(
        label=_("The coach reads"),
        required=False,
        choices=Signal.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    emotions = forms.MultipleChoiceField(
        label=_("The customer feels"),
        required=False,
        choices=_emotion_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    min_intensity = forms.IntegerField(
        label=_("…with an intensity of at least (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
    )

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["teams"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(team.pk), team.name) for team in teams]
        for code, name in PlaybookLanguage.choices:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title in %(language)s") % {"language": name},
                required=False,
                max_length=MAX_NAME_CHARS,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Steps in %(language)s") % {"language": name},
                required=False,
                max_length=HARD_BODY_CAP,
                strip=False,
                widget=forms.Textarea(
                    attrs={"rows": 12, "maxlength": MAX_BODY_CHARS, "class": "markdown-source"}
                ),
                help_text=_("Leave empty if there is no version in this language."),
            )

    def language_fields(self) -> list[tuple[str, str, forms.BoundField, forms.BoundField]]:
        return [
            (code, str(name), self[f"title_{code}"], self[f"body_{code}"])
            for code, name in PlaybookLanguage.choices
        ]

    def draft(self) -> services.PlaybookDraft:
        data = self.cleaned_data
        return services.PlaybookDraft(
            name=data["name"],
            active=data["active"],
            order=data["order"],
            where=services.Where(
                team_ids=tuple(int(pk) for pk in data["teams"]),
                channels=tuple(data["channels"]),
                tags=tuple(data["tags"].split(",")),
                signals=tuple(data["signals"]),
                emotions=tuple(data["emotions"]),
                min_intensity=(data["min_intensity"] or 0) / 100,
            ),
            variants={
                code: services.VariantText(
                    title=data.get(f"title_{code}") or "", body=data.get(f"body_{code}") or ""
                )
                for code in PlaybookLanguage.values
            },
        )


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=HARD_BODY_CAP, strip=False)


class CheckStepForm(forms.Form):
    step = forms.IntegerField(min_value=1, max_value=services.MAX_STEPS)
    done = forms.BooleanField(required=False)
