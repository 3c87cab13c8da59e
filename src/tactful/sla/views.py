"""Thin views: SLA policies and business hours (leads and admins), a ticket's targets panel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent, Team
from tactful.sla import forms, presenters, selectors, services
from tactful.sla.models import BusinessHours, Policy
from tactful.tickets import permissions
from tactful.tickets.models import Ticket


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def _errors(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@login_required
@require_GET
def policy_list(request: HttpRequest) -> HttpResponse:
    services.check_can_manage(_agent(request))
    return render(
        request,
        "sla/policies.html",
        {
            "rows": presenters.policy_rows(list(selectors.policies())),
            "hours": list(selectors.business_hours()),
        },
    )


def _policy_page(request: HttpRequest, policy: Policy | None) -> HttpResponse:
    agent = _agent(request)
    services.check_can_manage(agent)
    if request.method == "POST":
        form = forms.PolicyForm(request.POST, teams=_teams())
        if form.is_valid():
            try:
                saved = services.save_policy(by=agent, policy=policy, data=form.policy_data())
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, _("Policy “%(name)s” saved.") % {"name": saved.name})
                return redirect("sla:policies")
        status = 400
    else:
        initial = forms.PolicyForm.initial_for(policy) if policy is not None else None
        form = forms.PolicyForm(initial=initial, teams=_teams())
        status = 200
    return render(request, "sla/policy_form.html", {"form": form, "policy": policy}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int) -> HttpResponse:
    services.check_can_manage(_agent(request))
    return _policy_page(request, get_object_or_404(Policy, pk=policy_id))


@login_required
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    agent = _agent(request)
    services.check_can_manage(agent)
    policy = get_object_or_404(Policy, pk=policy_id)
    services.delete_policy(by=agent, policy=policy)
    messages.success(request, _("Policy “%(name)s” deleted.") % {"name": policy.name})
    return redirect("sla:policies")


def _hours_page(request: HttpRequest, row: BusinessHours | None) -> HttpResponse:
    agent = _agent(request)
    services.check_can_manage(agent)
    if request.method == "POST":
        form = forms.BusinessHoursForm(request.POST, teams=_teams())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_business_hours(
                    by=agent,
                    hours_row=row,
                    name=data["name"],
                    team_id=data["team"].pk if data.get("team") else None,
                    time_zone=data["time_zone"],
                    week=data["week"],
                    holidays=data["holidays"],
                )
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, _("Business hours saved."))
                return redirect("sla:policies")
        status = 400
    else:
        initial = forms.BusinessHoursForm.initial_for(row) if row is not None else None
        form = forms.BusinessHoursForm(initial=initial, teams=_teams())
        status = 200
    return render(request, "sla/hours_form.html", {"form": form, "row": row}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def hours_new(request: HttpRequest) -> HttpResponse:
    return _hours_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def hours_edit(request: HttpRequest, hours_id: int) -> HttpResponse:
    services.check_can_manage(_agent(request))
    return _hours_page(request, get_object_or_404(BusinessHours, pk=hours_id))


@login_required
@require_GET
def ticket_targets(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket page's targets panel (loaded by htmx, refreshed each minute)."""
    ticket = Ticket.objects.filter(pk=ticket_id).only("id", "team_id", "assignee_id").first()
    if ticket is None:
        raise Http404
    try:
        permissions.check_can_view(_agent(request), ticket)
    except PermissionDenied as exc:
        raise Http404 from exc
    summary = selectors.summary_of(ticket)
    return render(
        request,
        "sla/_ticket_targets.html",
        {
            "ticket": ticket,
            "policy": summary.policy if summary else None,
            "rows": presenters.target_rows(selectors.ticket_clocks(ticket)),
        },
    )
