"""Forms for the knowledge base pages agents and leads use; they validate, services act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Team
from tactful.knowledge import services
from tactful.knowledge.models import (
    MAX_BODY_CHARS,
    MAX_CATEGORY_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    ArticleLanguage,
    Category,
    Status,
)

#: Far above the limits: past this nothing is worth validating in detail.
HARD_BODY_CAP = MAX_BODY_CHARS * 2


class ArticleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
    language = forms.ChoiceField(
        required=False, choices=[("", _("Any language")), *ArticleLanguage.choices]
    )
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *Status.choices])


class ArticleForm(forms.Form):
    """An article and its three languages, as one form."""

    category = forms.ChoiceField(label=_("Category"))
    internal = forms.BooleanField(
        label=_("Internal: agents only (never in the help center or shown to customers)"),
        required=False,
    )

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._categories = {str(c.pk): c for c in categories}
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(c.pk), f"{c.name} ({c.team.name})" if c.team else c.name) for c in categories
        ]
        for code, name in ArticleLanguage.choices:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title in %(language)s") % {"language": name},
                required=False,
                max_length=MAX_TITLE_CHARS,
            )
            self.fields[f"summary_{code}"] = forms.CharField(
                label=_("Summary"),
                required=False,
                max_length=MAX_SUMMARY_CHARS,
                help_text=_("One or two sentences: shown in suggestions and inserted in replies."),
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_SUMMARY_CHARS}),
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text in %(language)s (Markdown)") % {"language": name},
                required=False,
                max_length=HARD_BODY_CAP,
                strip=False,
                widget=forms.Textarea(
                    attrs={"rows": 14, "maxlength": MAX_BODY_CHARS, "class": "markdown-source"}
                ),
            )
            self.fields[f"published_{code}"] = forms.BooleanField(
                label=_("Published"), required=False
            )

    def language_fields(self) -> list[dict[str, Any]]:
        return [
            {
                "code": code,
                "name": str(name),
                "title": self[f"title_{code}"],
                "summary": self[f"summary_{code}"],
                "body": self[f"body_{code}"],
                "published": self[f"published_{code}"],
            }
            for code, name in ArticleLanguage.choices
        ]

    def category_object(self) -> Category:
        return self._categories[self.cleaned_data["category"]]

    def translations(self) -> dict[str, services.TranslationText]:
        data = self.cleaned_data
        return {
            code: services.TranslationText(
                title=data.get(f"title_{code}") or "",
                summary=data.get(f"summary_{code}") or "",
                body=data.get(f"body_{code}") or "",
                published=bool(data.get(f"published_{code}")),
            )
            for code in ArticleLanguage.values
        }


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name (English)"), max_length=MAX_CATEGORY_CHARS)
    name_es = forms.CharField(
        label=_("Name in Spanish"), max_length=MAX_CATEGORY_CHARS, required=False
    )
    name_ru = forms.CharField(
        label=_("Name in Russian"), max_length=MAX_CATEGORY_CHARS, required=False
    )
    team = forms.ChoiceField(label=_("Help center"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)

    def __init__(self, *args: Any, teams: list[Team], allow_desk: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(t.pk), t.name) for t in teams]
        if allow_desk:
            choices.insert(0, ("", str(_("Every help center (the whole desk)"))))
        field = self.fields["team"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        self._teams = {str(t.pk): t for t in teams}

    def team_object(self) -> Team | None:
        return self._teams.get(self.cleaned_data.get("team") or "")


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=HARD_BODY_CAP, strip=False)


class ReplySearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
