"""Frozen value objects that cross the coach's public border."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Language = Literal["en", "es", "ru", "und"]
Formality = Literal["formal", "informal", "neutral"]
Level = Literal["none", "weak", "strong"]
Severity = Literal["info", "warning", "problem"]
Balance = Literal["too_little", "balanced", "too_much"]
Trajectory = Literal["better", "worse", "steady", "dead_end"]
Move = Literal["continue", "escalate", "hand_over", "close_respectfully"]

#: The customer emotions the coach scores, in a stable order.
EMOTIONS: tuple[str, ...] = (
    "anger",
    "frustration",
    "sadness",
    "worry",
    "confusion",
    "gratitude",
    "neutral",
)

#: Every finding kind the coach can raise; stable identifiers the desk and tests rely on.
FINDING_KINDS: tuple[str, ...] = (
    "empathy_missing",
    "empathy_without_action",
    "over_apology",
    "over_sympathy",
    "assumption",
    "fault_not_admitted",
    "formality_mismatch",
    "no_next_step",
    "unanswered_question",
    "boilerplate",
    "unclear",
    "too_long",
    "invalid_encoding",
    "unsupported_language",
)


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range ``[start, end)`` into the analysed text."""

    start: int
    end: int

    def text_in(self, text: str) -> str:
        """Return the slice of ``text`` this span covers."""
        return text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class EmotionScores:
    """Probability-like score 0–1 for each customer emotion (they need not sum to 1)."""

    anger: float
    frustration: float
    sadness: float
    worry: float
    confusion: float
    gratitude: float
    neutral: float

    def top(self) -> str:
        """The strongest emotion's name (``neutral`` on ties with it)."""
        scores = {name: getattr(self, name) for name in EMOTIONS}
        return max(scores, key=lambda name: (scores[name], name == "neutral"))

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in EMOTIONS}


@dataclass(frozen=True, slots=True)
class Signal:
    """A yes/no judgement with its confidence and the evidence behind it."""

    present: bool
    score: float
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the coach noticed, with where it is and what to do about it."""

    kind: str
    severity: Severity
    spans: tuple[Span, ...]
    message: str


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    """What the coach reads in one customer message."""

    text: str
    language: Language
    emotions: EmotionScores
    intensity: float
    formality: Formality
    urgency: Signal
    abuse: Signal
    threat: Signal
    company_fault: Signal
    questions: tuple[Span, ...]
    key_sentences: tuple[Span, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def top_emotion(self) -> str:
        return self.emotions.top()


@dataclass(frozen=True, slots=True)
class Mechanism:
    """One empathy mechanism (emotional reaction, interpretation, exploration) in a reply."""

    level: Level
    score: float
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class RubricScore:
    """A 1–5 rubric score and the finding kinds that pulled it down."""

    score: int
    because: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReplyReview:
    """What the coach thinks of a draft reply."""

    text: str
    language: Language
    emotional_reaction: Mechanism
    interpretation: Mechanism
    exploration: Mechanism
    action: Signal
    next_step: Signal
    apology_count: int
    findings: tuple[Finding, ...]
    balance: Balance
    balance_reason: str
    awareness: RubricScore
    clarity: RubricScore
    empowerment: RubricScore
    precision: RubricScore
    clarity_classic: RubricScore
    empathy: RubricScore
    suggestions: tuple[str, ...]
    customer: MessageAnalysis | None = None

    def kinds(self) -> frozenset[str]:
        """The set of finding kinds raised, for quick membership checks."""
        return frozenset(finding.kind for finding in self.findings)


@dataclass(frozen=True, slots=True)
class ConversationMessage:
    """One turn of a conversation handed to :func:`review_conversation`."""

    author: Literal["customer", "agent"]
    text: str


@dataclass(frozen=True, slots=True)
class TurnSentiment:
    """The customer's state at one customer turn of the conversation."""

    index: int
    valence: float
    intensity: float
    top_emotion: str


@dataclass(frozen=True, slots=True)
class DeadEndEvidence:
    """One sign that a conversation goes round in circles, and the turns that show it.

    ``reason`` is a stable identifier (``repeated_demand``, ``no_new_information``,
    ``repeated_refusal``, ``rising_anger``); ``turns`` index into the messages given to
    :func:`review_conversation`; ``message`` says it in the conversation's language.
    """

    reason: str
    turns: tuple[int, ...]
    message: str


@dataclass(frozen=True, slots=True)
class ConversationReview:
    """The arc of a whole conversation."""

    language: Language
    trajectory: Trajectory
    turns: tuple[TurnSentiment, ...]
    dead_end: bool
    dead_end_reasons: tuple[str, ...]
    recommended_move: Move
    recommendation: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    #: What made it a dead end (or nearly one), with the turns to read: added after
    #: ``dead_end_reasons``, which keeps its localised strings.
    evidence: tuple[DeadEndEvidence, ...] = field(default_factory=tuple)
