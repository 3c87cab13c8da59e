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
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts import security, two_factor
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


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("inbox:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app (or turn it off): scan or type the key, then a code from it."""
    agent: Agent = request.user  # type: ignore[assignment]
    error = ""
    if request.method == "POST":
        code = request.POST.get("code", "")[:50]
        if request.POST.get("action") == "off":
            if two_factor.turn_off(session=request.session, agent=agent, code=code):
                messages.success(request, _("Two-factor login is off."))
                return redirect("accounts:two_factor")
            error = _("That code is not right, or your role must keep a second factor.")
        elif two_factor.confirm(session=request.session, agent=agent, code=code):
            messages.success(request, _("Two-factor login is on."))
            return redirect(_next(request))
        else:
            error = _("That code is not right. Check the time on your phone and try again.")
    device = two_factor.confirmed_device(agent)
    context: dict[str, Any] = {
        "device": device,
        "error": error,
        "required": two_factor.required(agent),
        "next": _next(request),
    }
    if device is None:
        new = two_factor.new_device(agent)
        context.update(secret=two_factor.secret_for_humans(new), config_url=new.config_url)
    return render(request, "accounts/two_factor.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code owed after the password, for agents who turned two-factor login on."""
    agent: Agent = request.user  # type: ignore[assignment]
    if two_factor.pending(request.session) != two_factor.VERIFY:
        return redirect(_next(request))
    error = ""
    if request.method == "POST":
        if two_factor.verify(
            session=request.session,
            agent=agent,
            code=request.POST.get("code", "")[:50],
            address=security.client_ip(request),
        ):
            return redirect(_next(request))
        error = _("That code is not right. Check the time on your phone and try again.")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )
