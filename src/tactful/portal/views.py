"""Thin views of the customer portal: log in by e-mail, list tickets, read one, reply."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tactful.accounts import security
from tactful.customers.models import Customer
from tactful.portal import services
from tactful.tickets.rendering import render_body

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _refusal_text(reason: services.Refusal) -> str:
    return {
        "invalid": _("This link or code is not valid. Check it, or ask for a new one."),
        "expired": _("This link or code has expired. Ask for a new one below."),
        "used": _("This link or code was already used. Ask for a new one below."),
        "rate": _("Too many tries. Please wait a few minutes and try again."),
    }[reason]


def _language(request: HttpRequest, customer: Customer | None) -> str:
    """``?lang=``, else the customer's language, else the browser's."""
    requested = request.GET.get("lang", "")
    if requested in _LANGUAGES:
        return requested
    if customer is not None and customer.preferred_language in _LANGUAGES:
        return customer.preferred_language
    return translation.get_language_from_request(request)


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    customer: Customer | None = None,
    status: int = 200,
) -> HttpResponse:
    language = _language(request, customer)
    with translation.override(language):
        response = render(request, template, {**context, "customer": customer}, status=status)
    response["Content-Language"] = language
    # Someone's tickets: never kept by a shared cache or the browser's back button.
    add_never_cache_headers(response)
    return response


def _customer(request: HttpRequest) -> Customer | None:
    return services.session_customer(request.COOKIES.get(services.COOKIE))


def _logged_in(customer: Customer) -> HttpResponseRedirect:
    response = HttpResponseRedirect(reverse("portal:home"))
    response.set_cookie(
        services.COOKIE,
        services.session_value(customer),
        max_age=settings.TACTFUL_PORTAL_SESSION_HOURS * 3600,
        path="/portal/",
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
    return response


@ensure_csrf_cookie
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if customer is None:
        return _page(request, "portal/login.html", {})
    return _page(
        request,
        "portal/tickets.html",
        {
            "tickets": services.tickets(customer),
            "surveys": services.open_surveys(customer),
        },
        customer=customer,
    )


@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    """Send a login e-mail; the answer is the same whether the address is known or not."""
    address = services.normalize_address(request.POST.get("email", ""))
    if services.rate_limited(
        "ip", security.client_ip(request), limit=settings.TACTFUL_PORTAL_RATE_PER_IP
    ) or services.rate_limited("send", address, limit=settings.TACTFUL_PORTAL_RATE_PER_ADDRESS):
        return _page(request, "portal/login.html", {"error": _refusal_text("rate")}, status=429)
    try:
        services.send_login(address=address, language=_language(request, None))
    except ValidationError:
        return _page(
            request,
            "portal/login.html",
            {"error": _("Enter a valid e-mail address."), "email": address},
            status=400,
        )
    return _page(request, "portal/code.html", {"email": address})


@require_POST
def code(request: HttpRequest) -> HttpResponse:
    address = services.normalize_address(request.POST.get("email", ""))
    if services.rate_limited(
        "ip", security.client_ip(request), limit=settings.TACTFUL_PORTAL_RATE_PER_IP
    ):
        return _page(
            request,
            "portal/code.html",
            {"error": _refusal_text("rate"), "email": address},
            status=429,
        )
    try:
        customer = services.use_code(address=address, code=request.POST.get("code", "")[:20])
    except services.LoginRefused as refused:
        return _page(
            request,
            "portal/code.html",
            {"error": _refusal_text(refused.reason), "email": address},
            status=400,
        )
    return _logged_in(customer)


@ensure_csrf_cookie
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to continue (mail scanners open links too); the POST uses the link up."""
    try:
        if request.method == "POST":
            return _logged_in(services.use_link(token))
        row = services.check_link(token)
    except services.LoginRefused as refused:
        status = 400 if refused.reason == "invalid" else 410
        return _page(
            request, "portal/login.html", {"error": _refusal_text(refused.reason)}, status=status
        )
    return _page(
        request,
        "portal/continue.html",
        {"address": row.address, "hide_logout": True},
        customer=row.customer,
    )


def _own_ticket(request: HttpRequest, ticket_id: int) -> tuple[Customer, Any] | None:
    customer = _customer(request)
    if customer is None:
        return None
    ticket = services.ticket_for(customer, ticket_id)
    if ticket is None:
        raise Http404(_("No such ticket."))
    return customer, ticket


@ensure_csrf_cookie
@require_GET
def ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    found = _own_ticket(request, ticket_id)
    if found is None:
        return HttpResponseRedirect(reverse("portal:home"))
    customer, ticket = found
    thread = [(message, render_body(message.body)) for message in services.public_thread(ticket)]
    return _page(
        request,
        "portal/ticket.html",
        {"ticket": ticket, "thread": thread},
        customer=customer,
    )


@require_POST
def reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    found = _own_ticket(request, ticket_id)
    if found is None:
        return HttpResponseRedirect(reverse("portal:home"))
    customer, ticket = found
    try:
        services.reply(customer=customer, ticket=ticket, body=request.POST.get("body", ""))
    except ValidationError as error:
        thread = [
            (message, render_body(message.body)) for message in services.public_thread(ticket)
        ]
        return _page(
            request,
            "portal/ticket.html",
            {"ticket": ticket, "thread": thread, "error": " ".join(error.messages)},
            customer=customer,
            status=400,
        )
    return HttpResponseRedirect(reverse("portal:ticket", args=[ticket.pk]) + "#reply")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = HttpResponseRedirect(reverse("portal:home"))
    response.delete_cookie(services.COOKIE, path="/portal/")
    return response
