"""``manage.py erase_customer ID --yes``: erase one customer's personal data, for good."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tactful.customers.models import Customer
from tactful.profiles import erasure


class Command(BaseCommand):
    help = (
        "Erase a customer's personal data (names, addresses, message text, attachments, "
        "survey comments) keeping the tickets' figures. Irreversible: --yes is required."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer_id", help="the customer's number (see /customers/<id>/)")
        parser.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")

    def handle(self, *args: Any, **options: Any) -> None:
        raw = str(options["customer_id"]).strip().lstrip("#")
        if not raw.isdigit() or len(raw) > 18:
            raise CommandError(f"not a customer number: {options['customer_id']!r}")
        customer = Customer.objects.filter(pk=int(raw)).first()
        if customer is None:
            raise CommandError(f"no customer #{raw}")
        if not options["yes"]:
            raise CommandError(
                f"this erases customer #{customer.pk}'s personal data for good; "
                "run again with --yes to confirm"
            )
        # A bar on a terminal only; logs and pipes get the summary alone.
        bar = self.stderr if sys.stderr.isatty() else None

        def progress(done: int, total: int) -> None:
            if bar is not None and total:
                filled = int(30 * done / total)
                bar.write(
                    f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} tickets", ending=""
                )

        try:
            erased = erasure.erase_customer(
                customer=customer, by=None, confirmation="", progress=progress
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if bar is not None:
            bar.write("")
        counts = ", ".join(f"{value} {name}" for name, value in erased.as_dict().items())
        self.stdout.write(f"customer #{customer.pk} erased: {counts}")
