"""The one outbound action an agent takes: send a failed or uncertain reply again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tactful.outbound import services
from tactful.tickets import selectors
from tactful.tickets.models import Message, Ticket


@login_required
@require_POST
def resend(request: HttpRequest, message_id: int) -> HttpResponse:
    message = Message.objects.filter(pk=message_id).select_related("ticket").first()
    if message is None:
        raise Http404(_("No such message."))
    try:
        selectors.ticket_for_page(agent=request.user, ticket_id=message.ticket_id)  # type: ignore[arg-type]
        services.resend(message=message, by=request.user)  # type: ignore[arg-type]
    except Ticket.DoesNotExist as exc:
        raise Http404(_("No such message.")) from exc
    except PermissionDenied as exc:
        raise Http404(_("No such message.")) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reply is queued again."))
    return redirect("inbox:ticket", ticket_id=message.ticket_id)
