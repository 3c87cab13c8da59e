"""Thin views: the reviewer's queue, grading, an agent's reviews and disputes, and the leads'
pages (scorecards, sampling, calibration, the team's score)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts.models import Agent, Team
from tactful.quality import calibration, forms, presenters, sampling, selectors, services
from tactful.quality.models import (
    CalibrationRound,
    Criterion,
    Dispute,
    Review,
    SamplingPlan,
    Scorecard,
    Source,
)
from tactful.tickets import permissions
from tactful.tickets.models import Status, Ticket

#: Weeks on the team score's trend chart; conversations offered for a calibration round.
TREND_WEEKS = 12
CALIBRATION_CHOICES = 60


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _check_lead(agent: Agent) -> None:
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can do that."))


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You cannot do that.")


def _int_param(request: HttpRequest, name: str) -> int | None:
    """An id from the query string; anything that is not a positive number is a bad request."""
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404(_("Not found."))
    return int(raw)


def _visible_ticket(agent: Agent, ticket_id: int) -> Ticket:
    ticket = get_object_or_404(Ticket.objects.select_related("team"), pk=ticket_id)
    if not permissions.can_view(agent, ticket):
        raise Http404(_("Not found."))
    return ticket


# --- the reviewer's and the agent's pages ------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What to review this week (reviewers) and the agent's latest reviews."""
    agent = _agent(request)
    reviewer = selectors.is_reviewer(agent)
    since = sampling.week_start(timezone.localdate()) - timedelta(weeks=1)
    return render(
        request,
        "quality/home.html",
        {
            "reviewer": reviewer,
            "assignments": selectors.assignments_for(agent, since=since) if reviewer else [],
            "given": selectors.reviews_given(agent, limit=20) if reviewer else [],
            "received": selectors.reviews_received(agent, limit=10),
            "rounds": calibration.rounds_for(agent) if reviewer else [],
        },
    )


@login_required
@require_GET
def my_reviews(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    reviews = selectors.reviews_received(agent)
    human = [r.score for r in reviews if r.source == Source.HUMAN and not r.withdrawn]
    coach = [
        r.score for r in reviews if r.source == Source.COACH and not r.withdrawn and not r.replaced
    ]
    return render(
        request,
        "quality/my_reviews.html",
        {
            "reviews": reviews,
            "human_score": presenters.score_label(_mean(human)),
            "coach_score": presenters.score_label(_mean(coach)),
        },
    )


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


@login_required
@require_GET
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    agent = _agent(request)
    review = selectors.review_detail(review_id)
    if review is None or not selectors.can_see_review(agent, review):
        raise Http404(_("Not found."))
    return _review_page(request, review)


def _review_page(
    request: HttpRequest, review: Review, *, status: int = 200, error: str = "", **extra: Any
) -> HttpResponse:
    agent = _agent(request)
    dispute = getattr(review, "dispute", None) if hasattr(review, "dispute") else None
    can_dispute = (
        review.reviewee_id == agent.pk
        and review.round_id is None
        and not review.withdrawn
        and dispute is None
    )
    can_resolve = (
        dispute is not None
        and dispute.status == "open"
        and agent.is_lead
        and agent.pk != dispute.raised_by_id
        and permissions.can_view(agent, review.ticket)
    )
    can_override = (
        review.source == Source.COACH
        and selectors.is_reviewer(agent)
        and review.reviewee_id != agent.pk
        and not review.replaced
    )
    context = {
        "review": review,
        "rows": presenters.rating_rows(review),
        "kind": presenters.review_kind(review),
        "score": presenters.score_label(review.score),
        "dispute": dispute,
        "can_dispute": can_dispute,
        "can_resolve": can_resolve,
        "can_override": can_override,
        "dispute_form": extra.pop("dispute_form", None) or forms.DisputeForm(),
        "resolve_form": extra.pop("resolve_form", None) or forms.ResolveForm(),
        "error": error,
    }
    return render(request, "quality/review.html", context, status=status)


@login_required
@require_POST
def dispute(request: HttpRequest, review_id: int) -> HttpResponse:
    agent = _agent(request)
    review = selectors.review_detail(review_id)
    if review is None or not selectors.can_see_review(agent, review):
        raise Http404(_("Not found."))
    form = forms.DisputeForm(request.POST)
    if not form.is_valid():
        return _review_page(
            request,
            review,
            status=400,
            error=_("Say why you disagree (at most 3,000 characters)."),
            dispute_form=form,
        )
    try:
        services.dispute_review(review=review, by=agent, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _review_page(
            request, review, status=400, error=_error_text(error), dispute_form=form
        )
    except PermissionDenied as error:
        return _review_page(request, review, status=403, error=_error_text(error))
    messages.success(request, _("Your dispute was sent to the team's leads."))
    return redirect("quality:review", review_id=review.pk)


@login_required
@require_GET
def disputes(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    return render(
        request,
        "quality/disputes.html",
        {"open": selectors.open_disputes(agent), "decided": selectors.recent_decisions(agent)},
    )


@login_required
@require_POST
def resolve(request: HttpRequest, dispute_id: int) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    found = get_object_or_404(
        Dispute.objects.select_related("review", "review__ticket"), pk=dispute_id
    )
    if not permissions.can_view(agent, found.review.ticket):
        raise Http404(_("Not found."))
    review = selectors.review_detail(found.review_id)
    assert review is not None
    form = forms.ResolveForm(request.POST)
    if not form.is_valid():
        return _review_page(
            request, review, status=400, error=_("Choose a decision."), resolve_form=form
        )
    try:
        services.resolve_dispute(
            dispute=found,
            by=agent,
            upheld=form.cleaned_data["outcome"] == "upheld",
            resolution=form.cleaned_data.get("resolution", ""),
        )
    except ValidationError as error:
        return _review_page(
            request, review, status=400, error=_error_text(error), resolve_form=form
        )
    except PermissionDenied as error:
        return _review_page(request, review, status=403, error=_error_text(error))
    messages.success(request, _("The dispute is decided."))
    return redirect("quality:disputes")


# --- grading -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def grade(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Grade the conversation or one reply (``?message=``), replace the coach's review
    (``?override=``) or grade in a calibration round (``?round=``)."""
    agent = _agent(request)
    ticket = _visible_ticket(agent, ticket_id)
    round_id = _int_param(request, "round")
    override_id = _int_param(request, "override")
    round: CalibrationRound | None = None
    overrides: Review | None = None
    if round_id is not None:
        round = get_object_or_404(CalibrationRound.objects.select_related("scorecard"), pk=round_id)
        if not round.tickets.filter(pk=ticket.pk).exists():
            raise Http404(_("Not found."))
        if not round.reviewers.filter(pk=agent.pk).exists():
            raise PermissionDenied(_("You are not a reviewer in this calibration round."))
        scorecard_id: int | None = round.scorecard_id
    elif override_id is not None:
        overrides = get_object_or_404(
            Review, pk=override_id, ticket_id=ticket.pk, source=Source.COACH
        )
        scorecard_id = overrides.scorecard_id
    else:
        scorecard_id = _int_param(request, "scorecard")
    cards = list(selectors.scorecards_for(ticket))
    if scorecard_id is None:
        scorecard_id = cards[0].pk if cards else None
    if round is None and scorecard_id not in {c.pk for c in cards}:
        raise Http404(_("Not found."))
    scorecard = selectors.scorecard_with_criteria(scorecard_id) if scorecard_id else None
    if scorecard is None:
        raise Http404(_("Not found."))
    if round is None and not selectors.is_reviewer(agent):
        raise PermissionDenied(_("Only reviewers grade conversations."))
    criteria: list[Criterion] = scorecard.active_criteria  # type: ignore[attr-defined]
    repliers = selectors.repliers(ticket)
    replies = selectors.replies(ticket)
    if round is not None:
        reviewee = calibration.reviewee_of(ticket)
        repliers = [reviewee] if reviewee is not None else []
        replies = []
    elif overrides is not None:
        repliers = [a for a in repliers if a.pk == overrides.reviewee_id]
        replies = []
    message_id = _int_param(request, "message")
    initial: dict[str, Any] = {"reviewee": repliers[0].pk if repliers else None}
    if message_id is not None:
        chosen = next((m for m in replies if m.pk == message_id), None)
        if chosen is None:
            raise Http404(_("Not found."))
        initial = {"reviewee": chosen.author_agent_id, "message": chosen.pk}
    coach_review = overrides or (
        None
        if round is not None
        else Review.objects.filter(
            ticket_id=ticket.pk,
            scorecard_id=scorecard.pk,
            source=Source.COACH,
            reviewee_id=initial["reviewee"],
        )
        .prefetch_related("ratings")
        .first()
    )
    hints = presenters.coach_hints(coach_review)
    if overrides is not None:
        for criterion_id, rating in hints.items():
            initial[f"c{criterion_id}"] = "na" if rating.value is None else str(rating.value)
    status = 200
    error = ""
    if request.method == "POST":
        form = forms.GradeForm(request.POST, criteria=criteria, repliers=repliers, replies=replies)
        if form.is_valid():
            try:
                review = services.record_review(
                    ticket=ticket,
                    scorecard=scorecard,
                    reviewer=agent,
                    reviewee=form.cleaned_data["reviewee"],
                    grades=form.grades(),
                    comment=form.cleaned_data.get("comment", ""),
                    message=form.cleaned_data.get("message"),
                    overrides=overrides,
                    round=round,
                )
            except ValidationError as exc:
                status, error = 400, _error_text(exc)
            except PermissionDenied as exc:
                status, error = 403, _error_text(exc)
            else:
                messages.success(
                    request,
                    _("Review saved: %(score)s/100.")
                    % {"score": presenters.score_label(review.score)},
                )
                if round is not None:
                    return redirect("quality:round", round_id=round.pk)
                return redirect("quality:review", review_id=review.pk)
        else:
            status, error = 400, _("Grade every criterion; check the marked fields.")
    else:
        form = forms.GradeForm(
            initial=initial, criteria=criteria, repliers=repliers, replies=replies
        )
    return render(
        request,
        "quality/grade.html",
        {
            "ticket": ticket,
            "scorecard": scorecard,
            "scorecards": cards if round is None and overrides is None else [],
            "form": form,
            "rows": [
                (section, [(c, field, comment, hints.get(c.pk)) for c, field, comment in items])
                for section, items in form.rows()
            ],
            "round": round,
            "overrides": overrides,
            "thread": replies if replies else selectors.replies(ticket),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def ticket_panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket page's quality section (loaded after the page): the coach's and people's
    reviews of this conversation, and a link to grade it."""
    agent = _agent(request)
    ticket = _visible_ticket(agent, ticket_id)
    reviews = selectors.ticket_reviews(ticket)
    reviewer = selectors.is_reviewer(agent)
    shown = [
        r
        for r in reviews
        if r.round_id is None and (agent.is_lead or reviewer or r.reviewee_id == agent.pk)
    ]
    return render(
        request,
        "quality/_ticket_panel.html",
        {"ticket": ticket, "reviews": shown, "reviewer": reviewer},
    )


# --- scorecards ----------------------------------------------------------------------------------


@login_required
@require_GET
def scorecard_list(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    cards = list(
        Scorecard.objects.select_related("team")
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=Criterion.objects.filter(active=True)
                .select_related("section")
                .order_by("section__position", "section_id", "position", "id"),
                to_attr="active_criteria",
            )
        )
        .order_by("-active", "name", "id")
    )
    if not agent.is_admin:
        mine = permissions.team_ids(agent)
        cards = [c for c in cards if c.team_id is None or c.team_id in mine]
    agreement = calibration.coach_agreement([c.pk for c in cards])
    return render(
        request,
        "quality/scorecards.html",
        {
            "cards": [(c, agreement[c.pk], selectors.can_edit_scorecard(agent, c)) for c in cards],
        },
    )


def _teams_for(agent: Agent) -> Any:
    teams = Team.objects.order_by("name")
    if not agent.is_admin:
        teams = teams.filter(pk__in=sorted(permissions.team_ids(agent)))
    return teams


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_edit(request: HttpRequest, scorecard_id: int | None = None) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    scorecard = get_object_or_404(Scorecard, pk=scorecard_id) if scorecard_id else None
    if not selectors.can_edit_scorecard(agent, scorecard):
        raise PermissionDenied(_("Leads edit the shared scorecards and their own teams' ones."))
    teams = _teams_for(agent)
    criteria = (
        list(
            Criterion.objects.filter(scorecard=scorecard, active=True)
            .select_related("section")
            .order_by("section__position", "position", "id")
        )
        if scorecard
        else []
    )
    status, error = 200, ""
    if request.method == "POST":
        form = forms.ScorecardForm(request.POST, teams=teams)
        formset = forms.CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() and formset.is_valid():
            try:
                saved = services.save_scorecard(
                    by=agent,
                    scorecard=scorecard,
                    spec=forms.scorecard_spec(form, cast(forms.BaseCriterionFormSet, formset)),
                )
            except ValidationError as exc:
                status, error = 400, _error_text(exc)
            except PermissionDenied as exc:
                status, error = 403, _error_text(exc)
            else:
                messages.success(request, _("Scorecard “%(name)s” saved.") % {"name": saved.name})
                return redirect("quality:scorecards")
        else:
            status, error = 400, _("Check the marked fields.")
            if formset.non_form_errors():
                error = " ".join(str(e) for e in formset.non_form_errors())
    else:
        form = forms.ScorecardForm(
            teams=teams,
            initial={
                "name": scorecard.name if scorecard else "",
                "description": scorecard.description if scorecard else "",
                "team": scorecard.team_id if scorecard else None,
                "active": scorecard.active if scorecard else True,
            },
        )
        formset = forms.CriterionFormSet(
            prefix="criteria", initial=forms.criterion_initial(criteria)
        )
    return render(
        request,
        "quality/scorecard_form.html",
        {"scorecard": scorecard, "form": form, "formset": formset, "error": error},
        status=status,
    )


@login_required
@require_POST
def scorecard_delete(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    scorecard = get_object_or_404(Scorecard, pk=scorecard_id)
    try:
        deleted = services.delete_scorecard(by=agent, scorecard=scorecard)
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc))
        return redirect("quality:scorecards")
    if deleted:
        messages.success(request, _("Scorecard deleted."))
    else:
        messages.info(request, _("Reviews use this scorecard: it was switched off instead."))
    return redirect("quality:scorecards")


@login_required
@require_POST
def scorecard_restore(request: HttpRequest) -> HttpResponse:
    _check_lead(_agent(request))
    created = services.install_default_scorecards()
    if created:
        messages.success(
            request, _("Restored: %(names)s.") % {"names": ", ".join(c.name for c in created)}
        )
    else:
        messages.info(request, _("The default scorecards are all there."))
    return redirect("quality:scorecards")


# --- sampling -------------------------------------------------------------------------------------


def _week_param(request: HttpRequest) -> date:
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        day = date.fromisoformat(raw[:10]) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return sampling.week_start(day)


@login_required
@require_GET
def sampling_page(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    week = _week_param(request)
    teams = list(_teams_for(agent))
    plans = {
        p.team_id: p
        for p in SamplingPlan.objects.filter(team__in=teams)
        .select_related("scorecard")
        .prefetch_related("reviewers")
    }
    blocks = []
    for team in teams:
        plan = plans.get(team.pk)
        blocks.append(
            {
                "team": team,
                "plan": plan,
                "form": _plan_form(team, agent, instance=plan, prefix=f"team{team.pk}"),
                "assignments": sampling.week_summary(plan, week) if plan else [],
            }
        )
    return render(
        request,
        "quality/sampling.html",
        {
            "blocks": blocks,
            "week": week,
            "previous": week - timedelta(weeks=1),
            "next": week + timedelta(weeks=1),
        },
    )


def _plan_form(team: Team, agent: Agent, **kwargs: Any) -> forms.SamplingPlanForm:
    scorecards = (
        Scorecard.objects.filter(active=True)
        .filter(Q(team__isnull=True) | Q(team=team))
        .order_by("name")
    )
    reviewers = (
        Agent.objects.filter(is_active=True)
        .filter(Q(teams=team) | Q(role="admin"))
        .distinct()
        .order_by("first_name", "username")
    )
    return forms.SamplingPlanForm(scorecards=scorecards, reviewers=reviewers, **kwargs)


def _lead_team(agent: Agent, team_id: int) -> Team:
    _check_lead(agent)
    team = get_object_or_404(Team, pk=team_id)
    if not agent.is_admin and team.pk not in permissions.team_ids(agent):
        raise PermissionDenied(_("Leads plan their own teams' reviews."))
    return team


@login_required
@require_POST
def sampling_save(request: HttpRequest, team_id: int) -> HttpResponse:
    agent = _agent(request)
    team = _lead_team(agent, team_id)
    plan = SamplingPlan.objects.filter(team=team).first()
    form = _plan_form(team, agent, data=request.POST, instance=plan, prefix=f"team{team.pk}")
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[name].label if name in form.fields else name}: {' '.join(str(e) for e in errs)}"
            for name, errs in form.errors.items()
        )
        messages.error(request, _("The plan was not saved: %(errors)s") % {"errors": errors[:500]})
        return redirect("quality:sampling")
    saved = form.save(commit=False)
    saved.team = team
    saved.save()
    form.save_m2m()
    messages.success(request, _("Sampling plan for %(team)s saved.") % {"team": team.name})
    return redirect("quality:sampling")


@login_required
@require_POST
def sampling_draw(request: HttpRequest, team_id: int) -> HttpResponse:
    agent = _agent(request)
    team = _lead_team(agent, team_id)
    plan = SamplingPlan.objects.filter(team=team).first()
    if plan is None:
        raise Http404(_("Not found."))
    week = _week_param(request)
    made = sampling.draw_sample(plan=plan, week=week, by=agent)
    messages.success(
        request,
        ngettext(
            "%(n)s conversation drawn for review.",
            "%(n)s conversations drawn for review.",
            len(made),
        )
        % {"n": len(made)},
    )
    return redirect(f"{reverse('quality:sampling')}?week={week.isoformat()}")


# --- calibration ----------------------------------------------------------------------------------


def _calibration_form(agent: Agent, data: Any = None) -> forms.CalibrationForm:
    recent = list(
        permissions.visible_tickets(
            agent, Ticket.objects.filter(status__in=[Status.SOLVED, Status.CLOSED])
        )
        .order_by("-solved_at", "-id")
        .values_list("pk", flat=True)[:CALIBRATION_CHOICES]
    )
    reviewers = Agent.objects.filter(is_active=True).order_by("first_name", "username")
    if not agent.is_admin:
        reviewers = reviewers.filter(teams__in=sorted(permissions.team_ids(agent))).distinct()
    return forms.CalibrationForm(
        data,
        scorecards=selectors.usable_scorecards(agent),
        tickets=Ticket.objects.filter(pk__in=recent).order_by("-solved_at", "-id"),
        reviewers=reviewers,
    )


@login_required
@require_http_methods(["GET", "POST"])
def calibration_list(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    # Anyone may look (an agent sees the rounds they grade in, if any); leads start them.
    status, error = 200, ""
    form = (
        _calibration_form(agent, request.POST if request.method == "POST" else None)
        if agent.is_lead
        else None
    )
    if request.method == "POST":
        _check_lead(agent)
        assert form is not None
        if form.is_valid():
            try:
                round = calibration.create_round(
                    by=agent,
                    name=form.cleaned_data["name"],
                    scorecard=form.cleaned_data["scorecard"],
                    tickets=list(form.cleaned_data["tickets"]),
                    reviewers=list(form.cleaned_data["reviewers"]),
                )
            except ValidationError as exc:
                status, error = 400, _error_text(exc)
            except PermissionDenied as exc:
                status, error = 403, _error_text(exc)
            else:
                messages.success(request, _("Calibration round started."))
                return redirect("quality:round", round_id=round.pk)
        else:
            status, error = 400, _("Check the marked fields.")
    return render(
        request,
        "quality/calibration_list.html",
        {"rounds": calibration.rounds_for(agent), "form": form, "error": error},
        status=status,
    )


@login_required
@require_GET
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    agent = _agent(request)
    round = get_object_or_404(
        CalibrationRound.objects.select_related("scorecard", "created_by"), pk=round_id
    )
    if not any(r.pk == round.pk for r in calibration.rounds_for(agent)):
        raise Http404(_("Not found."))
    result = calibration.round_agreement(round)
    participant = any(r.pk == agent.pk for r in result.reviewers)
    mine = result.graded.get(agent.pk, set())
    return render(
        request,
        "quality/round.html",
        {
            "round": round,
            "result": result,
            "participant": participant,
            "to_grade": [t for t in result.tickets if t.pk not in mine] if participant else [],
            "progress": [
                (r, len(result.graded.get(r.pk, ())), len(result.tickets)) for r in result.reviewers
            ],
        },
    )


# --- the team's score -----------------------------------------------------------------------------


@login_required
@require_GET
def team_score(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    _check_lead(agent)
    teams = list(_teams_for(agent))
    since = timezone.now() - timedelta(days=30)
    lines, by_team = selectors.team_scores(teams, since=since)
    weeks, human, coach = selectors.weekly_trend(teams, weeks=TREND_WEEKS)
    chart = {
        "labels": [w.isoformat() for w in weeks],
        "human": [None if v is None else round(v, 1) for v in human],
        "coach": [None if v is None else round(v, 1) for v in coach],
        "names": {"human": _("Reviewers"), "coach": _("The coach")},
    }
    return render(
        request,
        "quality/team.html",
        {
            "rows": [
                (line, by_team.get(team.pk, [])) for line, team in zip(lines, teams, strict=True)
            ],
            "chart": chart,
        },
    )
