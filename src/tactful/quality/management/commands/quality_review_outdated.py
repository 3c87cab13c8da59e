"""Have the coach review again what an older coach version (or scorecard revision) reviewed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tactful.quality import tasks


class Command(BaseCommand):
    help = "Review again the conversations an older coach version or scorecard revision reviewed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch", type=int, default=tasks.SWEEP_BATCH, help="conversations per pass"
        )

    def handle(self, *args: Any, batch: int, **options: Any) -> None:
        total = 0
        while True:
            done = tasks.review_outdated_task(limit=max(1, batch))
            total += done
            if done == 0:
                break
        self.stdout.write(f"{total} reviews made again")
