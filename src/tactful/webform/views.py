"""The public contact form of each team: show it, take a submission, say thank you."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from tactful.accounts.models import Team
from tactful.webform import services
from tactful.webform.forms import HONEYPOT_FIELD, ContactForm

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _team(slug: str) -> Team:
    team = services.team_for_slug(slug)
    if team is None:
        raise Http404(_("There is no contact form here."))
    return team


def _page_language(request: HttpRequest) -> str:
    """``?lang=`` (links from a site in that language) or the browser's Accept-Language."""
    requested = request.GET.get("lang", "")
    if requested in _LANGUAGES:
        return requested
    return translation.get_language_from_request(request)


def _render(
    request: HttpRequest, template: str, context: dict[str, object], *, language: str, status: int
) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, {**context, "page_language": language}, status=status)
    response["Content-Language"] = language
    return response


def _thanks_redirect(team: Team, language: str) -> HttpResponseRedirect:
    url = reverse("webform:thanks", args=[team.slug])
    return HttpResponseRedirect(f"{url}?{urlencode({'lang': language})}")


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(slug)
    language = _page_language(request)
    context: dict[str, object] = {"team": team, "honeypot": HONEYPOT_FIELD}
    if request.method == "GET":
        form = ContactForm(initial={"language": language, "started": services.issue_form_token()})
        return _render(
            request,
            "webform/contact.html",
            {**context, "form": form},
            language=language,
            status=200,
        )

    if services.rate_limited(services.client_ip(request)):
        minutes = max(1, round(settings.TACTFUL_CONTACT_RATE_WINDOW / 60))
        response = _render(
            request,
            "webform/rate_limited.html",
            {**context, "minutes": minutes},
            language=language,
            status=429,
        )
        response["Retry-After"] = str(settings.TACTFUL_CONTACT_RATE_WINDOW)
        return response

    form = ContactForm(request.POST, request.FILES)
    chosen = request.POST.get("language", "")
    chosen = chosen if chosen in _LANGUAGES else language
    if form.is_bot:
        # Pretend it worked, so the bot learns nothing; store nothing.
        return _thanks_redirect(team, chosen)
    token = services.read_form_token(request.POST.get("started", ""))
    if token is None:
        # Forged, missing or expired: a fresh token lets a person simply send again.
        form.data = form.data.copy()
        form.data["started"] = services.issue_form_token()
        if form.is_valid():
            form.add_error(None, _("This page was open too long. Please send your message again."))
    elif form.is_valid():
        if services.filled_too_fast(token):
            # Nothing lost: the same form (same one-time id) can simply be sent again.
            form.add_error(None, _("That was quick! Please check your message and send it again."))
        elif services.address_rate_limited(form.cleaned_data["email"]):
            # The form comes back as typed (nothing lost), with the reason and a 429.
            minutes = max(1, round(settings.TACTFUL_CONTACT_RATE_WINDOW / 60))
            form.add_error(
                None,
                ngettext(
                    "Too many messages from this e-mail address. Please try again in "
                    "%(minutes)d minute.",
                    "Too many messages from this e-mail address. Please try again in "
                    "%(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = _render(
                request,
                "webform/contact.html",
                {**context, "form": form},
                language=language,
                status=429,
            )
            response["Retry-After"] = str(settings.TACTFUL_CONTACT_RATE_WINDOW)
            return response
        else:
            try:
                services.submit_contact_form(
                    team=team,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    language=form.cleaned_data["language"],
                    nonce=token.nonce,
                    attachments=form.cleaned_data["attachments"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _thanks_redirect(team, form.cleaned_data["language"])
    return _render(
        request, "webform/contact.html", {**context, "form": form}, language=language, status=400
    )


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(slug)
    language = _page_language(request)
    return _render(request, "webform/thanks.html", {"team": team}, language=language, status=200)
