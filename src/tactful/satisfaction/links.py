"""Survey links: the survey's id and secret, signed with the desk's key, and the URLs built on them.

A link names its survey and carries that survey's random ``nonce``; the signature (HMAC with
``SECRET_KEY``) makes any edit detectable. The survey row decides whether a valid link may
still be used (expired, cancelled, ticket closed): see ``services.open_survey``.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from tactful.satisfaction.models import Survey

_SALT = "tactful.satisfaction.survey-link"
#: Longest token accepted before even checking it (a real one is about 60 characters).
MAX_TOKEN_CHARS = 200


def new_nonce() -> str:
    return secrets.token_hex(16)


def token_for(survey: Survey) -> str:
    return signing.Signer(salt=_SALT).sign_object([survey.pk, survey.nonce], compress=False)


def read_token(token: str) -> tuple[int, str] | None:
    """``(survey id, nonce)`` from a token, or ``None`` when it was tampered with or is junk."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        value = signing.Signer(salt=_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or isinstance(value[0], bool)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def absolute(path: str) -> str:
    """``path`` on the desk's public address (``TACTFUL_PUBLIC_URL``)."""
    return settings.TACTFUL_PUBLIC_URL.rstrip("/") + path


def page_url(survey: Survey, *, rating: int | None = None) -> str:
    """The survey page; ``rating`` only pre-selects an answer (the customer still confirms)."""
    path = reverse("satisfaction:survey", args=[token_for(survey)])
    if rating is not None:
        path += "?" + urlencode({"r": rating})
    return absolute(path)


def answer_url(survey: Survey) -> str:
    """Where the chat widget and API integrations POST an answer (JSON)."""
    return absolute(reverse("satisfaction:answer", args=[token_for(survey)]))
