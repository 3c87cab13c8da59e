"""Forms for the agents' pages: making a report on demand, a team's survey settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful.satisfaction.models import SurveySettings


class GenerateForm(forms.Form):
    month = forms.DateField(label=gettext_lazy("Month"), input_formats=["%Y-%m"])
    team = forms.CharField(label=gettext_lazy("Team"), required=False, max_length=12)

    def clean_team(self) -> int | None:
        value = self.cleaned_data.get("team") or ""
        if value in {"", "desk"}:
            return None
        if not value.isdigit():
            raise forms.ValidationError(_("Choose a team."))
        return int(value)


class SettingsForm(forms.ModelForm):
    feed_webhook_url = forms.URLField(
        label=gettext_lazy("Team chat webhook (Slack-compatible)"),
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = SurveySettings
        fields = [
            "enabled",
            "scale",
            "quiet_days",
            "expire_days",
            "reminder_days",
            "feed_webhook_url",
            "feed_webhook_secret",
            "feed_hold_minutes",
        ]
        widgets = {"feed_webhook_secret": forms.PasswordInput(render_value=True)}

    def clean_expire_days(self) -> int:
        value = int(self.cleaned_data["expire_days"])
        if not 1 <= value <= 90:
            raise forms.ValidationError(_("Between 1 and 90 days."))
        return value

    def clean_quiet_days(self) -> int:
        value = int(self.cleaned_data["quiet_days"])
        if value > 365:
            raise forms.ValidationError(_("At most 365 days."))
        return value

    def clean_reminder_days(self) -> int:
        value = int(self.cleaned_data["reminder_days"])
        if value > 60:
            raise forms.ValidationError(_("At most 60 days."))
        return value

    def clean_feed_hold_minutes(self) -> int:
        value = int(self.cleaned_data["feed_hold_minutes"])
        if value > 7 * 24 * 60:
            raise forms.ValidationError(_("At most a week."))
        return value
