"""What the live panel shows of a draft's review: labels in the agent's language, the draft
with the evidence highlighted, the balance gauge and the rubrics."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from tactful.coaching.draft_review import REVIEW_LANGUAGES, SEVERITIES

FINDING_LABELS = {
    "empathy_missing": gettext_lazy("Empathy missing"),
    "empathy_without_action": gettext_lazy("Empathy without action"),
    "over_apology": gettext_lazy("Too many apologies"),
    "over_sympathy": gettext_lazy("Too much sympathy"),
    "assumption": gettext_lazy("Assumption"),
    "fault_not_admitted": gettext_lazy("Our mistake not admitted"),
    "formality_mismatch": gettext_lazy("Tone does not mirror the customer"),
    "no_next_step": gettext_lazy("No next step"),
    "unanswered_question": gettext_lazy("Unanswered question"),
    "boilerplate": gettext_lazy("Stock phrase"),
    "unclear": gettext_lazy("Unclear"),
    "too_long": gettext_lazy("Too long"),
    "invalid_encoding": gettext_lazy("Broken characters"),
    "unsupported_language": gettext_lazy("Language the coach cannot read"),
    "no_personal_touch": gettext_lazy("Template without a personal touch"),
    # Rubric reasons the coach adds for the balance verdict.
    "balance:too_little": gettext_lazy("too little empathy"),
    "balance:too_much": gettext_lazy("too much empathy"),
}
BALANCE_LABELS = {
    "too_little": gettext_lazy("Too little"),
    "balanced": gettext_lazy("Balanced"),
    "too_much": gettext_lazy("Too much"),
}
RUBRIC_LABELS = {
    "awareness": gettext_lazy("Awareness"),
    "clarity": gettext_lazy("Clarity"),
    "empowerment": gettext_lazy("Empowerment"),
    "precision": gettext_lazy("Precision"),
    "clarity_classic": gettext_lazy("Clarity"),
    "empathy": gettext_lazy("Empathy"),
}
LANGUAGE_LABELS = {
    "en": gettext_lazy("English"),
    "es": gettext_lazy("Spanish"),
    "ru": gettext_lazy("Russian"),
    "und": gettext_lazy("a language the coach cannot read"),
}


def finding_label(kind: str) -> str:
    label = FINDING_LABELS.get(kind)
    return str(label) if label is not None else kind.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of the draft's text and the finding kinds whose spans cover it."""

    text: str
    kinds: tuple[str, ...] = ()

    @property
    def css(self) -> str:
        return " ".join(["finding", *(f"finding-{kind}" for kind in self.kinds)])

    @property
    def title(self) -> str:
        return ", ".join(finding_label(kind) for kind in self.kinds)


def highlight(text: str, findings: Sequence[dict[str, Any]]) -> list[Segment]:
    """Cut ``text`` at every span edge so overlapping findings each mark their words.

    One sweep over the edges (a hostile 100,000-character draft can carry thousands of spans).
    """
    starts: dict[int, list[str]] = defaultdict(list)
    ends: dict[int, list[str]] = defaultdict(list)
    kinds_in_order: list[str] = []
    for finding in findings:
        kind = str(finding["kind"])
        for start, end in finding.get("spans") or ():
            start, end = max(0, int(start)), min(len(text), int(end))
            if start < end:
                starts[start].append(kind)
                ends[end].append(kind)
                if kind not in kinds_in_order:
                    kinds_in_order.append(kind)
    if not kinds_in_order:
        return [Segment(text)] if text else []
    edges = sorted({0, len(text), *starts, *ends})
    active: Counter[str] = Counter()
    segments = []
    for start, end in itertools.pairwise(edges):
        for kind in ends.get(start, ()):
            active[kind] -= 1
        for kind in starts.get(start, ()):
            active[kind] += 1
        segments.append(Segment(text[start:end], tuple(k for k in kinds_in_order if active[k] > 0)))
    return segments


@dataclass(frozen=True, slots=True)
class FindingRow:
    kind: str
    label: str
    severity: str
    message: str
    quotes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RubricRow:
    name: str
    label: str
    score: int
    because: str


@dataclass(frozen=True, slots=True)
class ReviewPanel:
    """Everything the live panel prints, worked out once (the template only prints)."""

    review: dict[str, Any]
    segments: list[Segment]
    findings: list[FindingRow]
    balance: str
    balance_label: str
    balance_reason: str
    current_rubric: list[RubricRow]
    classic_rubric: list[RubricRow]
    suggestions: list[str]
    language: str
    language_label: str
    ticket_language: str
    ticket_language_label: str

    @property
    def language_differs(self) -> bool:
        return self.ticket_language in REVIEW_LANGUAGES and self.language != self.ticket_language


def review_panel(review: dict[str, Any], *, ticket_language: str) -> ReviewPanel:
    text = review["text"]
    order = {severity: i for i, severity in enumerate(reversed(SEVERITIES))}
    findings = sorted(review["findings"], key=lambda f: order.get(f["severity"], 9))
    rows = [
        FindingRow(
            kind=f["kind"],
            label=finding_label(f["kind"]),
            severity=f["severity"],
            message=f["message"],
            quotes=tuple(dict.fromkeys(text[s:e] for s, e in f["spans"] if s < e))[:4],
        )
        for f in findings
    ]

    def rubric(names: Sequence[str]) -> list[RubricRow]:
        return [
            RubricRow(
                name=name,
                label=str(RUBRIC_LABELS[name]),
                score=review["rubric"][name]["score"],
                because=", ".join(finding_label(k) for k in review["rubric"][name]["because"]),
            )
            for name in names
        ]

    language = review["language"]
    return ReviewPanel(
        review=review,
        segments=highlight(text, review["findings"]),
        findings=rows,
        balance=review["balance"],
        balance_label=str(BALANCE_LABELS.get(review["balance"], review["balance"])),
        balance_reason=review["balance_reason"],
        current_rubric=rubric(("awareness", "clarity", "empowerment")),
        classic_rubric=rubric(("precision", "clarity_classic", "empathy")),
        suggestions=list(review["suggestions"]),
        language=language,
        language_label=str(LANGUAGE_LABELS.get(language, language)),
        ticket_language=ticket_language,
        ticket_language_label=str(LANGUAGE_LABELS.get(ticket_language, ticket_language)),
    )
