"""``manage.py join_customers [--dry-run]``: make one customer of those sharing a verified address."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tactful.profiles import services


class Command(BaseCommand):
    help = (
        "Merge customers who share an e-mail address one of them wrote from (each merge can "
        "be undone on the customer page). --dry-run lists them and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        joins = services.join_same_address(dry_run=dry_run)
        verb = "would join" if dry_run else "joined"
        for join in joins:
            others = ", ".join(f"#{pk}" for pk in join.merged)
            self.stdout.write(f"{join.address}: {verb} {others} into #{join.kept}")
        merged = sum(len(join.merged) for join in joins)
        self.stdout.write(f"{len(joins)} addresses, {merged} customers {verb}.")
