"""Thin views for canned responses: the library pages, and the picker's two endpoints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent
from tactful.canned import forms, rendering, selectors, services
from tactful.canned.models import CannedResponse, CannedVariant, Category, VariantLanguage
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets import permissions
from tactful.tickets.models import MessageKind, Ticket


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return (
            permissions.visible_tickets(_agent(request))
            .select_related("customer")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such ticket.")) from exc


def _response(request: HttpRequest, response_id: int) -> CannedResponse:
    try:
        return (
            selectors.usable_responses(_agent(request)).select_related("team").get(pk=response_id)
        )
    except CannedResponse.DoesNotExist as exc:
        raise Http404(_("No such canned response.")) from exc


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You cannot do that.")


# --- the picker on the ticket page -----------------------------------------------------------


@login_required
@require_GET
def ticket_suggestions(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The picker's list: suggestions for the customer's state, or search results (``?q=``)."""
    agent = _agent(request)
    ticket = _ticket(request, ticket_id)
    form = forms.SearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "canned/_suggestions.html",
            {"ticket": ticket, "items": [], "error": _("The search is too long.")},
            status=400,
        )
    query = form.cleaned_data["q"]
    if query:
        items = selectors.search(ticket=ticket, agent=agent, query=query)
    else:
        # The customer's own messages only: the coach also reads an agent's call notes (for
        # the agent's load), but those are the agent's words, not the customer's state.
        analysis = (
            MessageAnalysis.objects.filter(
                message__ticket_id=ticket.pk,
                message__kind=MessageKind.INCOMING,
                status=AnalysisStatus.DONE,
            )
            .select_related("message")
            .order_by("-message_id")
            .first()
        )
        # The customer's problem in their words: the subject and the latest message read.
        problem = ticket.subject + ("\n" + analysis.message.body if analysis else "")
        items = selectors.suggestions(
            ticket=ticket, analysis=analysis, agent=agent, problem=problem
        )
    return render(
        request,
        "canned/_suggestions.html",
        {
            "ticket": ticket,
            "items": items,
            "query": query,
            "language": selectors.suggestion_language(ticket=ticket, agent=agent),
        },
    )


@login_required
@require_GET
def ticket_render(request: HttpRequest, ticket_id: int, variant_id: int) -> JsonResponse:
    """One variant filled in for the ticket: ``{text, unfilled, response_id, …}``."""
    agent = _agent(request)
    ticket = _ticket(request, ticket_id)
    try:
        variant = selectors.variant_for_ticket(ticket=ticket, agent=agent, variant_id=variant_id)
    except CannedVariant.DoesNotExist:
        return JsonResponse({"detail": _("No such canned response.")}, status=404)
    rendered = services.render_variant(variant, ticket=ticket, agent=agent)
    return JsonResponse(
        {
            "text": rendered.text,
            "unfilled": list(rendered.unfilled),
            "language": rendered.language,
            "response_id": rendered.response_id,
            "variant_id": rendered.variant_id,
        }
    )


# --- the library -----------------------------------------------------------------------------


def _title_for(agent: Agent, response: CannedResponse) -> str:
    """The response's title in the agent's interface language when a variant carries one."""
    for variant in response.variants.all():  # prefetched
        if variant.language == agent.language and variant.title:
            return variant.title
    return response.title


def _rows(agent: Agent, responses: list[CannedResponse]) -> list[dict[str, Any]]:
    order = {code: position for position, code in enumerate(VariantLanguage.values)}
    return [
        {
            "response": response,
            "title": _title_for(agent, response),
            "variants": sorted(response.variants.all(), key=lambda v: order.get(v.language, 9)),
            "can_edit": services.can_edit(agent, response),
        }
        for response in responses
    ]


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    """Every canned response the agent may use; leads and admins get edit links."""
    agent = _agent(request)
    form = forms.LibraryFilterForm(request.GET)
    teams = services.editable_teams(agent) if agent.is_lead else []
    visible_teams = (
        teams
        if agent.is_admin
        else sorted({t.pk: t for t in [*teams, *agent.teams.all()]}.values(), key=lambda t: t.name)
    )
    context: dict[str, Any] = {
        "form": form,
        "teams": visible_teams,
        "categories": Category.choices,
        "languages": VariantLanguage.choices,
        "can_create": bool(teams) or agent.is_admin,
        "copy_teams": teams,
    }
    if not form.is_valid():
        context.update(rows=[], error=" ".join(" ".join(e) for e in form.errors.values()))
        return render(request, "canned/library.html", context, status=400)
    data = form.cleaned_data
    responses = list(
        selectors.library(
            agent=agent,
            team=data["team"],
            category=data["category"],
            language=data["language"],
            query=data["q"],
        )[:500]
    )
    context["rows"] = _rows(agent, responses)
    return render(request, "canned/library.html", context)


def _form_page(
    request: HttpRequest,
    form: forms.ResponseForm,
    *,
    response: CannedResponse | None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "canned/form.html",
        {
            "form": form,
            "response": response,
            "error": error,
            "variables": [
                rendering.placeholder(name)
                for name in (*rendering.ALLOWED_VARIABLES, rendering.CUSTOM_PREFIX + "KEY")
            ],
        },
        status=status,
    )


def _response_form(
    agent: Agent, data: Any = None, initial: dict[str, Any] | None = None
) -> forms.ResponseForm:
    return forms.ResponseForm(
        data,
        initial=initial,
        teams=services.editable_teams(agent),
        allow_shared=agent.is_admin,
    )


def _apply_errors(form: forms.ResponseForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if not (agent.is_admin or services.editable_teams(agent)):
        raise PermissionDenied(_("Only team leads and admins can add canned responses."))
    if request.method == "GET":
        return _form_page(request, _response_form(agent), response=None)
    form = _response_form(agent, request.POST)
    if not form.is_valid():
        return _form_page(request, form, response=None, status=400)
    try:
        response = services.create_response(
            by=agent,
            team=form.team_object(),
            title=form.cleaned_data["title"],
            category=form.cleaned_data["category"],
            active=form.cleaned_data["active"],
            variants=form.variants(),
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return _form_page(request, form, response=None, status=400)
    except PermissionDenied as error:
        return _form_page(request, form, response=None, status=403, error=_error_text(error))
    messages.success(request, _("Canned response “%(title)s” saved.") % {"title": response.title})
    return redirect("canned:library")


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, response_id: int) -> HttpResponse:
    agent = _agent(request)
    response = _response(request, response_id)
    if not services.can_edit(agent, response):
        raise PermissionDenied(_("Only this team's leads and admins can change this response."))
    if request.method == "GET":
        initial: dict[str, Any] = {
            "title": response.title,
            "category": response.category,
            "team": str(response.team_id) if response.team_id else forms.SHARED,
            "active": response.active,
        }
        for variant in response.variants.all():
            initial[f"title_{variant.language}"] = variant.title
            initial[f"body_{variant.language}"] = variant.body
        return _form_page(request, _response_form(agent, initial=initial), response=response)
    form = _response_form(agent, request.POST)
    if not form.is_valid():
        return _form_page(request, form, response=response, status=400)
    try:
        services.update_response(
            response=response,
            by=agent,
            team=form.team_object(),
            title=form.cleaned_data["title"],
            category=form.cleaned_data["category"],
            active=form.cleaned_data["active"],
            variants=form.variants(),
        )
    except ValidationError as error:
        _apply_errors(form, error)
        return _form_page(request, form, response=response, status=400)
    except PermissionDenied as error:
        return _form_page(request, form, response=response, status=403, error=_error_text(error))
    messages.success(request, _("Canned response “%(title)s” saved.") % {"title": response.title})
    return redirect("canned:library")


@login_required
@require_POST
def delete(request: HttpRequest, response_id: int) -> HttpResponse:
    agent = _agent(request)
    response = _response(request, response_id)
    title = response.title
    services.delete_response(response=response, by=agent)  # PermissionDenied → 403
    messages.success(request, _("Canned response “%(title)s” deleted.") % {"title": title})
    return redirect("canned:library")


@login_required
@require_POST
def copy(request: HttpRequest, response_id: int) -> HttpResponse:
    """A lead copies a response (usually a shared one) into one of their teams to adapt it."""
    agent = _agent(request)
    response = _response(request, response_id)
    form = forms.CopyForm(request.POST, teams=services.editable_teams(agent))
    if not form.is_valid():
        messages.error(request, _("Choose one of your teams to copy the response to."))
        return redirect("canned:library")
    duplicate = services.copy_to_team(response=response, team=form.team_object(), by=agent)
    messages.success(
        request,
        _("Copied to %(team)s: edit it there.") % {"team": form.team_object().name},
    )
    return redirect("canned:edit", duplicate.pk)
