"""Draw a week's conversations for review for every team with an active sampling plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tactful.quality import sampling


class Command(BaseCommand):
    help = "Draw the conversations to review for a week (default: this week so far)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--week", help="any day of the week, YYYY-MM-DD")

    def handle(self, *args: Any, week: str | None, **options: Any) -> None:
        try:
            day = date.fromisoformat(week) if week else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--week: {error}") from error
        made = sampling.draw_all(week=day)
        self.stdout.write(f"{made} conversations drawn for the week of {sampling.week_start(day)}")
