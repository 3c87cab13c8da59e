"""Thin views: the login page (throttled), the admins' security page (audit log, lockouts)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tactful.accounts import security
from tactful.accounts.forms import LoginForm
from tactful.accounts.models import Agent, Lockout

AUDIT_PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    """Django's login view; a locked attempt answers 429 with the lockout's words."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "locked", False):
            response.status_code = 429
        return response


def _admin(request: HttpRequest) -> Agent:
    agent: Agent = request.user  # type: ignore[assignment]
    if not agent.is_admin:
        raise PermissionDenied(_("Only admins can read the audit log."))
    return agent


@login_required
@require_GET
def security_page(request: HttpRequest) -> HttpResponse:
    _admin(request)
    page = Paginator(security.audit_log(), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/security.html",
        {"page": page, "lockouts": list(security.active_lockouts())},
    )


@login_required
@require_POST
def lift_lockout(request: HttpRequest, pk: int) -> HttpResponse:
    admin = _admin(request)
    lockout = get_object_or_404(Lockout, pk=pk)
    security.lift_lockout(lockout=lockout, by=admin)
    messages.success(request, _("The lock on %(key)s is lifted.") % {"key": lockout.key})
    return redirect("accounts:security")
