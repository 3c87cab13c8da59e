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
    DeadEndEvidence,
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
    # Anger and frustration count together: the scores split an angry message between them.
    negative = max(e.anger + e.frustration, e.sadness, e.worry)
    return round(max(-1.0, min(1.0, e.gratitude - negative)), 4)


def _hostility(analysis: MessageAnalysis) -> float:
    e = analysis.emotions
    # Anger and frustration together: the scores split an angry message's weight between them.
    return min(1.0, (e.anger + e.frustration) * (0.5 + analysis.intensity))


def _stems(text: str, language: Language) -> set[str]:
    stop = lexicon(language).stop_words
    return {w[:5] for w, _, _ in words(text) if len(w) >= 4 and w not in stop and not w.isdigit()}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


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


def _repeated(indices: list[int], stems: dict[int, set[str]], bar: float) -> list[int]:
    """The turns that say again what an earlier turn of the same author said, with the
    earliest turn they repeat: the evidence of going round in circles."""
    found: set[int] = set()
    for position, later in enumerate(indices):
        for earlier in indices[:position]:
            if stems[later] and stems[earlier] and _overlap(stems[later], stems[earlier]) >= bar:
                found.update((earlier, later))
    return sorted(found)


def dead_end_evidence(
    turns: list[ConversationMessage],
    customer_indices: list[int],
    analyses: list[MessageAnalysis],
    language: Language,
) -> list[tuple[str, tuple[int, ...]]]:
    """Signs of a dead end read from the whole thread, each with the turns that show it."""
    lex = lexicon(language)
    agent_indices = [i for i, t in enumerate(turns) if t.author == "agent" and t.text.strip()]
    stems = {i: _stems(turns[i].text, language) for i in customer_indices + agent_indices}
    found: list[tuple[str, tuple[int, ...]]] = []

    # The customer asks for the same thing again, and is still asking in the last turn.
    repeated = _repeated(customer_indices, stems, 0.4)
    if len(repeated) >= 2 and customer_indices[-1] in repeated:
        found.append(("repeated_demand", tuple(repeated)))

    # The latest customer turns add (almost) nothing the earlier ones had not said.
    stale: list[int] = []
    for position in range(1, len(customer_indices)):
        index = customer_indices[position]
        seen = set().union(*(stems[i] for i in customer_indices[:position]))
        fresh = stems[index] - seen
        if stems[index] and len(fresh) <= max(1, len(stems[index]) // 4):
            stale.append(index)
        else:
            stale = []
    if stale and stale[-1] == customer_indices[-1]:
        found.append(("no_new_information", tuple(stale)))

    # The agent refuses again (a refusal word in two replies) or repeats an earlier reply.
    refusals = [i for i in agent_indices if lex.has("refusal", turns[i].text)]
    echoed = _repeated(agent_indices, stems, 0.6)
    if len(refusals) >= 2 or len(echoed) >= 2:
        found.append(("repeated_refusal", tuple(sorted({*refusals, *echoed}))))

    # The customer is angrier now than at their calmest, and getting no calmer.
    hostility = [_hostility(a) for a in analyses]
    if len(hostility) >= 2:
        calmest = min(range(len(hostility) - 1), key=lambda k: hostility[k])
        tail = hostility[calmest:]
        if (
            hostility[-1] >= 0.35
            and hostility[-1] - hostility[calmest] >= 0.1
            and all(b >= a - 0.1 for a, b in itertools.pairwise(tail))
        ):
            found.append(("rising_anger", tuple(customer_indices[calmest:])))
    return found


def review_conversation(
    messages: Sequence[ConversationMessage | dict[str, str]], *, language: str | None = None
) -> ConversationReview:
    """Review a whole thread.

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

    evidence = (
        dead_end_evidence(turns, customer_indices, analyses, language_code)
        if len(customer_indices) >= DEAD_END_MIN_TURNS
        else []
    )
    reasons = [reason for reason, _ in evidence]
    agent_replies = sum(1 for t in turns if t.author == "agent")
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
        evidence=tuple(
            DeadEndEvidence(reason, shown, lex.message("conversation", reason))
            for reason, shown in evidence
        ),
    )
