"""Read queries for customers."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from tactful.customers.models import Customer


def customer_list() -> QuerySet[Customer]:
    """Customers with their identities prefetched and their ticket count annotated."""
    return Customer.objects.annotate(ticket_count=Count("tickets")).prefetch_related("identities")
