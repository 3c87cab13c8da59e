"""``tactful manage csat_anonymisation_eval``: the anonymiser's figures on the marked corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tactful.satisfaction import anonymisation_eval
from tactful.satisfaction.anonymise import natasha_available


class Command(BaseCommand):
    help = "Recall of identifying spans and text wrongly removed, per corpus file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--public-data",
            type=Path,
            default=None,
            help=(
                "The shared data folder (../shared/data): also print how much of its public "
                "comments, whose names the data sets masked, the rules remove (rules only)."
            ),
        )

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
        if options["public_data"] is not None:
            self._public_texts(options["public_data"])

    def _public_texts(self, data_dir: Path) -> None:
        if not data_dir.is_dir():
            raise CommandError(f"No data folder at {data_dir}")
        self.stdout.write("")
        self.stdout.write("| public comments (names masked) | language | comments | removed |")
        self.stdout.write("|---|---|---:|---:|")
        for language, relative in anonymisation_eval.PUBLIC_TEXTS.items():
            if not (data_dir / relative).is_file():
                self.stdout.write(f"| {relative} | {language} | missing | |")
                continue
            texts = anonymisation_eval.public_texts(data_dir, language)
            removal = anonymisation_eval.removed_from(texts, language=language)
            self.stdout.write(
                f"| {relative} | {language} | {removal.comments} | {removal.share:.2%} "
                f"({removal.removed}/{removal.chars}) |"
            )
