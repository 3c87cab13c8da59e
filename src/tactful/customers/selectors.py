"""Read queries for customers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tactful.customers.models import Customer, CustomerBlock


def customer_list() -> QuerySet[Customer]:
    """Customers with their identities prefetched and their ticket count annotated."""
    return Customer.objects.annotate(ticket_count=Count("tickets")).prefetch_related("identities")


def active_block(customer_id: int, *, now: datetime | None = None) -> CustomerBlock | None:
    """The block holding ``customer_id``'s messages now, or ``None`` (one indexed query).

    The expiry is read here, when a message arrives: a suspension that ran out is simply not
    active any more, with no job needed to end it.
    """
    now = now or timezone.now()
    return (
        CustomerBlock.objects.filter(customer_id=customer_id, lifted_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .order_by("-created_at", "-id")
        .first()
    )


def blocks(customer: Customer) -> list[CustomerBlock]:
    """Every block of ``customer``, newest first, with who placed and lifted it."""
    return list(
        CustomerBlock.objects.filter(customer=customer)
        .select_related("by", "lifted_by")
        .order_by("-created_at", "-id")[:20]
    )
