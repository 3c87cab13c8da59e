"""The lead's form to block or suspend a customer."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from tactful.customers.models import BlockKind
from tactful.profiles.services import REASON_MAX

#: The suspensions a lead picks from (a block has no end: it is lifted by hand).
DURATIONS = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}


class BlockForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=BlockKind.choices)
    duration = forms.ChoiceField(
        label=_("For"),
        required=False,
        choices=[
            ("", _("until lifted (block)")),
            ("1h", _("one hour")),
            ("1d", _("one day")),
            ("7d", _("one week")),
            ("30d", _("30 days")),
            ("90d", _("90 days")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, strip=True)

    def duration_value(self) -> timedelta | None:
        """The chosen duration (``None``: until lifted); the service checks it fits the kind."""
        return DURATIONS.get(self.cleaned_data.get("duration") or "")
