"""Thin views: validate with a form, act through a service, render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tactful.accounts import services as account_services
from tactful.accounts.models import Agent, Team
from tactful.automation import selectors as automation_selectors
from tactful.coaching import draft_review
from tactful.coaching import selectors as coaching_selectors
from tactful.coaching import services as coaching_services
from tactful.customers import services as customer_services
from tactful.customers.models import Channel, Language
from tactful.inbox import forms, rows
from tactful.inbox import services as inbox_services
from tactful.inbox.models import SavedView
from tactful.satisfaction import selectors as satisfaction_selectors
from tactful.sla import selectors as sla_selectors
from tactful.tickets import assignment, inbound, permissions, selectors
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Attachment, Message, MessageKind, Priority, Status, Ticket

View = Callable[..., HttpResponse]


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You cannot do that.")


def _form_errors(form: Any) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


# --- the inbox --------------------------------------------------------------------------------


def _saved_views(agent: Agent) -> list[SavedView]:
    from django.db.models import Q

    team_ids = sorted(permissions.team_ids(agent))
    return list(SavedView.objects.filter(Q(owner=agent) | Q(team_id__in=team_ids)).order_by("name"))


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The shared inbox: filters, sorting, saved views, pagination (rows only for htmx)."""
    agent = _agent(request)
    form = forms.InboxFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "inbox/inbox.html",
            {
                "form": form,
                "page": None,
                "error": _form_errors(form),
                **_inbox_context(agent, form),
            },
            status=400,
        )
    filters = form.filters()
    if filters.held and not agent.is_lead:
        # What a blocked customer wrote is for leads to look at, not for the agents the
        # block protects: an agent asking for it gets the ordinary queue.
        filters = filters.with_changes(held=False)
    size = form.cleaned_data.get("size") or selectors.PAGE_SIZES[0]
    sidebar = _inbox_context(agent, form)
    # The satisfaction badge rides on the same query (a join on the ticket's rating); team and
    # assignee names come from the lists the filter bar holds (rows.inbox_rows), not joins.
    tickets = _with_sla(
        selectors.inbox_tickets(agent=agent, filters=filters)
        .select_related(None)
        .select_related("customer", "rating"),
        filters,
    )
    if form.cleaned_data.get("csat"):
        tickets = satisfaction_selectors.with_rating(tickets, form.cleaned_data["csat"])
    number = form.cleaned_data.get("page") or 1
    page: selectors.Page | sla_selectors.DuePage
    if filters.sort == "sla_due":
        # Seek from the row the link names (keyset): as fast on page 400 as on page 1.
        page = sla_selectors.due_page(
            tickets,
            size=size,
            number=number,
            after=form.cleaned_data.get("after"),
            before=form.cleaned_data.get("before"),
        )
    else:
        page = selectors.paginate(tickets, number=number, size=size)
    query = forms.non_empty(request.GET)
    for key in ("page", "after", "before"):
        query.pop(key, None)
    context = {
        "form": form,
        "page": page,
        "pager": rows.pager(page, query.urlencode()),
        "rows": rows.inbox_rows(
            page.items,
            team_names={t.pk: t.name for t in sidebar["teams"]},
            agent_names=sidebar["agent_names"],
        ),
        "filters": filters,
        "query": query.urlencode(),
        **sidebar,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "ticket-list":
        return render(request, "inbox/_ticket_list.html", context)
    return render(request, "inbox/inbox.html", context)


def _with_sla(tickets: Any, filters: selectors.TicketFilters) -> Any:
    """The SLA summary joined on (for the badges) and the SLA filter, which tactful.sla owns;
    the "breaches soonest" order is its ``due_page`` (applied once: a repeated condition
    reads to PostgreSQL as a second, independent one and halves its row estimate again)."""
    tickets = tickets.select_related("sla")
    if filters.extra.get("sla"):
        tickets = sla_selectors.with_state(tickets, filters.extra["sla"])
    return tickets


def _inbox_context(agent: Agent, form: forms.InboxFilterForm) -> dict[str, Any]:
    """The sidebar and the filter bar, with every select's options pre-computed."""
    data = form.data
    teams = list(selectors.teams_for(agent))
    agents = list(
        Agent.objects.filter(is_active=True)
        .order_by("username")
        .only("id", "username", "first_name", "last_name")
    )
    intensity = data.get("intensity", "")
    return {
        "bulk_options": _bulk_options(agent, teams=teams, agents=agents),
        "saved_views": _saved_views(agent),
        "teams": teams,
        "filter_options": {
            "status": rows.options(
                [*Status.choices, ("all", _("Any status"))], data.getlist("status")
            ),
            "channel": rows.options(Channel.choices, data.getlist("channel")),
            "team": rows.options(
                [("none", _("No team")), *[(t.pk, t.name) for t in teams]], data.get("team", "")
            ),
            "assignee": rows.options(
                [("me", _("Me")), ("none", _("Unassigned")), *[(a.pk, str(a)) for a in agents]],
                data.get("assignee", ""),
            ),
            "priority": rows.options(Priority.choices, data.getlist("priority")),
            "language": rows.options(Language.choices, data.getlist("language")),
            "emotion": rows.options(forms.EMOTION_CHOICES, data.getlist("emotion")),
            "intensity": rows.options(
                [("0.33", _("Medium or high")), ("0.66", _("High"))], intensity
            ),
            "abuse": rows.options(
                [("yes", _("Abuse or threat")), ("no", _("No abuse"))], data.get("abuse", "")
            ),
            "csat": rows.options(forms.CSAT_CHOICES[1:], data.get("csat", "")),
            "sla": rows.options(forms.SLA_CHOICES, data.get("sla", "")),
            "sort": rows.options(forms.SORT_CHOICES, data.get("sort", "-updated")),
        },
        "q": data.get("q", ""),
        "agent_names": {a.pk: str(a) for a in agents},
    }


def _bulk_options(
    agent: Agent, *, teams: list[Team], agents: list[Agent]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The selection bar's choices as ``action:value`` pairs, grouped by action."""
    Action = inbox_services.BulkAction
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        (
            str(Action.STATUS.label),
            [(f"status:{value}", str(label)) for value, label in Status.choices],
        ),
        (
            str(Action.PRIORITY.label),
            [(f"priority:{value}", str(label)) for value, label in Priority.choices],
        ),
    ]
    people = [("assign:me", _("Me")), ("assign:none", _("Nobody"))]
    if agent.is_lead:
        # Agents may only take tickets or give them up; leads hand them to anyone.
        people += [(f"assign:{a.pk}", str(a)) for a in agents if a.pk != agent.pk]
    groups.append((str(Action.ASSIGN.label), people))
    if agent.is_lead:
        groups.append(
            (
                str(Action.TEAM.label),
                [("team:none", _("No team")), *[(f"team:{t.pk}", t.name) for t in teams]],
            )
        )
    groups.append(
        (
            _("More"),
            [
                ("tags", _("Add the tags typed here")),
                ("merge", str(Action.MERGE.label)),
                ("spam", str(Action.SPAM.label)),
            ],
        )
    )
    return groups


@login_required
@require_GET
def queue_counts(request: HttpRequest) -> HttpResponse:
    """Counts for the built-in queues, loaded after the page so the inbox itself stays fast."""
    agent = _agent(request)
    cap = selectors.QUEUE_COUNT_CAP
    counts = selectors.queue_counts(agent=agent)
    # A long queue is counted only up to the cap: say so on the number rather than show a
    # figure that looks exact.
    beyond = _("More than %(cap)s: long queues are counted only this far.") % {"cap": cap}
    shown = {name: f"{cap}+" if n > cap else str(n) for name, n in counts.items()}
    titles = {name: beyond if n > cap else "" for name, n in counts.items()}
    return render(
        request,
        "inbox/_queue_counts.html",
        {"counts": shown, "titles": titles, "show_held": agent.is_lead},
    )


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    form = forms.SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("inbox:inbox")
    query = form.cleaned_data["query"].lstrip("?")
    filters = forms.InboxFilterForm(QueryDict(query))
    if not filters.is_valid():
        messages.error(request, _form_errors(filters))
        return redirect("inbox:inbox")
    clean_query = forms.non_empty(QueryDict(query))
    clean_query.pop("page", None)
    team = None
    if form.cleaned_data["share"]:
        team = selectors.teams_for(agent).first()
    SavedView.objects.update_or_create(
        owner=agent,
        name=form.cleaned_data["name"].strip(),
        defaults={"query": clean_query.urlencode(), "team": team},
    )
    messages.success(request, _("View saved."))
    return redirect(f"{reverse('inbox:inbox')}?{clean_query.urlencode()}")


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """The selection bar: one action on many tickets, then back to the same inbox page."""
    form = forms.BulkActionForm(request.POST)
    back = forms.non_empty(QueryDict(request.POST.get("next", "")[:1000].lstrip("?")))
    target = reverse("inbox:inbox") + (f"?{back.urlencode()}" if back else "")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(target)
    action, value = form.cleaned_data["action"]
    try:
        result = inbox_services.apply_bulk_action(
            agent=_agent(request),
            ticket_ids=form.cleaned_data["tickets"],
            action=action,
            value=value,
            tags=form.tag_names(),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
        return redirect(target)
    notice = ngettext("%(n)d ticket changed.", "%(n)d tickets changed.", result.changed) % {
        "n": result.changed
    }
    if result.unchanged:
        notice += " " + ngettext(
            "%(n)d already was so.", "%(n)d already were so.", result.unchanged
        ) % {"n": result.unchanged}
    messages.success(request, notice)
    return redirect(target)


@login_required
@require_POST
def delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=view_id, owner=_agent(request))
    view.delete()
    messages.success(request, _("View deleted."))
    return redirect("inbox:inbox")


# --- the ticket page --------------------------------------------------------------------------


def _visible_ticket(request: HttpRequest, ticket_id: int, *, with_assignee: bool = True) -> Ticket:
    try:
        return selectors.ticket_for_page(
            agent=_agent(request), ticket_id=ticket_id, with_assignee=with_assignee
        )
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such ticket.")) from exc


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    status: int = 200,
    error: str = "",
    forms_: dict[str, Any] | None = None,
) -> HttpResponse:
    agent = _agent(request)
    # Viewing is recorded by the page's htmx poll (on load, then every 15 s), so rendering the
    # page stays a pure read; the warning below already shows who else is looking.
    entries = selectors.thread(ticket)
    readings = coaching_selectors.readings_for(ticket)
    latest_analysis = next(
        (
            readings[m.pk]
            for m in reversed(entries)
            if m.kind == MessageKind.INCOMING and m.pk in readings
        ),
        None,
    )
    assignable = selectors.assignable_agents(ticket)
    teams = list(Team.objects.order_by("name")) if agent.is_lead else []
    # Every select's options arrive with labels and ``selected`` worked out (see rows.py).
    context = {
        "ticket": ticket,
        "thread": rows.thread_rows(
            entries,
            readings=readings,
            customer=str(ticket.customer),
            customer_id=ticket.customer_id,
        ),
        "timeline": rows.timeline_rows(
            selectors.timeline(ticket, known_agents={a.pk: str(a) for a in assignable})
        ),
        "tags": ", ".join(selectors.tag_names(ticket)),
        "viewers": selectors.other_viewers(ticket=ticket, agent=agent),
        "analysis": latest_analysis,
        "status_options": rows.options(Status.choices, ticket.status),
        "priority_options": rows.options(Priority.choices, str(ticket.priority)),
        "assignee_options": rows.options(
            [(a.pk, str(a)) for a in assignable], str(ticket.assignee_id)
        ),
        "team_options": rows.options([(t.pk, t.name) for t in teams], str(ticket.team_id)),
        "error": error,
        # Unbound forms would only print empty values: the template needs them after an
        # invalid POST (to keep what was typed and show the errors).
        "reply_form": None,
        "note_form": None,
        **(forms_ or {}),
    }
    return render(request, "inbox/ticket.html", context, status=status)


@login_required
@require_GET
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _ticket_page(request, _visible_ticket(request, ticket_id, with_assignee=False))


@login_required
@require_GET
def ticket_viewers(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Polled by the open ticket page: keeps this agent "viewing" and shows who else is."""
    ticket = _visible_ticket(request, ticket_id)
    agent = _agent(request)
    ticket_services.mark_viewing(ticket=ticket, agent=agent)
    viewers = selectors.other_viewers(ticket=ticket, agent=agent)
    return render(request, "inbox/_viewers.html", {"viewers": viewers, "ticket": ticket})


def _ticket_action(
    form_class: type[Any],
    act: Callable[[HttpRequest, Ticket, Any], str | None],
    *,
    form_key: str | None = None,
) -> View:
    """A POST on the ticket page: valid → act → redirect; invalid or refused → 400/403 page."""

    @login_required
    @require_POST
    def view(request: HttpRequest, ticket_id: int) -> HttpResponse:
        ticket = _visible_ticket(request, ticket_id)
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            extra = {form_key: form} if form_key else {}
            return _ticket_page(request, ticket, status=400, error=_form_errors(form), forms_=extra)
        try:
            with transaction.atomic():
                notice = act(request, ticket, form)
        except ValidationError as error:
            extra = {form_key: form} if form_key else {}
            return _ticket_page(request, ticket, status=400, error=_error_text(error), forms_=extra)
        except PermissionDenied as error:
            return _ticket_page(request, ticket, status=403, error=_error_text(error))
        if notice:
            messages.success(request, notice)
        return redirect("inbox:ticket", ticket_id=ticket.pk)

    return view


def _reply(request: HttpRequest, ticket: Ticket, form: forms.ReplyForm) -> str:
    body = form.cleaned_data["body"]
    canned_ids = form.cleaned_data.get("canned_ids") or []
    ticket_services.record_reply(
        ticket=ticket,
        agent=_agent(request),
        body=body,
        attachments=form.cleaned_data["attachments"],
        status=form.cleaned_data["status"] or None,
        # The coach's verdict is kept with the reply, never a reason to refuse sending it.
        review=draft_review.review_for_sending(draft=body, ticket=ticket),
        metadata={"canned_ids": canned_ids} if canned_ids else None,
    )
    return _("Reply sent.")


def _note(request: HttpRequest, ticket: Ticket, form: forms.NoteForm) -> str:
    ticket_services.add_internal_note(
        ticket=ticket,
        agent=_agent(request),
        body=form.cleaned_data["body"],
        attachments=form.cleaned_data["attachments"],
    )
    return _("Note added.")


def _status(request: HttpRequest, ticket: Ticket, form: forms.StatusForm) -> str:
    ticket_services.change_status(
        ticket=ticket, status=form.cleaned_data["status"], by=_agent(request)
    )
    return _("Status updated.")


def _priority(request: HttpRequest, ticket: Ticket, form: forms.PriorityForm) -> str:
    ticket_services.change_priority(
        ticket=ticket, priority=form.cleaned_data["priority"], by=_agent(request)
    )
    return _("Priority updated.")


def _assign(request: HttpRequest, ticket: Ticket, form: forms.AssignForm) -> str:
    agent = _agent(request)
    value = form.cleaned_data["assignee"]
    if value == "next":
        chosen = assignment.assign_by_team(ticket=ticket, by=agent)
        if chosen is None:
            raise ValidationError(_("Nobody in this ticket's team is available."))
        return _("Assigned to %(agent)s.") % {"agent": chosen}
    if value == "none":
        assignee = None
    elif value == "me":
        assignee = agent
    else:
        assignee = Agent.objects.filter(pk=int(value), is_active=True).first()
        if assignee is None:
            raise ValidationError(_("No such agent."))
    assignment.assign_ticket(ticket=ticket, assignee=assignee, by=agent)
    return _("Assignee updated.")


def _team(request: HttpRequest, ticket: Ticket, form: forms.TeamForm) -> str:
    value = form.cleaned_data["team"]
    team = None
    if value and value != "none":
        team = Team.objects.filter(pk=int(value)).first()
        if team is None:
            raise ValidationError(_("No such team."))
    ticket_services.change_team(ticket=ticket, team=team, by=_agent(request))
    return _("Team updated.")


def _tags(request: HttpRequest, ticket: Ticket, form: forms.TagsForm) -> str:
    ticket_services.set_tags(ticket=ticket, names=form.names(), by=_agent(request))
    return _("Tags updated.")


def _subject(request: HttpRequest, ticket: Ticket, form: forms.SubjectForm) -> str:
    ticket_services.change_subject(
        ticket=ticket, subject=form.cleaned_data["subject"], by=_agent(request)
    )
    return _("Subject updated.")


def _merge(request: HttpRequest, ticket: Ticket, form: forms.MergeForm) -> str:
    agent = _agent(request)
    try:
        target = selectors.ticket_for_page(agent=agent, ticket_id=form.cleaned_data["target"])
    except Ticket.DoesNotExist as exc:
        raise ValidationError(_("No such ticket to merge into.")) from exc
    ticket_services.merge_tickets(source=ticket, target=target, by=agent)
    return _("Merged into #%(n)d.") % {"n": target.pk}


reply = _ticket_action(forms.ReplyForm, _reply, form_key="reply_form")
add_note = _ticket_action(forms.NoteForm, _note, form_key="note_form")
set_status = _ticket_action(forms.StatusForm, _status)
set_priority = _ticket_action(forms.PriorityForm, _priority)
assign = _ticket_action(forms.AssignForm, _assign)
set_team = _ticket_action(forms.TeamForm, _team)
set_tags = _ticket_action(forms.TagsForm, _tags)
set_subject = _ticket_action(forms.SubjectForm, _subject)
merge = _ticket_action(forms.MergeForm, _merge)


@login_required
@require_POST
def retry_analysis(request: HttpRequest, ticket_id: int, message_id: int) -> HttpResponse:
    ticket = _visible_ticket(request, ticket_id)
    message = get_object_or_404(Message, pk=message_id, ticket=ticket, kind=MessageKind.INCOMING)
    coaching_services.retry_analysis(message=message)
    messages.info(request, _("Analysis queued again."))
    return redirect("inbox:ticket", ticket_id=ticket.pk)


@login_required
@require_GET
def download_attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = get_object_or_404(
        Attachment.objects.select_related("message__ticket"), pk=attachment_id
    )
    if not permissions.can_view(_agent(request), attachment.message.ticket):
        raise Http404(_("No such attachment."))
    # Always a download with a neutral type: an uploaded HTML file must never render here.
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
    )
    response["Content-Type"] = "application/octet-stream"
    return response


# --- new tickets logged by agents -------------------------------------------------------------


@login_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Log a conversation that happened elsewhere (a phone or video call, a social post)."""
    agent = _agent(request)
    teams = list(selectors.teams_for(agent))
    if request.method != "POST":
        return render(
            request, "inbox/new_ticket.html", {"form": forms.NewTicketForm(), "teams": teams}
        )
    form = forms.NewTicketForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request,
            "inbox/new_ticket.html",
            {"form": form, "teams": teams, "error": _form_errors(form)},
            status=400,
        )
    data = form.cleaned_data
    team = None
    if data["team"] and data["team"] != "none":
        team = next((t for t in teams if t.pk == int(data["team"])), None)
        if team is None:
            return render(
                request,
                "inbox/new_ticket.html",
                {"form": form, "teams": teams, "error": _("No such team.")},
                status=400,
            )
    try:
        with transaction.atomic():
            customer = customer_services.get_or_create_customer(
                channel=data["channel"],
                handle=data["customer_handle"],
                name=data["customer_name"],
                language=data["language"] or None,
            )
            ticket = inbound.create_ticket(
                customer=customer,
                body=data["body"],
                channel=data["channel"],
                subject=data["subject"],
                language=data["language"] or None,
                priority=data["priority"],
                team=team,
                by=agent,
                attachments=data["attachments"],
            )
    except ValidationError as error:
        return render(
            request,
            "inbox/new_ticket.html",
            {"form": form, "teams": teams, "error": _error_text(error)},
            status=400,
        )
    messages.success(request, _("Ticket #%(n)d created.") % {"n": ticket.pk})
    return redirect("inbox:ticket", ticket_id=ticket.pk)


# --- leads and preferences --------------------------------------------------------------------


@login_required
@require_GET
def team_load(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can see team load."))
    rows = list(selectors.team_load(agent=agent))
    # Emotional load (hostile and high-intensity conversations handled, last 7 days, weighted).
    loads = automation_selectors.emotional_loads([row.pk for row in rows])
    for row in rows:
        row.emotional_load = loads.get(row.pk, automation_selectors.EmotionalLoad())
    return render(
        request,
        "inbox/team_load.html",
        {"rows": rows, "load_days": automation_selectors.load_window_days()},
    )


@login_required
@require_POST
def set_senior(request: HttpRequest, agent_id: int) -> HttpResponse:
    """The team-load page's toggle: this agent takes hostile conversations with the leads."""
    member = get_object_or_404(Agent, pk=agent_id, is_active=True)
    senior = request.POST.get("senior") == "yes"
    account_services.set_senior(agent=member, senior=senior, by=_agent(request))
    messages.success(request, _("Saved."))
    return redirect("inbox:team_load")


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """An agent's own settings: the customer languages they answer, and "away"."""
    agent = _agent(request)
    if request.method == "POST":
        form = forms.MyWorkForm(request.POST)
        if form.is_valid():
            account_services.set_answered_languages(
                agent=agent, languages=form.cleaned_data["answers_languages"]
            )
            account_services.set_availability(agent=agent, available=form.cleaned_data["available"])
            messages.success(request, _("Saved."))
            return redirect("inbox:my_work")
        return render(request, "inbox/my_work.html", {"form": form}, status=400)
    form = forms.MyWorkForm(
        initial={
            "answers_languages": agent.answers_languages or [],
            "available": "yes" if agent.available else "no",
        }
    )
    return render(request, "inbox/my_work.html", {"form": form})


@login_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    form = forms.LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _form_errors(form), status=400, content_type="text/plain; charset=utf-8"
        )
    account_services.set_language(agent=_agent(request), language=form.cleaned_data["language"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("inbox:inbox")
    return redirect(target)


def home(request: HttpRequest) -> HttpResponse:
    return redirect("inbox:inbox")
