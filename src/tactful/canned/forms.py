"""Forms for the canned-response library; they validate input, the services act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Team
from tactful.canned import rendering, services
from tactful.canned.models import Category, VariantLanguage

#: Far above the body limit: past this, nothing is worth validating in detail.
HARD_BODY_CAP = rendering.MAX_BODY_CHARS * 4
SHARED = "shared"


def _language_name(code: str) -> str:
    return str(VariantLanguage(code).label)


class LibraryFilterForm(forms.Form):
    """The library page's filters (GET); bad values are reported, not ignored."""

    team = forms.CharField(required=False, max_length=20)
    category = forms.ChoiceField(
        required=False, choices=[("", _("Any category")), *Category.choices]
    )
    language = forms.ChoiceField(
        required=False, choices=[("", _("Any language")), *VariantLanguage.choices]
    )
    q = forms.CharField(required=False, max_length=100, strip=True)

    def clean_team(self) -> str:
        value: str = self.cleaned_data.get("team") or ""
        if value in ("", SHARED) or (value.isascii() and value.isdigit() and len(value) < 12):
            return value
        raise forms.ValidationError(_("Choose a team from the list."))


class ResponseForm(forms.Form):
    """A response and its three language variants, as one form."""

    title = forms.CharField(label=_("Title"), max_length=services.MAX_TITLE_CHARS)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    team = forms.ChoiceField(label=_("Team"))
    active = forms.BooleanField(label=_("Offer it to agents"), required=False, initial=True)

    def __init__(self, *args: Any, teams: list[Team], allow_shared: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(team.pk), team.name) for team in teams]
        if allow_shared:
            choices.insert(0, (SHARED, str(_("Shared library (all teams)"))))
        self.fields["team"].choices = choices
        self._teams = {str(team.pk): team for team in teams}
        for code in VariantLanguage.values:
            name = _language_name(code)
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title in %(language)s") % {"language": name},
                required=False,
                max_length=services.MAX_TITLE_CHARS,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text in %(language)s") % {"language": name},
                required=False,
                max_length=HARD_BODY_CAP,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 6, "maxlength": rendering.MAX_BODY_CHARS}),
                help_text=_("Leave empty if there is no version in this language."),
            )

    def language_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (_language_name(code), self[f"title_{code}"], self[f"body_{code}"])
            for code in VariantLanguage.values
        ]

    def team_object(self) -> Team | None:
        return self._teams.get(self.cleaned_data["team"])

    def variants(self) -> dict[str, services.VariantText]:
        return {
            code: services.VariantText(
                body=self.cleaned_data.get(f"body_{code}") or "",
                title=self.cleaned_data.get(f"title_{code}") or "",
            )
            for code in VariantLanguage.values
        }


class CopyForm(forms.Form):
    team = forms.ChoiceField(label=_("Copy to"))

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(str(team.pk), team.name) for team in teams]
        self._teams = {str(team.pk): team for team in teams}

    def team_object(self) -> Team:
        return self._teams[self.cleaned_data["team"]]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
