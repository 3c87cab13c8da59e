"""Thin views: the reports page (charts and the breakdown table) and its CSV export."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tactful.accounts.models import Agent, Team
from tactful.reports import forms, presenters, selectors
from tactful.tickets import permissions


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _form_errors(form: forms.ReportForm) -> str:
    return " ".join(" ".join(errors) for errors in form.errors.values())


def _report(request: HttpRequest) -> tuple[forms.ReportForm, presenters.Report | None, Any]:
    viewer = _agent(request)
    form = forms.ReportForm(request.GET)
    if not form.is_valid():
        return form, None, None
    data = form.cleaned_data
    team = data.get("team")
    if team is not None and not viewer.is_admin and team not in permissions.team_ids(viewer):
        raise PermissionDenied(_("You can read the reports of your own teams only."))
    if data.get("agent") is not None and not viewer.is_lead:
        raise PermissionDenied(_("Agents read their own figures only."))
    scope = selectors.scope_for(
        viewer,
        team=team,
        agent=data.get("agent"),
        channel=data.get("channel") or "",
        language=data.get("language") or "",
    )
    by = data["by"]
    readings = presenters.read(scope, data["period"], by=by)
    report = presenters.build(
        readings, data["period"], by=by, own_figures_only=scope.own_figures_only
    )
    return form, report, scope


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    viewer = _agent(request)
    form, report, _scope = _report(request)
    teams = Team.objects.order_by("name")
    if not viewer.is_admin:
        teams = teams.filter(pk__in=sorted(permissions.team_ids(viewer)))
    context = {
        "form": form,
        "report": report,
        "cards": presenters.cards(report) if report else [],
        "table": presenters.table(report) if report else [],
        "error": _form_errors(form) if report is None else "",
        "teams": list(teams) if viewer.is_lead else [],
        "own_figures_only": not viewer.is_lead,
        "by_label": dict(forms.BY_CHOICES).get(report.by, "") if report else "",
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/report.html", context, status=200 if report else 400)


@login_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    form, report, _scope = _report(request)
    if report is None:
        return HttpResponse(
            _form_errors(form), status=400, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = report.period
    response["Content-Disposition"] = (
        f'attachment; filename="tactful-report-{report.by}-{period.first}-{period.last}.csv"'
    )
    writer = csv.writer(response)
    for line in presenters.csv_rows(report):
        # A spreadsheet runs a cell starting with = + - @ as a formula: names are text.
        writer.writerow(
            ["'" + c if isinstance(c, str) and c[:1] in "=+-@\t\r" else c for c in line]
        )
    return response
