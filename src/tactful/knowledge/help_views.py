"""The public help center (``/help/`` and ``/help/<team>/``) and the suggestions customers get
as they type in the chat widget and the contact form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Team
from tactful.knowledge import presenters, search, selectors, services
from tactful.knowledge.models import ArticleLanguage, Surface

LANGUAGES: tuple[str, ...] = tuple(ArticleLanguage.values)
#: A customer's words are worth looking up from this many letters on.
MIN_SUGGEST_CHARS = 8
MAX_SUGGEST_CHARS = 2000


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)


class SuggestForm(forms.Form):
    q = forms.CharField(required=False, max_length=MAX_SUGGEST_CHARS, strip=True)
    lang = forms.ChoiceField(choices=ArticleLanguage.choices, required=False)
    team = forms.SlugField(required=False, max_length=60)
    surface = forms.ChoiceField(choices=Surface.choices)
    key = forms.CharField(required=False, max_length=64)


def _language(request: HttpRequest) -> str:
    """``?lang=`` (links from a site in that language), else the browser's Accept-Language."""
    requested = request.GET.get("lang", "")
    if requested in LANGUAGES:
        return requested
    primary = translation.get_language_from_request(request).split("-")[0]
    return primary if primary in LANGUAGES else "en"


def _team(center: str | None) -> Team | None:
    if center is None:
        return None
    team = Team.objects.filter(slug=center).first()
    if team is None:
        raise Http404(_("There is no help center here."))
    return team


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    language: str,
    status: int = 200,
) -> HttpResponse:
    with translation.override(language):
        response = render(request, template, {**context, "page_language": language}, status=status)
    response["Content-Language"] = language
    return response


def _languages(center: str | None, query: str) -> list[dict[str, str]]:
    names = {"en": "English", "es": "Español", "ru": "Русский"}
    return [
        {"code": code, "name": names[code], "url": presenters.home_path(center, code, query)}
        for code in LANGUAGES
    ]


@require_GET
def home(request: HttpRequest, center: str | None = None) -> HttpResponse:
    """The help center: its shelves, or the results of a search in the page's language."""
    team = _team(center)
    language = _language(request)
    form = SearchForm(request.GET)
    context: dict[str, Any] = {"team": team, "center": center, "form": form}
    if not form.is_valid():
        context.update(
            error=_("The search is too long."), shelves=[], languages=_languages(center, "")
        )
        return _page(request, "knowledge/help_home.html", context, language=language, status=400)
    query = form.cleaned_data["q"]
    context["query"] = query
    context["languages"] = _languages(center, query)
    if query:
        found, exact = selectors.help_center_search(team, query, language=language)
        results = presenters.search_results(found, center=center, language=language)
        context["exact"] = exact
        context["results"] = [r for r in results if r.translation.language == language]
        context["other_results"] = [r for r in results if r.translation.language != language]
        context["searchable"] = bool(search.words(query))
    else:
        context["shelves"] = [
            {
                "name": shelf.name,
                "articles": presenters.search_results(
                    list(shelf.articles), center=center, language=language
                ),
            }
            for shelf in selectors.shelves(team, language)
        ]
    return _page(request, "knowledge/help_home.html", context, language=language)


@ensure_csrf_cookie
@require_GET
def article(request: HttpRequest, article_id: int, center: str | None = None) -> HttpResponse:
    """One article in the language asked for (or the one it is written in). Opened from a
    suggestion (``?s=``), the visit is counted and the customer is asked whether it helped."""
    team = _team(center)
    language = _language(request)
    translations = selectors.public_article(article_id, team)
    if not translations:
        raise Http404(_("There is no such article."))
    by_language = {t.language: t for t in translations}
    chosen = by_language.get(language) or by_language.get("en") or translations[0]
    key = request.GET.get("s", "")[:64]
    suggested = services.was_suggested(key=key, translation=chosen)
    if suggested:
        services.mark_opened(key=key, translation=chosen)
    page_language = chosen.language if chosen.language in LANGUAGES else language
    context = {
        "team": team,
        "center": center,
        "article": chosen,
        "body": presenters.body_html(chosen),
        "category": chosen.article.category.name_in(chosen.language),
        "missing_language": language if language not in by_language else "",
        "others": [
            {
                "code": t.language,
                "name": t.get_language_display(),
                "url": presenters.article_path(t, center=center),
            }
            for t in translations
            if t.language != chosen.language
        ],
        "home_url": presenters.home_path(center, chosen.language),
        "suggestion_key": key if suggested else "",
        "answered": request.GET.get("answered", "") == "1",
        "languages": _languages(center, ""),
    }
    return _page(request, "knowledge/help_article.html", context, language=page_language)


@require_POST
def answered(request: HttpRequest, key: str) -> HttpResponse:
    """ "Yes, this answered my question" on an article opened from a suggestion."""
    services.mark_answered(key=str(key))
    target = request.POST.get("next", "")
    if not target.startswith("/help/") or "//" in target:
        target = presenters.home_path(None, _language(request))
    separator = "&" if "?" in target else "?"
    return HttpResponseRedirect(f"{target}{separator}answered=1")


def _cors(response: HttpResponse) -> HttpResponse:
    # The widget runs on the customer's site: anyone may read suggestions (public articles
    # only, no cookies involved).
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles for what the customer is typing: ``?q=&lang=&team=&surface=widget|form&key=``.

    Answers ``{key, heading, read, articles: [{id, title, summary, language, url}]}``; the
    ``key`` comes back with the next request so one typing session is one row of statistics.
    """
    if services.rate_limited(services.client_ip(request.META)):
        response = JsonResponse({"detail": _("Too many requests; slow down.")}, status=429)
        response["Retry-After"] = "60"
        return _cors(response)
    form = SuggestForm(request.GET)
    if not form.is_valid():
        return _cors(JsonResponse({"detail": _("Invalid request.")}, status=400))
    data = form.cleaned_data
    language = data["lang"] or _language(request)
    center = data["team"] or None
    team = Team.objects.filter(slug=center).first() if center else None
    if center and team is None:
        return _cors(JsonResponse({"detail": _("There is no help center here.")}, status=404))
    text = data["q"]
    found = (
        selectors.customer_suggestions(team, text, language=language)
        if len(text) >= MIN_SUGGEST_CHARS
        else []
    )
    suggestion = services.record_shown(
        key=data["key"],
        surface=data["surface"],
        team=team,
        language=language,
        shown=[t.pk for t in found],
    )
    key = str(suggestion.key) if suggestion else ""
    with translation.override(language):
        payload = {
            "key": key,
            "heading": _("These articles may answer your question"),
            "read": _("Read the article"),
            "articles": presenters.suggestions_json(
                found, center=center, key=key or None, absolute=request.build_absolute_uri
            ),
        }
    return _cors(JsonResponse(payload))


@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def wrote(request: HttpRequest, key: str) -> HttpResponse:
    """The customer wrote to us after all (a beacon from the widget or the contact form).

    No cookie and no session are involved, so there is no CSRF to forge: the only thing a
    request can do is mark the unguessable ``key`` it names.
    """
    if request.method == "POST" and not services.rate_limited(services.client_ip(request.META)):
        services.mark_wrote(key=str(key))
    return _cors(HttpResponse(status=204))
