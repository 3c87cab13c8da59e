"""C4: the arc of a conversation — sentiment trajectory, dead ends, and the recommended move."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from ._analyze import analyze_many
from ._errors import no_customer_message
from ._lexicon import lexicon
from ._text import words
from ._types import (
    ConversationMessage,
    ConversationReview,
    Language,
    MessageAnalysis,
    Move,
    Trajectory,
    TurnSentiment,
)

#: Customer turns needed before a conversation can be called a dead end.
DEAD_END_MIN_TURNS = 3


def _valence(analysis: MessageAnalysis) -> float:
    e = analysis.emotions
    negative = max(e.anger, e.frustration, e.sadness, e.worry)
    return round(max(-1.0, min(1.0, e.gratitude - negative)), 4)


def _hostility(analysis: MessageAnalysis) -> float:
    return max(analysis.emotions.anger, analysis.emotions.frustration) * (0.5 + analysis.intensity)


def _stems(analysis: MessageAnalysis) -> set[str]:
    stop = lexicon(analysis.language).stop_words
    return {w[:5] for w, _, _ in words(analysis.text) if len(w) >= 4 and w not in stop}


def _coerce(messages: Sequence[ConversationMessage | dict[str, str]]) -> list[ConversationMessage]:
    turns: list[ConversationMessage] = []
    for message in messages:
        if isinstance(message, ConversationMessage):
            turns.append(message)
        else:
            is_customer = message.get("author", "customer") == "customer"
            turns.append(
                ConversationMessage(
                    author="customer" if is_customer else "agent", text=str(message.get("text", ""))
                )
            )
    return turns


def review_conversation(
    messages: Sequence[ConversationMessage | dict[str, str]], *, language: str | None = None
) -> ConversationReview:
    """Review a whole thread (C4).

    Args:
        messages: turns in order, as :class:`ConversationMessage` or ``{"author", "text"}`` dicts.
        language: force the language of every turn.

    Returns:
        The trajectory across customer turns, whether it is a dead end and why, and a move.

    Raises:
        CoachError: E004 when there is no non-empty customer turn.
    """
    turns = _coerce(messages)
    customer_indices = [i for i, t in enumerate(turns) if t.author == "customer" and t.text.strip()]
    if not customer_indices:
        raise no_customer_message()
    analyses = analyze_many([turns[i].text for i in customer_indices], language=language)
    language_code: Language = next(
        (a.language for a in reversed(analyses) if a.language != "und"), "und"
    )
    lex = lexicon(language_code)
    sentiments = tuple(
        TurnSentiment(
            index=i, valence=_valence(a), intensity=a.intensity, top_emotion=a.emotions.top()
        )
        for i, a in zip(customer_indices, analyses, strict=True)
    )

    reasons: list[str] = []
    recent = analyses[-DEAD_END_MIN_TURNS:]
    agent_replies = sum(1 for t in turns if t.author == "agent")
    if len(recent) >= DEAD_END_MIN_TURNS:
        stems = [_stems(a) for a in recent]
        overlaps = [len(a & b) / max(1, min(len(a), len(b))) for a, b in itertools.pairwise(stems)]
        if overlaps and min(overlaps) >= 0.4:
            reasons.append("repeated_demand")
        hostility = [_hostility(a) for a in recent]
        if hostility[-1] >= 0.35 and all(b >= a - 0.05 for a, b in itertools.pairwise(hostility)):
            reasons.append("rising_anger")
        seen = set().union(*stems[:-1])
        new_words = stems[-1] - seen
        if len(new_words) <= max(1, len(stems[-1]) // 4):
            reasons.append("no_new_information")
    hostile = any(a.abuse.present or a.threat.present for a in analyses)
    dead_end = len(reasons) >= 2 and agent_replies >= 2

    valences = [s.valence for s in sentiments]
    trajectory: Trajectory
    if dead_end:
        trajectory = "dead_end"
    elif len(valences) >= 2 and valences[-1] - valences[0] >= 0.2:
        trajectory = "better"
    elif len(valences) >= 2 and valences[0] - valences[-1] >= 0.2:
        trajectory = "worse"
    else:
        trajectory = "steady"

    move: Move
    if hostile:
        move = "hand_over"
        reasons.append("abuse")
    elif dead_end and "rising_anger" in reasons and agent_replies < 4:
        move = "escalate"
    elif dead_end:
        move = "close_respectfully"
    elif trajectory == "worse" and sentiments[-1].intensity >= 0.6:
        move = "escalate"
    else:
        move = "continue"
    return ConversationReview(
        language=language_code,
        trajectory=trajectory,
        turns=sentiments,
        dead_end=dead_end,
        dead_end_reasons=tuple(lex.message("conversation", r) for r in reasons),
        recommended_move=move,
        recommendation=lex.message("conversation", move),
    )
