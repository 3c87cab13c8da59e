"""Thin views for agents and leads: the knowledge base, the article editor, categories, and
the reply box's suggested articles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent
from tactful.knowledge import forms, presenters, search, selectors, services
from tactful.knowledge.models import Article, ArticleLanguage, Category
from tactful.tickets import permissions
from tactful.tickets.models import Ticket

#: The period the knowledge base page counts deflection over.
DEFLECTION_DAYS = 30


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You cannot do that.")


def _article(article_id: int) -> Article:
    try:
        return Article.objects.select_related("category__team").get(pk=article_id)
    except Article.DoesNotExist as exc:
        raise Http404(_("No such article.")) from exc


# --- the knowledge base -----------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every article and translation, filtered and searched; what suggestions achieved."""
    agent = _agent(request)
    form = forms.ArticleFilterForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "can_write": agent.is_lead and agent.is_active,
        "deflection": selectors.deflection(since=timezone.now() - timedelta(days=DEFLECTION_DAYS)),
        "deflection_days": DEFLECTION_DAYS,
    }
    if not form.is_valid():
        context.update(rows=[], error=_("Check the filters."))
        return render(request, "knowledge/index.html", context, status=400)
    data = form.cleaned_data
    queryset = selectors.agent_translations()
    if data["language"]:
        queryset = queryset.filter(language=data["language"])
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["q"]:
        rows = search.ranked(queryset, data["q"], prefer_language=agent.language, limit=100)
    else:
        rows = list(queryset.order_by("article__category__order", "article_id", "language")[:500])
    context["rows"] = [
        {
            "translation": t,
            "category": t.article.category.name_in(agent.language),
            "team": t.article.category.team,
            "can_edit": services.can_edit_team(agent, t.article.category.team_id),
            "public_url": presenters.article_path(t)
            if t.is_published and not t.article.internal
            else "",
        }
        for t in rows
    ]
    return render(request, "knowledge/index.html", context)


@login_required
@require_GET
def read(request: HttpRequest, article_id: int) -> HttpResponse:
    """An article as agents read it: every language, drafts and internal ones included."""
    agent = _agent(request)
    article = _article(article_id)
    translations = list(article.translations.order_by("language"))
    return render(
        request,
        "knowledge/read.html",
        {
            "article": article,
            "translations": [
                {
                    "translation": t,
                    "body": presenters.body_html(t),
                    "public_url": presenters.article_path(t)
                    if t.is_published and not article.internal
                    else "",
                }
                for t in translations
            ],
            "can_edit": services.can_edit_article(agent, article),
        },
    )


def _form(
    agent: Agent, data: Any = None, initial: dict[str, Any] | None = None
) -> forms.ArticleForm:
    return forms.ArticleForm(data, initial=initial, categories=services.editable_categories(agent))


def _editor(
    request: HttpRequest,
    form: forms.ArticleForm,
    *,
    article: Article | None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "knowledge/form.html",
        {"form": form, "article": article, "error": error},
        status=status,
    )


def _apply_errors(form: forms.ArticleForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _save(request: HttpRequest, article: Article | None) -> HttpResponse:
    agent = _agent(request)
    form = _form(agent, request.POST)
    if not form.is_valid():
        return _editor(request, form, article=article, status=400)
    try:
        saved = services.save_article(
            by=agent,
            category=form.category_object(),
            internal=form.cleaned_data["internal"],
            translations=form.translations(),
            article=article,
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return _editor(request, form, article=article, status=400)
    except PermissionDenied as error:
        return _editor(request, form, article=article, status=403, error=_error_text(error))
    messages.success(request, _("Article saved."))
    return redirect("knowledge:read", article_id=saved.pk)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if not (agent.is_lead and agent.is_active):
        raise PermissionDenied(_("Only team leads and admins write articles."))
    if not services.editable_categories(agent):
        messages.info(request, _("Create a category first."))
        return redirect("knowledge:categories")
    if request.method == "GET":
        return _editor(request, _form(agent), article=None)
    return _save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, article_id: int) -> HttpResponse:
    agent = _agent(request)
    article = _article(article_id)
    if not services.can_edit_article(agent, article):
        raise PermissionDenied(_("Only this team's leads can change its articles."))
    if request.method == "POST":
        return _save(request, article)
    initial: dict[str, Any] = {"category": str(article.category_id), "internal": article.internal}
    for t in article.translations.all():
        initial.update(
            {
                f"title_{t.language}": t.title,
                f"summary_{t.language}": t.summary,
                f"body_{t.language}": t.body,
                f"published_{t.language}": t.is_published,
            }
        )
    return _editor(request, _form(agent, initial=initial), article=article)


@login_required
@require_POST
def delete(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(article_id)
    services.delete_article(article=article, by=_agent(request))  # PermissionDenied → 403
    messages.success(request, _("Article deleted."))
    return redirect("knowledge:index")


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's preview of one language (``?language=es`` reads ``body_es``), sanitised."""
    if not _agent(request).is_lead:
        raise PermissionDenied(_("Only team leads and admins write articles."))
    language = request.GET.get("language", "")
    field = f"body_{language}" if language in ArticleLanguage.values else "body"
    form = forms.PreviewForm({"body": request.POST.get(field, "")})
    if not form.is_valid():
        return render(
            request,
            "knowledge/_preview.html",
            {"error": _("The text is too long or not text at all.")},
            status=400,
        )
    body = form.cleaned_data["body"].replace("\r\n", "\n")
    return render(request, "knowledge/_preview.html", {"html": presenters.markdown_html(body)})


# --- categories -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    """The help center's shelves; leads add them (renaming is in the admin)."""
    agent = _agent(request)
    teams = services.editable_teams(agent)
    form = forms.CategoryForm(request.POST or None, teams=teams, allow_desk=agent.is_lead)
    status = 200
    if request.method == "POST":
        if not agent.is_lead:
            raise PermissionDenied(_("Only team leads and admins change categories."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_category(
                    by=agent,
                    name=data["name"],
                    names={"es": data["name_es"], "ru": data["name_ru"]},
                    team=form.team_object(),
                    order=data["order"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                form.add_error(None, _error_text(error))
                status = 403
            else:
                messages.success(request, _("Category saved."))
                return redirect("knowledge:categories")
        status = max(status, 400)
    rows = list(Category.objects.select_related("team").order_by("order", "name", "id"))
    return render(
        request,
        "knowledge/categories.html",
        {
            "form": form,
            "rows": [
                {"category": c, "can_edit": services.can_edit_team(agent, c.team_id)} for c in rows
            ],
            "can_write": agent.is_lead,
        },
        status=status,
    )


# --- the reply box ----------------------------------------------------------------------------


@login_required
@require_GET
def ticket_suggestions(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Articles for the customer's message (its key sentences), or the agent's own search."""
    try:
        ticket = permissions.visible_tickets(_agent(request)).get(pk=ticket_id)
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such ticket.")) from exc
    form = forms.ReplySearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "knowledge/_reply_suggestions.html",
            {"items": [], "error": _("The search is too long.")},
            status=400,
        )
    query = form.cleaned_data["q"]
    found, words = selectors.ticket_suggestions(ticket, query=query)
    items = []
    for t in found:
        url = request.build_absolute_uri(presenters.article_path(t))
        summary = presenters.short_summary(t)
        items.append(
            {
                "translation": t,
                "summary": summary,
                "internal": t.article.internal,
                "url": url,
                "link_text": f"{t.title}: {url}",
                "summary_text": f"{summary}\n{t.title}: {url}",
            }
        )
    return render(
        request,
        "knowledge/_reply_suggestions.html",
        {"items": items, "query": query, "words": words[:160]},
    )
