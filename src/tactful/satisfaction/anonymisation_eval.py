"""How well the anonymiser does on the project's marked corpus: recall and text wrongly removed."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from tactful.satisfaction.anonymise import Known, find_identifying

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
_MARK = re.compile(r"\[\[(.+?)\]\]")


@dataclass(frozen=True)
class Example:
    """A comment with the identifying spans its author marked."""

    text: str
    spans: tuple[tuple[int, int], ...]
    known: Known


@dataclass(frozen=True)
class Score:
    """Figures for one file of the corpus."""

    comments: int
    spans: int
    found: int
    #: Characters not marked as identifying (whitespace excluded) and how many were removed.
    other_chars: int
    other_removed: int
    #: Redactions that touch no marked span at all.
    false_redactions: int
    missed: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.found / self.spans if self.spans else 1.0

    @property
    def wrongly_removed(self) -> float:
        return self.other_removed / self.other_chars if self.other_chars else 0.0


def parse(line: str) -> Example:
    """One corpus line: ``{"text": "… [[marked]] …", "known": {...}}``."""
    record = json.loads(line)
    marked = record["text"]
    text_parts: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    length = 0
    for match in _MARK.finditer(marked):
        before = marked[position : match.start()]
        text_parts.append(before)
        length += len(before)
        inner = match.group(1)
        spans.append((length, length + len(inner)))
        text_parts.append(inner)
        length += len(inner)
        position = match.end()
    text_parts.append(marked[position:])
    known = record.get("known") or {}
    return Example(
        text="".join(text_parts),
        spans=tuple(spans),
        known=Known(
            names=tuple(known.get("names", ())),
            emails=tuple(known.get("emails", ())),
            phones=tuple(known.get("phones", ())),
            handles=tuple(known.get("handles", ())),
        ),
    )


def load(path: Path) -> list[Example]:
    return [parse(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(examples: list[Example], *, language: str, use_ner: bool = True) -> Score:
    spans = found = other_chars = other_removed = false_redactions = 0
    missed: list[str] = []
    for example in examples:
        redactions = find_identifying(
            example.text, language=language, known=example.known, use_ner=use_ner
        )
        removed = [False] * len(example.text)
        for redaction in redactions:
            for index in range(redaction.start, redaction.end):
                removed[index] = True
            if not any(
                r_start < redaction.end and redaction.start < r_end
                for r_start, r_end in example.spans
            ):
                false_redactions += 1
        marked = [False] * len(example.text)
        for start, end in example.spans:
            spans += 1
            for index in range(start, end):
                marked[index] = True
            if all(removed[i] for i in range(start, end) if not example.text[i].isspace()):
                found += 1
            else:
                missed.append(example.text[start:end])
        for index, char in enumerate(example.text):
            if not marked[index] and not char.isspace():
                other_chars += 1
                other_removed += removed[index]
    return Score(
        comments=len(examples),
        spans=spans,
        found=found,
        other_chars=other_chars,
        other_removed=other_removed,
        false_redactions=false_redactions,
        missed=tuple(missed),
    )


#: What each kind of corpus file is, by the part of its name after the language
#: (``en.jsonl``, ``en_formerly_heldout.jsonl``, ``en_formerly_blind.jsonl``,
#: ``en_formerly_blind2.jsonl``, ``en_blind.jsonl``).
#: A file of a kind not listed here is scored all the same, and says so: describe it here and in
#: ``corpus/README.md``.
KINDS: dict[str, str] = {
    "": "development (the rules were written against it): in-sample",
    "formerly_heldout": (
        "development since 2026-12-06 (held out until then; the rules were then changed "
        "for what they missed in it): in-sample"
    ),
    "formerly_blind": (
        "development since 2026-12-06, evening (written blind, without seeing the rules; the "
        "rules were then changed for what they missed in it): in-sample"
    ),
    "formerly_blind2": (
        "development since 2026-12-06, night (the second blind set, written without seeing the "
        "project; its blind figures are recorded, the rules were then changed for what it "
        "showed): in-sample"
    ),
    "blind": "blind (written without seeing the rules, never used to change them)",
}


def language_of(stem: str) -> str:
    """The comments' language: the file name's first part (``ru`` in ``ru_blind``)."""
    return stem.split("_", 1)[0]


def kind_of(stem: str) -> str:
    """What a corpus file is, from its name (see ``KINDS``)."""
    suffix = stem.split("_", 1)[1] if "_" in stem else ""
    return KINDS.get(suffix, f"not described yet ({stem}): add it to KINDS and the README")


def evaluate(*, use_ner: bool = True, directory: Path = CORPUS_DIR) -> dict[str, Score]:
    """Every corpus file in ``directory`` scored, whatever its name (``en``, ``en_blind``…)."""
    results = {}
    for path in sorted(directory.glob("*.jsonl")):
        results[path.stem] = score(load(path), language=language_of(path.stem), use_ner=use_ner)
    return results


#: Public comments whose person names their data set masked ("[NAME]", "@user"), per language
#: (paths under the shared data folder, ``../shared/data``; never copied into the project).
#: What the anonymiser removes from them is mostly text that identifies nobody: a check of
#: over-redaction on real text nobody wrote for the anonymiser (it also finds the few names and
#: numbers the data sets left).
PUBLIC_TEXTS: dict[str, str] = {
    "en": "goemotions/test.tsv",
    "es": "xlmt_sentiment_es/test_text.txt",
    "ru": "ru_goemotions/ru-go-emotions-simplified-test.csv",
}
_MASKS = re.compile(r"\[(?:NAME|RELIGION|ИМЯ|РЕЛИГИЯ)\]|@user", re.I)


@dataclass(frozen=True)
class Removal:
    """How much of a set of comments the anonymiser removed."""

    comments: int
    #: Characters (whitespace excluded) and how many were removed.
    chars: int
    removed: int

    @property
    def share(self) -> float:
        return self.removed / self.chars if self.chars else 0.0


def public_texts(data_dir: Path, language: str, *, limit: int = 2000) -> list[str]:
    """The first ``limit`` comments of the language's public set, their masks taken out."""
    path = data_dir / PUBLIC_TEXTS[language]
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix == ".csv":
            texts = [row["ru_text"] for row in csv.DictReader(handle)]
        elif path.suffix == ".tsv":
            texts = [line.split("\t", 1)[0] for line in handle]
        else:
            texts = [line.rstrip("\n") for line in handle]
    return [_MASKS.sub("", text) for text in texts[:limit] if text.strip()]


def removed_from(texts: list[str], *, language: str) -> Removal:
    chars = removed = 0
    for text in texts:
        chars += sum(1 for char in text if not char.isspace())
        for redaction in find_identifying(text, language=language, use_ner=False):
            removed += sum(
                1 for char in text[redaction.start : redaction.end] if not char.isspace()
            )
    return Removal(comments=len(texts), chars=chars, removed=removed)
