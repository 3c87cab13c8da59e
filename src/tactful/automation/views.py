"""Thin views: the rules pages (leads and admins), notifications, and the hand-over panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent, Team
from tactful.automation import forms, presenters, rules, selectors, services
from tactful.automation.handover import hand_over, handover_targets
from tactful.automation.models import Rule
from tactful.canned.models import CannedVariant
from tactful.tickets import permissions
from tactful.tickets.models import Ticket

NOTIFICATIONS_PER_PAGE = 50


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _check_lead(agent: Agent) -> None:
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can change automation rules."))


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You cannot do that.")


# --- rules ------------------------------------------------------------------------------------


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    rows = presenters.rule_rows(agent)
    return render(
        request,
        "automation/rules.html",
        {
            "rows": rows,
            "protected": selectors.protects_agents(row.rule for row in rows),
            "can_create": selectors.can_edit_rule(agent, None),
        },
    )


def _form_querysets(agent: Agent) -> tuple[QuerySet[Team], QuerySet[Agent]]:
    teams = Team.objects.order_by("name")
    if not agent.is_admin:
        teams = teams.filter(pk__in=sorted(permissions.team_ids(agent)))
    agents = Agent.objects.filter(is_active=True).order_by("first_name", "username")
    return teams, agents


def _rule_form_page(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    if not selectors.can_edit_rule(agent, rule):
        raise PermissionDenied(_("Leads can only change shared rules and their own teams' rules."))
    teams, agents = _form_querysets(agent)
    if request.method == "POST":
        form = forms.RuleForm(request.POST, teams=teams, agents=agents)
        if form.is_valid():
            try:
                saved = services.save_rule(by=agent, rule=rule, **form.rule_data())
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
                return redirect("automation:rules")
        status = 400
    else:
        initial = forms.RuleForm.initial_for(rule) if rule is not None else None
        form = forms.RuleForm(initial=initial, teams=teams, agents=agents)
        status = 200
    return render(request, "automation/rule_form.html", {"form": form, "rule": rule}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    _check_lead(_agent(request))
    return _rule_form_page(request, get_object_or_404(Rule, pk=rule_id))


def _rule_action(request: HttpRequest, rule_id: int, act: str) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    rule = get_object_or_404(Rule, pk=rule_id)
    if act == "toggle":
        services.set_rule_active(by=agent, rule=rule, active=not rule.active)
    elif act == "move":
        direction = request.POST.get("direction", "")
        if direction not in {"up", "down"}:
            return HttpResponse(
                _("Direction must be up or down."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        services.move_rule(by=agent, rule=rule, up=direction == "up")
    elif act == "delete":
        services.delete_rule(by=agent, rule=rule)
        messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("automation:rules")


@login_required
@require_POST
def rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _rule_action(request, rule_id, "toggle")


@login_required
@require_POST
def rule_move(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _rule_action(request, rule_id, "move")


@login_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    return _rule_action(request, rule_id, "delete")


# --- notifications ----------------------------------------------------------------------------


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    paginator = Paginator(selectors.notifications_for(agent), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(_page_number(request.GET.get("page", "")))
    return render(
        request,
        "automation/notifications.html",
        {"page": page, "unread": selectors.unread_count(agent)},
    )


@login_required
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The nav badge, loaded by htmx so no other page pays the query."""
    return render(
        request,
        "automation/_notification_count.html",
        {"unread": selectors.unread_count(_agent(request))},
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    agent = _agent(request)
    marked = services.mark_read(agent=agent, notification_id=notification_id)
    # Someone else's or unknown: 404 (an already-read one of your own is fine).
    if not marked and not agent.notifications.filter(pk=notification_id).exists():
        raise Http404
    return redirect("automation:notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(agent=_agent(request))
    return redirect("automation:notifications")


@login_required
@require_GET
def team_loads(request: HttpRequest) -> HttpResponse:
    """Emotional load per team, loaded into the team load page (leads and admins)."""
    agent = _agent(request)
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can see team load."))
    return render(
        request,
        "automation/_team_loads.html",
        {"teams": selectors.teams_loads(agent), "load_days": selectors.load_window_days()},
    )


# --- hand-over --------------------------------------------------------------------------------


def _visible_ticket(agent: Agent, ticket_id: int) -> Ticket:
    ticket = permissions.visible_tickets(agent).filter(pk=ticket_id).first()
    if ticket is None:
        raise Http404
    return ticket


def _boundary_responses(ticket: Ticket) -> list[dict[str, object]]:
    """Boundary and closing canned responses in the ticket's language."""
    language = ticket.language if ticket.language in {"en", "es", "ru"} else "en"
    variants = (
        CannedVariant.objects.filter(
            language=language,
            response__active=True,
            response__category__in=["boundary", "closing"],
        )
        .filter(Q(response__team__isnull=True) | Q(response__team_id=ticket.team_id))
        .select_related("response")
        .order_by("response__category", "response__title", "id")[:6]
    )
    return [
        {
            "variant_id": variant.pk,
            "response_id": variant.response_id,
            "title": variant.display_title,
            "category": variant.response.category,
            "category_label": variant.response.get_category_display(),
            "language": variant.language,
        }
        for variant in variants
    ]


@login_required
@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """GET: the panel (htmx) or a page (no JavaScript); POST: hand over, back to the ticket."""
    agent = _agent(request)
    ticket = _visible_ticket(agent, ticket_id)
    targets = handover_targets(ticket=ticket, by=agent)
    if request.method == "POST":
        form = forms.HandOverForm(request.POST, targets=targets)
        if form.is_valid():
            try:
                event = hand_over(
                    ticket=ticket,
                    by=agent,
                    to=form.cleaned_data.get("to"),
                    note=form.cleaned_data.get("note") or "",
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(
                    request,
                    _("Handed over to %(to)s.") % {"to": event.data.get("to_name", "")},
                )
        else:
            messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect(reverse("inbox:ticket", args=[ticket.pk]))
    hostile = ticket.abuse or ticket.threat
    # The default "Dead end" rule tags it; otherwise ask the coach (it skips short threads).
    dead_end = ticket.tags.filter(name="dead-end").exists() or rules.ticket_is_dead_end(ticket)
    context = {
        "ticket": ticket,
        "form": forms.HandOverForm(targets=targets),
        "hostile": hostile,
        "dead_end": dead_end,
        "boundary_responses": _boundary_responses(ticket) if hostile or dead_end else [],
    }
    template = (
        "automation/_handover_panel.html"
        if request.headers.get("HX-Request")
        else "automation/handover_page.html"
    )
    return render(request, template, context)
