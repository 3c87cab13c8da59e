"""The login forms: Django's, with the lockout said plainly."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from tactful.accounts import security


class LockoutAwareMixin:
    """Say "locked" instead of "wrong password" when the throttle refused (or just locked).

    The words are the same for existing and unknown usernames, so they reveal nothing.
    """

    request: Any
    cleaned_data: dict[str, Any]
    locked = False

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc,no-any-return]
        except forms.ValidationError as error:
            username = self.cleaned_data.get("username") or ""
            if username and security.login_locked(
                username=username, address=security.client_ip(self.request)
            ):
                self.locked = True
                raise forms.ValidationError(security.locked_message(), code="locked") from error
            raise


class LoginForm(LockoutAwareMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutAwareMixin, AdminAuthenticationForm):
    pass
