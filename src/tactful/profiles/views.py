"""Thin views: the customer page, merging another customer into it, undoing a merge, blocking
or suspending the customer and lifting it."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tactful.accounts import security
from tactful.accounts.models import Agent
from tactful.customers import selectors as customer_selectors
from tactful.customers import services as customer_services
from tactful.customers.models import Customer, CustomerBlock, CustomerMerge
from tactful.profiles import erasure, selectors, services
from tactful.profiles.forms import BlockForm
from tactful.tickets.presenters import emotion_label

_NUMBER = re.compile(r"#?\s*(\d{1,18})")


def _agent(request: HttpRequest) -> Agent:
    return request.user  # type: ignore[return-value]


def _customer(agent: Agent, customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id).first()
    # Someone else's team's customer reads as no customer at all.
    if customer is None or not services.can_see_customer(agent, customer):
        raise Http404(_("No such customer."))
    return customer


def _before(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) <= 18 else None


@login_required
@require_GET
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    agent = _agent(request)
    customer = _customer(agent, customer_id)
    page = selectors.ticket_page(agent, customer, before=_before(request.GET.get("before", "")))
    feelings = selectors.feelings(agent, customer)
    blocks = customer_selectors.blocks(customer)
    now = timezone.now()
    active = next(
        (
            block
            for block in blocks
            if block.lifted_at is None and (block.expires_at is None or block.expires_at > now)
        ),
        None,
    )
    return render(
        request,
        "profiles/customer.html",
        {
            "customer": customer,
            "page": page,
            "totals": selectors.ticket_totals(agent, customer),
            "identities": selectors.identities(customer),
            "answers": selectors.answers(agent, customer),
            "feelings": [(feeling, emotion_label(feeling.emotion)) for feeling in feelings],
            "months": selectors.months(agent, customer),
            "merges": selectors.merges(customer),
            "can_merge": agent.is_lead,
            "can_erase": agent.is_admin,
            "active_block": active,
            # Who blocked and why is for leads; agents see only that the customer is blocked.
            "blocks": blocks if agent.is_lead else [],
            "block_form": BlockForm() if agent.is_lead else None,
            "paged": "before" in request.GET,
        },
    )


def _other(value: str) -> Customer | None:
    """The customer a lead typed: a number (``#42``) or an e-mail address."""
    value = value.strip()[:300]
    match = _NUMBER.fullmatch(value)
    if match:
        return Customer.objects.filter(pk=int(match.group(1))).first()
    if "@" in value:
        return customer_services.customer_with_address(value)
    return None


@login_required
@require_POST
def merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Merge the customer named in the form into this one (leads and admins)."""
    agent = _agent(request)
    if not agent.is_lead:  # before reading the form: an agent's role may not, whatever it says
        raise PermissionDenied
    kept = _customer(agent, customer_id)
    other = _other(request.POST.get("other", ""))
    try:
        if other is None or not services.can_see_customer(agent, other):
            raise ValidationError(_("No customer has that number or address."))
        services.merge_customers(kept=kept, merged=other, by=agent)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("profiles:customer", kept.pk)
    messages.success(
        request,
        _("Customer #%(merged)s merged into this customer.") % {"merged": other.pk},
    )
    return redirect("profiles:customer", kept.pk)


@login_required
@require_POST
def undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    agent = _agent(request)
    merge = CustomerMerge.objects.filter(pk=merge_id).select_related("kept", "merged").first()
    if merge is None or not services.can_see_customer(agent, merge.kept):
        raise Http404(_("No such merge."))
    try:
        services.undo_merge(merge=merge, by=agent)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("Merge undone: customer #%(merged)s is on their own again.")
            % {"merged": merge.merged_id},
        )
    return redirect("profiles:customer", merge.kept_id)


@login_required
@require_POST
def erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Erase this customer's personal data (admins; the typed e-mail or name confirms)."""
    agent = _agent(request)
    erasure.check_can_erase(agent)  # before reading the form, as for merges
    customer = _customer(agent, customer_id)
    try:
        erasure.erase_customer(
            customer=customer, by=agent, confirmation=request.POST.get("confirmation", "")[:300]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The personal data of customer #%(n)s was erased.") % {"n": customer.pk},
        )
    return redirect("profiles:customer", customer.pk)


@login_required
@require_POST
def block(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Block or suspend this customer (leads and admins), with a reason."""
    agent = _agent(request)
    if not agent.is_lead:  # before reading the form: an agent's role may not, whatever it says
        raise PermissionDenied
    customer = _customer(agent, customer_id)
    form = BlockForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                [str(error) for errors in form.errors.values() for error in errors]
            )
        placed = services.block_customer(
            customer=customer,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            duration=form.duration_value(),
            by=agent,
            address=security.client_ip(request),
        )
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
        return redirect("profiles:customer", customer.pk)
    if placed.expires_at is None:
        messages.success(request, _("Customer blocked until a lead lifts it."))
    else:
        messages.success(request, _("Customer suspended for the time you chose."))
    return redirect("profiles:customer", customer.pk)


@login_required
@require_POST
def lift(request: HttpRequest, block_id: int) -> HttpResponse:
    """Lift a block or end a suspension now (leads and admins)."""
    agent = _agent(request)
    if not agent.is_lead:
        raise PermissionDenied
    found = CustomerBlock.objects.filter(pk=block_id).select_related("customer").first()
    if found is None or not services.can_see_customer(agent, found.customer):
        raise Http404(_("No such block."))
    try:
        services.lift_block(block=found, by=agent, address=security.client_ip(request))
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("Block lifted: this customer reaches the team again."))
    return redirect("profiles:customer", found.customer_id)
