"""The Tactful coach: reads customer messages and reviews replies, in English, Spanish and Russian.

Framework-free: plain text in, frozen dataclasses out, every judgement with character spans.

    >>> from tactful.coach import analyze_message, review_reply
    >>> analysis = analyze_message("I was charged twice and nobody answers!")
    >>> review = review_reply("Sorry! So sorry again.", customer_message=analysis)
"""

from ._analyze import analyze_many, analyze_message
from ._conversation import review_conversation
from ._errors import CoachError
from ._paraphrase import paraphrase
from ._review import review_reply
from ._text import MAX_CHARS
from ._types import (
    EMOTIONS,
    FINDING_KINDS,
    ConversationMessage,
    ConversationReview,
    DeadEndEvidence,
    EmotionScores,
    Finding,
    Mechanism,
    MessageAnalysis,
    ReplyReview,
    RubricScore,
    Signal,
    Span,
    TurnSentiment,
)

__all__ = [
    "EMOTIONS",
    "FINDING_KINDS",
    "MAX_CHARS",
    "CoachError",
    "ConversationMessage",
    "ConversationReview",
    "DeadEndEvidence",
    "EmotionScores",
    "Finding",
    "Mechanism",
    "MessageAnalysis",
    "ReplyReview",
    "RubricScore",
    "Signal",
    "Span",
    "TurnSentiment",
    "analyze_many",
    "analyze_message",
    "paraphrase",
    "review_conversation",
    "review_reply",
]
