"""The customer panel: how the customer feels, what they asked that nobody answered, where the
conversation is going, and the coach's recommended move (the ticket page's side column)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from tactful import coach
from tactful.coaching.draft_review import MAX_DRAFT_CHARS
from tactful.coaching.readings import conversation_reading, customer_reading, digest
from tactful.tickets.models import Message, MessageKind, Ticket
from tactful.tickets.presenters import emotion_label
from tactful.tickets.rendering import plain_text

#: How much of each turn the conversation's arc is judged on.
CONVERSATION_TURN_CHARS = 5_000
#: Turns of the thread the panel reads (the newest ones).
THREAD_TURNS = 30
#: Customer messages per group whose questions are checked (bounds the panel's work).
QUESTION_MESSAGES = 3

FORMALITY_LABELS = {
    "formal": gettext_lazy("formal"),
    "informal": gettext_lazy("informal"),
    "neutral": gettext_lazy("neutral"),
}
TRAJECTORY_LABELS = {
    "better": gettext_lazy("Getting better"),
    "worse": gettext_lazy("Getting worse"),
    "steady": gettext_lazy("About the same"),
    "dead_end": gettext_lazy("Dead end"),
}
MOVES = {
    "hand_over": gettext_lazy("A lead has been involved; you may hand the conversation over."),
    "close": gettext_lazy("Close respectfully and offer a way back (boundary / closing template)."),
    "escalate": gettext_lazy(
        "Escalate to the next tier, and tell the customer who takes over and when they will "
        "hear back."
    ),
    "admit": gettext_lazy("Admit the mistake once, say what you did and when they'll hear back."),
    "steady_action": gettext_lazy(
        "They are getting more upset: acknowledge it in one sentence, then lead with the fix "
        "and a next step."
    ),
    "admit_early": gettext_lazy(
        "The company may be at fault: say so plainly once, then what you did about it."
    ),
    "answer": gettext_lazy("Answer their open questions first, then say what happens next."),
    "keep": gettext_lazy("It is working: keep the tone and confirm the next step."),
    "acknowledge": gettext_lazy("Acknowledge how they feel in one sentence, then act."),
    "act": gettext_lazy("Act by default: say what you did and what happens next."),
}
_UPSET = ("anger", "frustration", "sadness", "worry")


@dataclass(frozen=True, slots=True)
class EmotionRow:
    name: str
    label: str
    percent: int


@dataclass(frozen=True, slots=True)
class QuestionRow:
    message_id: int
    text: str


@dataclass(frozen=True, slots=True)
class CustomerPanel:
    """The coach's reading of where the customer stands, for the ticket page's side column."""

    message_id: int
    language: str
    emotions: list[EmotionRow]
    top_emotion: str
    top_emotion_label: str
    intensity: int
    intensity_level: str
    formality: str
    formality_label: str
    urgent: bool
    abuse: bool
    threat: bool
    company_fault: bool
    questions: list[QuestionRow]
    trajectory: str
    trajectory_label: str
    dead_end: bool
    customer_turns: int
    move: str
    advice: str


def _percent(value: float) -> int:
    return max(0, min(100, round(float(value) * 100)))


def _level(intensity: float) -> str:
    return "high" if intensity >= 0.66 else "medium" if intensity >= 0.33 else "low"


def _thread(ticket: Ticket) -> list[Message]:
    """The newest turns (customer messages and replies, not notes), oldest first: one query."""
    newest = (
        Message.objects.filter(
            ticket_id=ticket.pk, kind__in=[MessageKind.INCOMING, MessageKind.OUTGOING]
        )
        .only("id", "kind", "body")
        .order_by("-created_at", "-id")[:THREAD_TURNS]
    )
    return list(reversed(newest))


def _question_texts(reading: coach.MessageAnalysis) -> list[str]:
    return [reading.text[s.start : s.end].strip() for s in reading.questions]


def unanswered_questions(turns: Sequence[Message]) -> list[QuestionRow]:
    """The customer's questions that no later reply addressed, in their own words.

    Messages after the last reply: every question is open. Messages the last reply answered:
    the coach's ``unanswered_question`` check of that reply decides, question by question.
    """

    last_reply = next(
        (i for i in range(len(turns) - 1, -1, -1) if turns[i].kind == MessageKind.OUTGOING), None
    )
    questions: list[QuestionRow] = []
    if last_reply is not None:
        previous_reply = next(
            (i for i in range(last_reply - 1, -1, -1) if turns[i].kind == MessageKind.OUTGOING),
            -1,
        )
        answered = [t for t in turns[previous_reply + 1 : last_reply] if t.body.strip()]
        reply_text = turns[last_reply].body
        for message in answered[-QUESTION_MESSAGES:]:
            reading = customer_reading(message_id=message.pk, body=message.body)
            asked = _question_texts(reading)
            if not asked or not reply_text.strip():
                questions.extend(QuestionRow(message.pk, q) for q in asked)
                continue
            review = coach.review_reply(
                plain_text(reply_text)[:MAX_DRAFT_CHARS], customer_message=reading
            )
            missed = [f.message for f in review.findings if f.kind == "unanswered_question"]
            questions.extend(
                QuestionRow(message.pk, q) for q in asked if any(q in m for m in missed)
            )
    waiting = [
        t for t in turns[(last_reply if last_reply is not None else -1) + 1 :] if t.body.strip()
    ]
    for message in waiting[-QUESTION_MESSAGES:]:
        reading = customer_reading(message_id=message.pk, body=message.body)
        questions.extend(QuestionRow(message.pk, q) for q in _question_texts(reading))
    return questions


def conversation_review(
    ticket: Ticket, turns: Sequence[Message]
) -> coach.ConversationReview | None:
    """The coach's review of the whole conversation, cached until the thread changes (never
    run per keystroke)."""

    signature = digest("\x1e".join(f"{t.pk}:{t.kind}:{digest(t.body)}" for t in turns))

    def compute() -> coach.ConversationReview | None:
        messages = [
            coach.ConversationMessage(
                "customer" if t.kind == MessageKind.INCOMING else "agent",
                plain_text(t.body)[:CONVERSATION_TURN_CHARS],
            )
            for t in turns
        ]
        try:
            return coach.review_conversation(messages)
        except coach.CoachError:
            return None

    return conversation_reading((ticket.pk, signature), compute)


def recommend(
    *,
    reading: coach.MessageAnalysis,
    conversation: coach.ConversationReview | None,
    open_questions: bool,
) -> str:
    """The coach's next move for the agent, as a key of :data:`MOVES`; first match wins."""
    trajectory = conversation.trajectory if conversation is not None else "steady"
    move = conversation.recommended_move if conversation is not None else "continue"
    if reading.abuse.present or reading.threat.present or move == "hand_over":
        return "hand_over"
    # A young dead end with rising anger goes to the next tier first (the coach's call);
    # one that outlived several replies is closed respectfully.
    if move == "close_respectfully" or (trajectory == "dead_end" and move != "escalate"):
        return "close"
    if trajectory == "worse" and reading.company_fault.present:
        return "admit"
    if move == "escalate":
        return "escalate"
    if trajectory == "worse":
        return "steady_action"
    if reading.company_fault.present:
        return "admit_early"
    if open_questions:
        return "answer"
    if trajectory == "better":
        return "keep"
    upset = max(getattr(reading.emotions, name) for name in _UPSET)
    if upset >= 0.5 and reading.intensity >= 0.5:
        return "acknowledge"
    return "act"


def customer_panel(ticket: Ticket) -> CustomerPanel | None:
    """Where the customer stands: feelings, open questions, the conversation's arc, next move.

    ``None`` when the customer has written nothing the coach can read.
    """
    turns = _thread(ticket)
    incoming = [t for t in turns if t.kind == MessageKind.INCOMING and t.body.strip()]
    if not incoming:
        return None
    latest = incoming[-1]
    reading = customer_reading(message_id=latest.pk, body=latest.body)
    questions = unanswered_questions(turns)
    conversation = conversation_review(ticket, turns)
    trajectory = conversation.trajectory if conversation is not None else "steady"
    move = recommend(reading=reading, conversation=conversation, open_questions=bool(questions))
    scores = reading.emotions.as_dict()
    emotions = sorted(
        (EmotionRow(name, emotion_label(name), _percent(score)) for name, score in scores.items()),
        key=lambda row: -row.percent,
    )
    top = reading.emotions.top()
    return CustomerPanel(
        message_id=latest.pk,
        language=reading.language,
        emotions=emotions,
        top_emotion=top,
        top_emotion_label=emotion_label(top),
        intensity=_percent(reading.intensity),
        intensity_level=_level(reading.intensity),
        formality=reading.formality,
        formality_label=str(FORMALITY_LABELS.get(reading.formality, reading.formality)),
        urgent=bool(reading.urgency.present),
        abuse=bool(reading.abuse.present),
        threat=bool(reading.threat.present),
        company_fault=bool(reading.company_fault.present),
        questions=questions,
        trajectory=trajectory,
        trajectory_label=str(TRAJECTORY_LABELS.get(trajectory, trajectory)),
        dead_end=bool(conversation is not None and conversation.dead_end),
        customer_turns=len(conversation.turns) if conversation is not None else len(incoming),
        move=move,
        advice=str(MOVES[move]),
    )
