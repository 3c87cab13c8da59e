"""``tactful manage load_canned_starter``: add (or reset) the shipped starter library."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tactful.canned.services import load_starter


class Command(BaseCommand):
    help = (
        "Add the starter canned responses (en, es, ru) to the shared library. Running it again "
        "adds only what is missing; --overwrite resets edited starter texts to the shipped ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="reset starter responses someone edited back to the shipped text",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_starter(overwrite=bool(options["overwrite"]))
        self.stdout.write(
            f"Starter library: {report.created_responses} responses and "
            f"{report.created_variants} texts added, {report.updated_variants} texts reset."
        )
