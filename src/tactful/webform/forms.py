"""The public contact form: what a visitor fills in, checked before anything is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from tactful.customers.services import MAX_NAME
from tactful.tickets.services import (
    MAX_ATTACHMENTS,
    MAX_BODY_CHARS,
    MAX_SUBJECT_CHARS,
    check_attachments,
)

#: The honeypot's name: a field people never see (hidden by CSS) and bots fill in.
HONEYPOT_FIELD = "website"


def language_choices() -> list[tuple[str, str]]:
    # Each language named in itself, so a visitor who cannot read the page finds theirs.
    native = {"en": "English", "es": "Español", "ru": "Русский"}
    return [(code, native.get(code, str(name))) for code, name in settings.LANGUAGES]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        if len(items) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(n)d attachments per message.") % {"n": MAX_ATTACHMENTS}
            )
        single = super().clean
        return [single(item, initial) for item in items]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=MAX_NAME, required=False)
    email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=254,
        help_text=_("We answer you at this address."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT_CHARS, required=False)
    # CharField already refuses NUL characters and trims the ends.
    message = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    language = forms.ChoiceField(label=_("Language for our answer"), choices=language_choices)
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    #: The honeypot. Its label tells screen-reader users to leave it empty.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    #: Signed when the page was shown: when the form was started, and a one-time id.
    started = forms.CharField(widget=forms.HiddenInput, max_length=500)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean_attachments(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        check_attachments(files)
        return files

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in: a person never sees that field."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())
