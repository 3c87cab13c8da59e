"""The customer's side: the survey page (CSRF-protected form) and the JSON answer endpoint.

Both are public and rate-limited per client address. A link from an e-mail only *pre-selects*
a rating (``?r=4``): nothing is recorded until the customer confirms with a POST, because mail
scanners open every link in a message. The JSON endpoint (the chat widget, API integrations)
takes no cookies and is authorised by the signed link alone, so a cross-site request can do
nothing the link's holder could not.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from tactful.satisfaction import ratelimit, scales, services
from tactful.satisfaction.models import Survey

#: HTTP status for each refusal.
STATUS = {
    "invalid": 400,
    "invalid_rating": 400,
    "invalid_comment": 400,
    "expired": 410,
    "cancelled": 410,
    "closed": 409,
    "too_many_changes": 409,
    "rate_limited": 429,
}
#: The largest JSON body the answer endpoint reads.
MAX_JSON_BYTES = 16 * 1024


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: keep it out of other sites' referrers (same-origin still sends
    # the Origin header CSRF checks), caches and search engines.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _language(request: HttpRequest, survey: Survey | None) -> str:
    if survey is not None and survey.language in services.SURVEY_LANGUAGES:
        return survey.language
    return translation.get_language_from_request(request) or "en"


def _refusal(
    request: HttpRequest, error: services.SurveyError, survey: Survey | None
) -> HttpResponse:
    with translation.override(_language(request, survey)):
        response = render(
            request,
            "satisfaction/survey_refused.html",
            {"code": error.code, "message": error.message, "language": translation.get_language()},
            status=STATUS.get(error.code, 400),
        )
    return _private(response)


def _preselected(value: str, survey: Survey) -> int | None:
    try:
        return services.clean_rating(survey, value)
    except services.SurveyError:
        return None


@csrf_protect
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    """The survey: choose (or change) a rating, add a comment, confirm."""
    if ratelimit.limited(request, scope="page"):
        return _refusal(
            request,
            services.SurveyError(
                "rate_limited", _("Too many requests; please try again in a few minutes.")
            ),
            None,
        )
    try:
        survey = services.open_survey(token)
    except services.SurveyError as error:
        return _refusal(request, error, None)
    error_text = ""
    if request.method == "POST":
        try:
            services.answer_survey(
                survey=survey,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
                via="page",
            )
        except services.SurveyError as error:
            if error.code not in {"invalid_rating", "invalid_comment"}:
                return _refusal(request, error, survey)
            error_text = error.message
        else:
            return redirect(request.path + "?saved=1")
    with translation.override(_language(request, survey)):
        chosen = (
            _preselected(request.POST.get("rating", ""), survey)
            if request.method == "POST"
            else _preselected(request.GET.get("r", ""), survey)
        ) or survey.rating
        context: dict[str, Any] = {
            "survey": survey,
            "number": survey.ticket_id,
            "choices": scales.choices(survey.scale),
            "chosen": chosen,
            "comment": request.POST.get("comment", survey.comment)
            if request.method == "POST"
            else survey.comment,
            "saved": request.GET.get("saved") == "1" and survey.answered,
            "error": error_text,
            "preselected": request.method == "GET" and request.GET.get("r") is not None,
            "max_comment": services.MAX_COMMENT_CHARS,
            "language": translation.get_language(),
        }
        response = render(
            request, "satisfaction/survey.html", context, status=400 if error_text else 200
        )
    return _private(response)


def _json(data: dict[str, Any], *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # The widget runs on the customers' own sites; nothing here reads cookies.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "600"
    _private(response)
    return response


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """``POST {"rating": 4, "comment": "…"}`` → ``{"status": "answered", …}`` or ``{"detail", "code"}``."""
    if request.method == "OPTIONS":
        return _json({})
    if ratelimit.limited(request, scope="answer"):
        return _json(
            {
                "detail": _("Too many requests; please try again in a few minutes."),
                "code": "rate_limited",
            },
            status=429,
        )
    if len(request.body) > MAX_JSON_BYTES:
        return _json({"detail": _("The request is too large."), "code": "invalid"}, status=400)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _json({"detail": _("Send a JSON object."), "code": "invalid"}, status=400)
    if not isinstance(data, dict):
        return _json({"detail": _("Send a JSON object."), "code": "invalid"}, status=400)
    via = data.get("via") if data.get("via") in {"chat", "api"} else "api"
    try:
        survey = services.answer_by_token(
            token=token, rating=data.get("rating"), comment=data.get("comment", ""), via=via
        )
    except services.SurveyError as error:
        return _json(
            {"detail": error.message, "code": error.code}, status=STATUS.get(error.code, 400)
        )
    return _json(
        {
            "status": "answered",
            "rating": survey.rating,
            "sentiment": survey.sentiment,
            "changes": survey.changes,
        }
    )
