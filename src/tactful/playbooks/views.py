"""Thin views for playbooks: the ticket panel and its ticks, the library, the editor, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent
from tactful.playbooks import forms, presenters, selectors, services
from tactful.playbooks.models import Playbook, PlaybookLanguage
from tactful.tickets import permissions
from tactful.tickets.models import Ticket


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    try:
        return permissions.visible_tickets(_agent(request)).get(pk=ticket_id)
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such ticket.")) from exc


def _playbook(playbook_id: int) -> Playbook:
    try:
        return Playbook.objects.prefetch_related("teams", "variants").get(pk=playbook_id)
    except Playbook.DoesNotExist as exc:
        raise Http404(_("No such playbook.")) from exc


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You cannot do that.")


# --- on the ticket page -----------------------------------------------------------------------


def _panel(
    request: HttpRequest, ticket: Ticket, *, status: int = 200, error: str = ""
) -> HttpResponse:
    agent = _agent(request)
    cards = presenters.ticket_cards(selectors.for_ticket(ticket), agent=agent, ticket=ticket)
    return render(
        request,
        "playbooks/_panel.html",
        {"ticket": ticket, "cards": cards, "error": error},
        status=status,
    )


@login_required
@require_GET
def ticket_panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The playbooks that fit the ticket, with its progress (loaded into the ticket page)."""
    return _panel(request, _ticket(request, ticket_id))


@login_required
@require_POST
def check_step(request: HttpRequest, ticket_id: int, playbook_id: int) -> HttpResponse:
    """Tick a step off (or un-tick it); htmx gets the panel back, a plain form the ticket."""
    ticket = _ticket(request, ticket_id)
    # Only its id: the service reads the playbook with the others that fit the ticket.
    playbook = Playbook.objects.only("id").filter(pk=playbook_id).first()
    if playbook is None:
        raise Http404(_("No such playbook."))
    form = forms.CheckStepForm(request.POST)
    htmx = bool(request.headers.get("HX-Request"))
    error = ""
    status = 200
    if not form.is_valid():
        error, status = _("Choose a step of this playbook."), 400
    else:
        try:
            services.check_step(
                ticket=ticket,
                playbook=playbook,
                number=form.cleaned_data["step"],
                done=form.cleaned_data["done"],
                by=_agent(request),
            )
        except ValidationError as exc:
            error, status = _error_text(exc), 400
        except PermissionDenied as exc:
            error, status = _error_text(exc), 403
    if htmx:
        return _panel(request, ticket, status=status, error=error)
    if error:
        messages.error(request, error)
    return redirect("inbox:ticket", ticket_id=ticket.pk)


# --- the library and the editor ---------------------------------------------------------------


@login_required
@require_GET
def library(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    rows = [
        {
            "playbook": playbook,
            "title": presenters.title_for(playbook, agent),
            "where": presenters.where_in_words(playbook),
            "languages": sorted(v.language for v in playbook.variants.all()),
            "can_edit": services.can_edit_playbook(agent, playbook),
        }
        for playbook in selectors.library()[:500]
    ]
    return render(
        request,
        "playbooks/library.html",
        {"rows": rows, "can_create": agent.is_lead and agent.is_active},
    )


def _form(
    agent: Agent, data: Any = None, initial: dict[str, Any] | None = None
) -> forms.PlaybookForm:
    return forms.PlaybookForm(data, initial=initial, teams=services.editable_teams(agent))


def _editor(
    request: HttpRequest,
    form: forms.PlaybookForm,
    *,
    playbook: Playbook | None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "playbooks/form.html",
        {"form": form, "playbook": playbook, "error": error},
        status=status,
    )


def _apply_errors(form: forms.PlaybookForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _save(request: HttpRequest, playbook: Playbook | None) -> HttpResponse:
    agent = _agent(request)
    form = _form(agent, request.POST)
    if not form.is_valid():
        return _editor(request, form, playbook=playbook, status=400)
    try:
        saved = services.save_playbook(draft=form.draft(), by=agent, playbook=playbook)
    except ValidationError as error:
        _apply_errors(form, error)
        return _editor(request, form, playbook=playbook, status=400)
    except PermissionDenied as error:
        return _editor(request, form, playbook=playbook, status=403, error=_error_text(error))
    messages.success(request, _("Playbook “%(name)s” saved.") % {"name": saved.name})
    return redirect("playbooks:library")


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if not (agent.is_lead and agent.is_active):
        raise PermissionDenied(_("Only team leads and admins write playbooks."))
    if request.method == "GET":
        return _editor(request, _form(agent), playbook=None)
    return _save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, playbook_id: int) -> HttpResponse:
    agent = _agent(request)
    playbook = _playbook(playbook_id)
    if not services.can_edit_playbook(agent, playbook):
        raise PermissionDenied(_("Only leads of this playbook's teams can change it."))
    if request.method == "POST":
        return _save(request, playbook)
    initial: dict[str, Any] = {
        "name": playbook.name,
        "active": playbook.active,
        "order": playbook.order,
        "teams": [str(team.pk) for team in playbook.teams.all()],
        "channels": list(playbook.channels),
        "tags": ", ".join(playbook.tags),
        "signals": list(playbook.signals),
        "emotions": list(playbook.emotions),
        "min_intensity": round(float(playbook.min_intensity) * 100),
    }
    for variant in playbook.variants.all():
        initial[f"title_{variant.language}"] = variant.title
        initial[f"body_{variant.language}"] = variant.body
    return _editor(request, _form(agent, initial=initial), playbook=playbook)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's preview of one language (``?language=es`` reads ``body_es``): the Markdown
    as the ticket page will show it, sanitised."""
    if not _agent(request).is_lead:
        raise PermissionDenied(_("Only team leads and admins write playbooks."))
    language = request.GET.get("language", "")
    field = f"body_{language}" if language in PlaybookLanguage.values else "body"
    form = forms.PreviewForm({"body": request.POST.get(field, "")})
    if not form.is_valid():
        return render(
            request,
            "playbooks/_preview.html",
            {"blocks": (), "error": _("The text is too long or not text at all.")},
            status=400,
        )
    body = form.cleaned_data["body"].replace("\r\n", "\n")
    return render(request, "playbooks/_preview.html", {"blocks": presenters.render_blocks(body)})


@login_required
@require_GET
def history(request: HttpRequest, playbook_id: int) -> HttpResponse:
    """Every version: who saved it, when, what changed, and the text it added and removed."""
    agent = _agent(request)
    playbook = _playbook(playbook_id)
    versions = list(playbook.versions.select_related("edited_by"))
    return render(
        request,
        "playbooks/history.html",
        {
            "playbook": playbook,
            "title": presenters.title_for(playbook, agent),
            "rows": presenters.history_rows(playbook, versions),
            "can_edit": services.can_edit_playbook(agent, playbook),
        },
    )


@login_required
@require_POST
def restore(request: HttpRequest, playbook_id: int, number: int) -> HttpResponse:
    agent = _agent(request)
    playbook = _playbook(playbook_id)
    try:
        services.restore_version(playbook=playbook, number=number, by=agent)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("Version %(n)d restored as the newest version.") % {"n": number}
        )
    return redirect("playbooks:history", playbook_id=playbook.pk)
