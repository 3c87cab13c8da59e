"""The agents' pages: figures, a ticket's surveys, monthly reports (page and PDF), the feed."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tactful.accounts.models import Agent, Team
from tactful.satisfaction import (
    feed,
    forms,
    links,
    pdf,
    presenters,
    reports,
    scales,
    selectors,
    tasks,
)
from tactful.satisfaction.models import FeedItem, MonthlyReport, SurveySettings
from tactful.tickets import selectors as ticket_selectors
from tactful.tickets.models import Ticket


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


# --- figures ----------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """My figures over the last 30 days; for leads, every agent of their teams."""
    agent = _agent(request)
    since = timezone.now() - timedelta(days=30)
    teams = list(selectors.visible_teams(agent))
    people = [agent]
    if agent.is_lead:
        people = list(
            Agent.objects.filter(teams__in=teams, is_active=True).distinct().order_by("username")
        ) or [agent]
    figures = selectors.agent_figures([p.pk for p in people], since=since)
    rows = [
        {
            "agent": person,
            **figures[person.pk],
            "csat_text": presenters.percent(figures[person.pk]["csat"]),
            "happiness_text": presenters.percent(figures[person.pk]["happiness"], signed=True),
            "response_text": presenters.percent(figures[person.pk]["response_rate"]),
        }
        for person in people
    ]
    answers = selectors.recent_answers(agent)
    return render(
        request,
        "satisfaction/overview.html",
        {
            "rows": rows,
            "teams": teams,
            "answers": [
                {
                    "survey": s,
                    "label": scales.label(s.scale, s.rating),
                }
                for s in answers
            ],
        },
    )


@login_required
@require_GET
def ticket_panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket page's survey card (loaded by htmx)."""
    try:
        ticket = ticket_selectors.ticket_for_page(agent=_agent(request), ticket_id=ticket_id)
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such ticket.")) from exc
    surveys = selectors.ticket_surveys(ticket)
    rows = [
        {
            "survey": s,
            "rating_label": scales.label(s.scale, s.rating),
            "agents": ", ".join(str(a) for a in s.agents.all()),
            "link": links.page_url(s) if s.status in {"sent", "answered"} else "",
        }
        for s in surveys
    ]
    return render(request, "satisfaction/_ticket_panel.html", {"rows": rows, "ticket": ticket})


# --- reports ----------------------------------------------------------------------------------


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    kept = list(selectors.reports_for(agent)[:200])
    teams = [t for t in selectors.visible_teams(agent) if selectors.can_manage_team(agent, t.pk)]
    default_month = reports_month_default()
    return render(
        request,
        "satisfaction/reports.html",
        {
            "reports": kept,
            "teams": teams,
            "month": default_month,
            "can_generate": bool(teams) or agent.is_admin,
        },
    )


def reports_month_default() -> str:
    return reports.previous_month(timezone.localdate()).isoformat()[:7]


@login_required
@require_POST
def generate_report(request: HttpRequest) -> HttpResponse:
    """Make (or remake) a month's report on demand."""
    agent = _agent(request)
    form = forms.GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect("satisfaction:reports")
    team_id = form.cleaned_data["team"]
    if team_id is None:
        if not agent.is_admin:
            raise PermissionDenied(_("Only admins make the whole desk's report."))
        team = None
    else:
        if not selectors.can_manage_team(agent, team_id):
            raise PermissionDenied(_("Only the team's leads and admins make its report."))
        team = get_object_or_404(Team, pk=team_id)
    month = reports.month_start(form.cleaned_data["month"]).isoformat()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker (the demo, tests): made right here.
        report_id = tasks.generate_report(team.pk if team else None, month)
        messages.success(request, _("Report ready."))
        return redirect("satisfaction:report", report_id=report_id)
    tasks.generate_report.delay(team.pk if team else None, month)
    messages.success(request, _("The report is being made; it will be listed here in a minute."))
    return redirect("satisfaction:reports")


def _visible_report(request: HttpRequest, report_id: int) -> MonthlyReport:
    report = MonthlyReport.objects.select_related("team").filter(pk=report_id).first()
    if report is None or not selectors.can_see_team(_agent(request), report.team_id):
        raise Http404(_("No such report."))
    return report


@login_required
@require_GET
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _visible_report(request, report_id)
    return render(request, "satisfaction/report_page.html", presenters.report_context(report))


@login_required
@require_GET
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    """The PDF kept with the report (in the reader's language when it differs: drawn anew)."""
    report = _visible_report(request, report_id)
    body = bytes(report.pdf) if report.pdf else b""
    if not body or request.GET.get("fresh") == "1":
        body = pdf.render_pdf(report)
    response = HttpResponse(body, content_type="application/pdf")
    scope = f"team-{report.team_id}" if report.team_id else "desk"
    response["Content-Disposition"] = (
        f'attachment; filename="csat-{report.month:%Y-%m}-{scope}.pdf"'
    )
    return response


# --- the feed ---------------------------------------------------------------------------------


@login_required
@require_GET
def team_feed(request: HttpRequest, team_id: int) -> HttpResponse:
    agent = _agent(request)
    team = get_object_or_404(Team, pk=team_id)
    if not selectors.can_see_team(agent, team.pk):
        raise Http404(_("No such team."))
    config = SurveySettings.objects.filter(team=team).first()
    return render(
        request,
        "satisfaction/feed.html",
        {
            "team": team,
            "items": selectors.feed_items(team),
            "webhook": bool(config and config.feed_webhook_url),
            "can_manage": selectors.can_manage_team(agent, team.pk),
        },
    )


def _moderate(request: HttpRequest, item_id: int, *, release: bool) -> HttpResponse:
    agent = _agent(request)
    item = get_object_or_404(FeedItem, pk=item_id)
    if not feed.can_moderate(agent, item):
        raise Http404(_("No such item."))
    done = feed.release(item=item, by=agent) if release else feed.hold(item=item, by=agent)
    if done:
        messages.success(
            request,
            _("Released: it will be posted shortly.")
            if release
            else _("Held back: it will not be posted."),
        )
    else:
        messages.error(request, _("Too late: this one was already posted."))
    return redirect("satisfaction:feed", team_id=item.team_id)


@login_required
@require_POST
def hold_item(request: HttpRequest, item_id: int) -> HttpResponse:
    return _moderate(request, item_id, release=False)


@login_required
@require_POST
def release_item(request: HttpRequest, item_id: int) -> HttpResponse:
    return _moderate(request, item_id, release=True)


# --- settings ---------------------------------------------------------------------------------


@login_required
def team_settings(request: HttpRequest, team_id: int) -> HttpResponse:
    agent = _agent(request)
    team = get_object_or_404(Team, pk=team_id)
    if not selectors.can_manage_team(agent, team.pk):
        raise PermissionDenied(_("Only the team's leads and admins change its surveys."))
    instance = SurveySettings.objects.filter(team=team).first() or SurveySettings(team=team)
    if request.method == "POST":
        form = forms.SettingsForm(request.POST, instance=instance)
        if form.is_valid():
            form.save()
            messages.success(request, _("Survey settings saved."))
            return redirect(reverse("satisfaction:settings", args=[team.pk]))
        status = 400
    else:
        form = forms.SettingsForm(instance=instance)
        status = 200
    return render(
        request, "satisfaction/settings.html", {"form": form, "team": team}, status=status
    )
