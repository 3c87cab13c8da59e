"""Thin views: the settings pages for leads and admins, and the ticket page's fields card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent, Team
from tactful.livechat.models import SpanishAddress
from tactful.teamsettings import forms, services
from tactful.tickets import selectors
from tactful.tickets.models import Ticket
from tactful.webhooks.models import WebhookEvent


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _errors(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _spanish_address(team: Team) -> str:
    try:
        return str(team.chat_settings.spanish_address)
    except ObjectDoesNotExist:
        return SpanishAddress.USTED


@login_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    """Each managed team with its assignment switch and mode."""
    rows = [
        (
            team,
            forms.TeamAssignmentForm(
                initial={
                    "auto_assign": team.auto_assign,
                    "assignment_mode": team.assignment_mode,
                    "spanish_address": _spanish_address(team),
                },
                prefix=f"team{team.pk}",
            ),
        )
        for team in services.managed_teams(_agent(request))
    ]
    return render(request, "teamsettings/teams.html", {"rows": rows, "tab": "teams"})


@login_required
@require_POST
def team_update(request: HttpRequest, team_id: int) -> HttpResponse:
    agent = _agent(request)
    team = get_object_or_404(services.managed_teams(agent), pk=team_id)
    form = forms.TeamAssignmentForm(request.POST, prefix=f"team{team.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("teamsettings:teams")
    services.set_team_assignment(
        team=team,
        auto_assign=form.cleaned_data["auto_assign"],
        mode=form.cleaned_data["assignment_mode"],
        by=agent,
    )
    if form.cleaned_data["spanish_address"]:
        services.set_spanish_address(
            team=team, address=form.cleaned_data["spanish_address"], by=agent
        )
    messages.success(request, _("%(team)s saved.") % {"team": team})
    return redirect("teamsettings:teams")


@login_required
@require_GET
def agents(request: HttpRequest) -> HttpResponse:
    """Who is in, who is away (agents set that themselves, under their name at the top)."""
    rows = services.managed_agents(_agent(request)).prefetch_related("teams")
    return render(request, "teamsettings/agents.html", {"rows": rows, "tab": "agents"})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    holders = services.token_holders(agent)
    raw = ""
    status = 200
    if request.method == "POST":
        form = forms.TokenForm(request.POST, holders=holders)
        if form.is_valid():
            try:
                token, raw = services.issue_token(
                    agent=form.cleaned_data["agent"], name=form.cleaned_data["name"], by=agent
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
                status = 400
            else:
                messages.success(
                    request,
                    _("Token “%(name)s” issued for %(agent)s.")
                    % {"name": token.name, "agent": token.agent},
                )
                form = forms.TokenForm(holders=holders)
        else:
            status = 400
    else:
        form = forms.TokenForm(holders=holders)
    return render(
        request,
        "teamsettings/tokens.html",
        {
            "form": form,
            "raw": raw,
            "rows": services.visible_tokens(agent),
            "tab": "tokens",
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    agent = _agent(request)
    token = get_object_or_404(services.visible_tokens(agent), pk=token_id)
    services.revoke_token(token=token, by=agent)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("teamsettings:tokens")


@login_required
@require_http_methods(["GET", "POST"])
def fields(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    teams = services.managed_teams(agent)
    status = 200
    if request.method == "POST":
        form = forms.CustomFieldForm(request.POST, teams=teams)
        if form.is_valid():
            try:
                field = services.create_field(by=agent, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, _errors(error))
                status = 400
            else:
                messages.success(request, _("Field “%(label)s” added.") % {"label": field.label})
                return redirect("teamsettings:fields")
        else:
            status = 400
    else:
        form = forms.CustomFieldForm(teams=teams)
    return render(
        request,
        "teamsettings/fields.html",
        {"form": form, "rows": services.visible_fields(agent), "tab": "fields"},
        status=status,
    )


@login_required
@require_POST
def field_delete(request: HttpRequest, field_id: int) -> HttpResponse:
    agent = _agent(request)
    field = get_object_or_404(services.visible_fields(agent), pk=field_id)
    services.delete_field(field=field, by=agent)
    messages.success(request, _("Field “%(label)s” deleted.") % {"label": field.label})
    return redirect("teamsettings:fields")


@login_required
@require_http_methods(["GET", "POST"])
def ticket_fields(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket page's card (loaded by htmx); a POST saves and answers the card again."""
    agent = _agent(request)
    try:
        ticket = selectors.ticket_for_page(agent=agent, ticket_id=ticket_id, with_assignee=False)
    except Ticket.DoesNotExist as exc:
        raise Http404 from exc
    offered = services.fields_for(ticket)
    error = ""
    status = 200
    if request.method == "POST":
        values, problems = forms.clean_values(request.POST, [f.name for f in offered])
        if problems:
            error, status = " ".join(problems), 400
        else:
            try:
                services.set_field_values(ticket=ticket, values=values, by=agent)
            except ValidationError as exc:
                error, status = _errors(exc), 400
        if not request.headers.get("HX-Request") and status == 200:
            return redirect("inbox:ticket", ticket_id=ticket.pk)
    if request.headers.get("HX-Request"):
        # htmx swaps only 2xx answers: the card shows its own error.
        status = 200
    current = ticket.custom_fields if isinstance(ticket.custom_fields, dict) else {}
    rows = [(f, str(current.get(f.name, ""))) for f in offered]
    return render(
        request,
        "teamsettings/_ticket_fields.html",
        {"ticket": ticket, "rows": rows, "error": error, "saved": request.method == "POST"},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    teams = services.managed_teams(agent)
    labels = dict(WebhookEvent.choices)
    secret = ""
    status = 200
    if request.method == "POST":
        form = forms.WebhookForm(request.POST, teams=teams)
        if form.is_valid():
            try:
                webhook, secret = services.create_webhook(by=agent, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, _errors(error))
                status = 400
            else:
                messages.success(request, _("Webhook “%(name)s” added.") % {"name": webhook.name})
                form = forms.WebhookForm(teams=teams)
        else:
            status = 400
    else:
        form = forms.WebhookForm(teams=teams)
    return render(
        request,
        "teamsettings/webhooks.html",
        {
            "form": form,
            "secret": secret,
            "rows": [
                (row, [labels[name] for name in row.events if name in labels])
                for row in services.visible_webhooks(agent)
            ],
            "tab": "webhooks",
        },
        status=status,
    )


@login_required
@require_POST
def webhook_active(request: HttpRequest, webhook_id: int) -> HttpResponse:
    agent = _agent(request)
    webhook = get_object_or_404(services.visible_webhooks(agent), pk=webhook_id)
    services.set_webhook_active(
        webhook=webhook, active=request.POST.get("active") == "yes", by=agent
    )
    messages.success(request, _("Saved."))
    return redirect("teamsettings:webhooks")
