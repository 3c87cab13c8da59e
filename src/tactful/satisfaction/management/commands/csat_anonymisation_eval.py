"""``tactful manage csat_anonymisation_eval``: the anonymiser's figures on the marked corpus."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tactful.satisfaction import anonymisation_eval
from tactful.satisfaction.anonymise import natasha_available


class Command(BaseCommand):
    help = "Recall of identifying spans and text wrongly removed, per corpus file."

    def handle(self, *args: Any, **options: Any) -> None:
        runs = [("rules", False)]
        if natasha_available():
            runs.append(("rules + natasha (ru)", True))
        # Every ``*.jsonl`` file of the corpus, each with what it is (development, blind…).
        self.stdout.write(
            "| corpus | what it is | method | comments | marked spans | found | recall | "
            "non-identifying characters removed | false redactions |"
        )
        self.stdout.write("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for label, use_ner in runs:
            for name, score in anonymisation_eval.evaluate(use_ner=use_ner).items():
                if use_ner and anonymisation_eval.language_of(name) != "ru":
                    continue
                self.stdout.write(
                    f"| {name} | {anonymisation_eval.kind_of(name)} | {label} | "
                    f"{score.comments} | {score.spans} | {score.found} | "
                    f"{score.recall:.3f} | {score.wrongly_removed:.2%} "
                    f"({score.other_removed}/{score.other_chars}) | {score.false_redactions} |"
                )
                if score.missed:
                    self.stdout.write(f"|   | missed: {', '.join(score.missed)} | | | | | | | |")
