"""Live coaching views: the customer panel, the draft review and the paraphrase (thin)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tactful.accounts.models import Agent
from tactful.coaching import draft_review, review_panel
from tactful.coaching.customer_panel import customer_panel as read_customer_panel
from tactful.tickets import selectors
from tactful.tickets.models import Ticket

logger = logging.getLogger(__name__)


def _visible_ticket(request: HttpRequest, ticket_id: int) -> Ticket:
    agent: Agent = request.user
    try:
        return selectors.ticket_for_page(agent=agent, ticket_id=ticket_id, with_assignee=False)
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such ticket.")) from exc


@login_required
@require_GET
def customer_panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The side column's "how the customer feels" card, loaded after the page (htmx)."""
    ticket = _visible_ticket(request, ticket_id)
    context: dict[str, Any] = {"ticket": ticket, "panel": None, "panel_loaded": True, "error": ""}
    try:
        context["panel"] = read_customer_panel(ticket)
    except Exception:  # the page must stay usable when the coach is not
        logger.exception("customer panel failed on ticket %s", ticket.pk)
        context["error"] = _("The coach could not read this conversation right now.")
    return render(request, "coaching/_customer_panel.html", context)


@login_required
@require_POST
def review(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Review the draft in ``body`` (the reply textarea's name) and return the live panel.

    Errors come back as a 400 panel that says why; the page's script swaps it in all the same.
    """
    ticket = _visible_ticket(request, ticket_id)
    draft = request.POST.get("body", "")
    context: dict[str, Any] = {"ticket": ticket, "panel": None, "error": ""}
    try:
        data = draft_review.review_draft(draft=draft, ticket=ticket)
    except draft_review.DraftRejected as error:
        context["error"] = str(error)
        return render(request, "coaching/_review.html", context, status=400)
    except Exception:  # never in the agent's way: they can still send
        logger.exception("live review failed on ticket %s", ticket.pk)
        context["error"] = _("The coach is unavailable right now; you can still send your reply.")
        return render(request, "coaching/_review.html", context, status=503)
    if data is not None:
        context["panel"] = review_panel.review_panel(data, ticket_language=ticket.language)
    return render(request, "coaching/_review.html", context)


@login_required
@require_GET
def paraphrase(request: HttpRequest, ticket_id: int) -> JsonResponse:
    """``{"text", "language"}``: the newest customer message paraphrased back."""
    ticket = _visible_ticket(request, ticket_id)
    try:
        result = draft_review.paraphrase_latest(ticket)
    except Exception:
        logger.exception("paraphrase failed on ticket %s", ticket.pk)
        return JsonResponse({"detail": _("The coach is unavailable right now.")}, status=503)
    if result is None:
        return JsonResponse(
            {"detail": _("The customer has not written anything to paraphrase yet.")}, status=404
        )
    text, language = result
    return JsonResponse({"text": text, "language": language})
