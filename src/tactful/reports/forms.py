"""The report page's query string: period, slices, breakdown and narrowing, all validated."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tactful.customers.models import Channel, Language
from tactful.reports.period import BUCKETS, MAX_DAYS, Period, default_bucket, last_days

RANGES = [
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last 365 days")),
    ("custom", _("From – to")),
]
BUCKET_CHOICES = [
    ("", _("Automatic")),
    ("day", _("By day")),
    ("week", _("By week")),
    ("month", _("By month")),
]
BY_CHOICES = [
    ("team", _("Per team")),
    ("agent", _("Per agent")),
    ("channel", _("Per channel")),
    ("language", _("Per language")),
]


def _id(value: str) -> int | None:
    if not value:
        return None
    if value.isdigit() and len(value) < 12:
        return int(value)
    raise forms.ValidationError(_("Not a valid choice: %(value)s") % {"value": value[:20]})


class ReportForm(forms.Form):
    range = forms.ChoiceField(label=_("Period"), choices=RANGES, required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    bucket = forms.ChoiceField(label=_("Slices"), choices=BUCKET_CHOICES, required=False)
    by = forms.ChoiceField(label=_("Breakdown"), choices=BY_CHOICES, required=False)
    team = forms.CharField(label=_("Team"), required=False, max_length=12)
    agent = forms.CharField(label=_("Agent"), required=False, max_length=12)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any language")), *Language.choices], required=False
    )

    def clean_team(self) -> int | None:
        return _id(self.cleaned_data.get("team", ""))

    def clean_agent(self) -> int | None:
        return _id(self.cleaned_data.get("agent", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        bucket = data.get("bucket") or None
        if data.get("range") == "custom" or (data.get("start") and data.get("end")):
            start: date | None = data.get("start")
            end: date | None = data.get("end")
            if start is None or end is None:
                raise forms.ValidationError(_("Choose both dates."))
            if end < start:
                raise forms.ValidationError(_("The period must end after it starts."))
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    _("A report covers at most %(n)d days.") % {"n": MAX_DAYS}
                )
            # The future has no figures yet: a report ends today at the latest.
            end = min(end, timezone.localdate())
            start = min(start, end)
            data["period"] = Period(
                first=start, last=end, bucket=bucket or default_bucket((end - start).days + 1)
            )
        else:
            days = int(data.get("range") or 30)
            data["period"] = last_days(days, bucket=bucket)
        if data["period"].bucket not in BUCKETS:  # pragma: no cover - the choices hold
            raise forms.ValidationError(_("Unknown slices."))
        data["by"] = data.get("by") or "team"
        return data
