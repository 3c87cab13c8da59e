"""Admin for outgoing webhooks: the signing secret is write-only, URLs are http(s) only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from tactful.customers.models import Channel
from tactful.outbound.models import ChannelWebhook
from tactful.outbound.webhooks import WEBHOOK_CHANNELS

MIN_SECRET_CHARS = 16


class ChannelWebhookForm(forms.ModelForm[ChannelWebhook]):
    """The secret is never shown again once saved; leaving it empty keeps the current one."""

    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("An http:// or https:// address; redirects are not followed."),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        strip=True,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = ChannelWebhook
        fields = ["channel", "url", "secret", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = [
            (value, label) for value, label in Channel.choices if value in WEBHOOK_CHANNELS
        ]
        if self.instance.pk:
            self.fields["secret"].help_text = _(
                "Leave empty to keep the current secret. Each request carries an HMAC-SHA256 "
                "signature made with it."
            )
        else:
            self.fields["secret"].help_text = _(
                "At least %(n)d characters, shared with the receiver. It is not shown again."
            ) % {"n": MIN_SECRET_CHARS}

    def clean_secret(self) -> str:
        secret: str = self.cleaned_data.get("secret") or ""
        if not secret:
            if self.instance.pk:
                return str(self.instance.secret)  # unchanged
            raise forms.ValidationError(_("Enter a signing secret."))
        if len(secret) < MIN_SECRET_CHARS:
            raise forms.ValidationError(
                _("The secret must have at least %(n)d characters.") % {"n": MIN_SECRET_CHARS}
            )
        return secret


@admin.register(ChannelWebhook)
class ChannelWebhookAdmin(admin.ModelAdmin[ChannelWebhook]):
    form = ChannelWebhookForm
    list_display = ["channel", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["url"]
