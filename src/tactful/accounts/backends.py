"""The login backend: Django's own, behind the throttle (every login door goes through it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tactful.accounts import security
from tactful.accounts.models import Agent


class ThrottledModelBackend(ModelBackend):
    """ModelBackend that refuses locked accounts and addresses and counts wrong passwords.

    It sits in ``authenticate()`` rather than in a view, so the desk's login page, the Django
    admin's and any later one are throttled alike. A locked attempt raises PermissionDenied,
    which stops Django trying other backends, and never checks the password: the right
    password is refused until the lock expires or an admin lifts it.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if username is None:
            username = kwargs.get(Agent.USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = security.client_ip(request)
        if security.login_locked(username=username, address=address):
            security.record_login_refused(username=username, address=address)
            raise PermissionDenied(security.locked_message())
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            security.record_login_failure(username=username, address=address)
        return user
