"""Per-request agent middleware: the interface language, and a second factor owed at login."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tactful.accounts import two_factor


class AgentLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        else:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Accept-Language",))
        translation.deactivate()
        return response


class TwoFactorMiddleware:
    """Hold a session that owes a second factor on the code page (or, for an admin who must
    have one, the set-up page) until it is given; logging out stays open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            owed = two_factor.pending(request.session)
            if owed:
                target = reverse(
                    "accounts:two_factor_verify"
                    if owed == two_factor.VERIFY
                    else "accounts:two_factor"
                )
                allowed = {target, reverse("logout")}
                if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                    return redirect_to_login(request.get_full_path(), target, "next")
        return self.get_response(request)
