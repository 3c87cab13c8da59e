"""Live coaching on the ticket page: the customer panel, the draft review, the paraphrase.

Also the one serializer of a ``ReplyReview`` (:func:`review_as_dict`) that the panel, the API
and the review stored with a sent reply all share, so the three never disagree.

The review runs on every pause in typing, so its hot path is short: the customer's message is
read by the coach once per (message id, body) and kept in a process-wide LRU, the request makes
a constant handful of queries, and the whole-conversation review (C4) runs only for the panel.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tactful import coach
from tactful.tickets.models import Message, MessageKind, Ticket
from tactful.tickets.presenters import emotion_label
from tactful.tickets.rendering import plain_text

#: How the coach's types are named in this module.
ConversationReview = coach.ConversationReview
MessageAnalysis = coach.MessageAnalysis
ReplyReview = coach.ReplyReview

logger = logging.getLogger(__name__)

#: The longest draft the coach reviews. Replies are rarely over 5,000 characters, and the
#: coach's cost grows faster than the text on long, repetitive drafts (measured here: 20,000
#: characters of "Sorry. " take ~1.4 s, 100,000 take ~40 s), so longer drafts are refused with
#: a reason instead of tying up a worker; sending them is still allowed, just not reviewed.
MAX_DRAFT_CHARS = 20_000
#: How much of a customer's message the live coach reads (the start holds the questions).
CUSTOMER_READ_CHARS = 20_000
#: How much of each turn the conversation's arc is judged on.
CONVERSATION_TURN_CHARS = 5_000
#: Languages a caller may force; otherwise the coach's language detection decides.
REVIEW_LANGUAGES = ("en", "es", "ru")
#: Earlier replies to the same customer checked for a repeated stock phrase.
EARLIER_REPLIES = 10
#: Turns of the thread the panel reads (the newest ones).
THREAD_TURNS = 30
#: Customer messages per group whose questions are checked (bounds the panel's work).
QUESTION_MESSAGES = 3

SEVERITIES = ("info", "warning", "problem")
RUBRICS = ("awareness", "clarity", "empowerment", "precision", "clarity_classic", "empathy")


class DraftRejected(ValueError):
    """The coach cannot review this draft; ``str(error)`` says why, in the agent's language."""


# --- process-wide caches ------------------------------------------------------------------------

K = TypeVar("K")
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A small thread-safe LRU: the live server and gunicorn threads share one per process."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
            self.misses += 1
        # Computed outside the lock: two threads may both compute a cold key, which is cheaper
        # than making every other reader wait on the coach.
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._items)


_readings: LRUCache[tuple[int | None, str], MessageAnalysis] = LRUCache(
    getattr(settings, "TACTFUL_COACH_LIVE_CACHE_SIZE", 2048)
)
_conversations: LRUCache[tuple[int, str], ConversationReview | None] = LRUCache(
    getattr(settings, "TACTFUL_COACH_LIVE_CACHE_SIZE", 2048) // 4
)


def clear_caches() -> None:
    """Forget every cached reading (tests; a new coach model deployed in place)."""
    _readings.clear()
    _conversations.clear()


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def customer_reading(*, message_id: int | None, body: str) -> MessageAnalysis:
    """The coach's reading of a customer message, computed once per (message, body).

    The body is part of the key so an edited or merged message is read again.
    """

    return _readings.get_or_compute(
        (message_id, _digest(body)),
        lambda: coach.analyze_message(plain_text(body)[:CUSTOMER_READ_CHARS]),
    )


@cache
def coach_version() -> str | None:
    """The installed Tactful version, stored with each review so old ones can be told apart."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tactful")
    except PackageNotFoundError:
        return None


# --- the one serializer -------------------------------------------------------------------------


def _spans(spans: Sequence[Any]) -> list[list[int]]:
    return [[int(span.start), int(span.end)] for span in spans]


#: A canned-response variable the agent has not filled yet (``{{ ticket.custom.order }}``).
_PLACEHOLDER_RE = re.compile(r"\{\{[^{}]{1,100}\}\}")


def _only_in_placeholders(spans: Sequence[Any], placeholders: Sequence[tuple[int, int]]) -> bool:
    """A finding whose evidence lies wholly inside unfilled variables is about the variable's
    name ("ticket" read as jargon), not the agent's words: the panel leaves it out."""
    return bool(spans) and all(
        any(start <= span.start and span.end <= end for start, end in placeholders)
        for span in spans
    )


def review_as_dict(
    review: ReplyReview, *, extra_findings: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """A ``ReplyReview`` as plain JSON: what the panel renders, the API returns and a sent
    reply keeps. Spans index into ``text`` (the draft as the coach cleaned it)."""
    placeholders = [match.span() for match in _PLACEHOLDER_RE.finditer(review.text)]
    findings = [
        {
            "kind": finding.kind,
            "severity": finding.severity,
            "message": finding.message,
            "spans": _spans(finding.spans),
        }
        for finding in review.findings
        if not _only_in_placeholders(finding.spans, placeholders)
    ]
    findings.extend(extra_findings)
    return {
        "coach_version": coach_version(),
        "language": review.language,
        "text": review.text,
        "balance": review.balance,
        "balance_reason": review.balance_reason,
        "findings": findings,
        "rubric": {
            name: {"score": int(score.score), "because": list(score.because)}
            for name in RUBRICS
            for score in (getattr(review, name),)
        },
        "suggestions": list(review.suggestions),
        "apology_count": int(review.apology_count),
        "action": {"present": bool(review.action.present), "spans": _spans(review.action.spans)},
        "next_step": {
            "present": bool(review.next_step.present),
            "spans": _spans(review.next_step.spans),
        },
        "mechanisms": {
            name: {"level": mechanism.level, "score": float(mechanism.score)}
            for name in ("emotional_reaction", "interpretation", "exploration")
            for mechanism in (getattr(review, name),)
        },
    }


# --- reviewing a draft --------------------------------------------------------------------------


def latest_customer_message(ticket: Ticket) -> Message | None:
    """The ticket's newest customer message, with only what the coach reads."""
    latest: Message | None = (
        Message.objects.filter(ticket_id=ticket.pk, kind=MessageKind.INCOMING)
        .only("id", "body")
        .order_by("-created_at", "-id")
        .first()
    )
    return latest


def earlier_replies(ticket: Ticket, *, limit: int = EARLIER_REPLIES) -> list[str]:
    """The agents' last replies to this customer, across all their tickets, newest first."""
    bodies = (
        Message.objects.filter(ticket__customer_id=ticket.customer_id, kind=MessageKind.OUTGOING)
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)[:limit]
    )
    # Each is searched for the draft's sentences on every keystroke: keep that bounded.
    return [body[:MAX_DRAFT_CHARS] for body in bodies]


def _clean_extra_finding(raw: Any, text_length: int) -> dict[str, Any] | None:
    """A finding from another app, checked before it reaches a template or the database."""
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        return None
    spans = []
    for span in raw.get("spans") or ():
        if (
            isinstance(span, list | tuple)
            and len(span) == 2
            and all(type(x) is int for x in span)
            and 0 <= span[0] < span[1] <= text_length
        ):
            spans.append([span[0], span[1]])
    severity = raw.get("severity")
    return {
        "kind": raw["kind"][:40],
        "severity": severity if severity in SEVERITIES else "warning",
        "message": str(raw.get("message", ""))[:500],
        "spans": spans,
    }


#: A check other apps add to every draft review: ``check(draft=, ticket=, language=)`` returns
#: findings as ``{"kind", "severity", "message", "spans"}`` (the canned-responses app flags a
#: template sent word for word).
DraftCheck = Callable[..., Sequence[dict[str, Any]]]
_draft_checks: list[DraftCheck] = []


def register_draft_check(check: DraftCheck) -> None:
    """Run ``check`` on every reviewed draft (called from an AppConfig.ready)."""
    if check not in _draft_checks:
        _draft_checks.append(check)


def _extra_findings(*, text: str, ticket: Ticket, language: str) -> list[dict[str, Any]]:
    """The registered checks' findings; a failing check never costs the agent the review."""
    findings: list[dict[str, Any]] = []
    for check in _draft_checks:
        try:
            raw = check(draft=text, ticket=ticket, language=language)
        except Exception:
            logger.exception("draft check %r failed on ticket %s", check, ticket.pk)
            continue
        cleaned = (_clean_extra_finding(item, len(text)) for item in raw or ())
        findings.extend(finding for finding in cleaned if finding is not None)
    return findings


def review_draft(
    *,
    draft: Any,
    ticket: Ticket | None = None,
    customer_message: str | None = None,
    language: str | None = None,
) -> dict[str, Any] | None:
    """Review a draft reply the way the live panel, the API and the send-time record do.

    Args:
        draft: the agent's text (anything else is refused).
        ticket: the ticket being answered: its newest customer message is the one the reply is
            judged against, and earlier replies to the same customer are checked for a stock
            phrase used again.
        customer_message: the customer's text, when there is no ticket (or to override it).
        language: force the reply's language; by default the coach detects it.

    Returns:
        :func:`review_as_dict` of the review, or ``None`` for an empty draft.

    Raises:
        DraftRejected: the draft is not text, too long, or the language is not supported.
    """

    if not isinstance(draft, str):
        raise DraftRejected(_("The draft must be text."))
    if len(draft) > MAX_DRAFT_CHARS:
        raise DraftRejected(
            _("The draft is %(length)s characters long; the coach reads at most %(limit)s.")
            % {"length": f"{len(draft):,}", "limit": f"{MAX_DRAFT_CHARS:,}"}
        )
    if language is not None and language not in REVIEW_LANGUAGES:
        raise DraftRejected(_("The coach reviews replies in English, Spanish or Russian."))
    if customer_message is not None and not isinstance(customer_message, str):
        raise DraftRejected(_("The customer's message must be text."))
    if customer_message is not None and len(customer_message) > CUSTOMER_READ_CHARS:
        raise DraftRejected(
            _("The customer's message is too long for the coach (at most %(limit)s characters).")
            % {"limit": f"{CUSTOMER_READ_CHARS:,}"}
        )
    if not draft.strip():
        return None

    customer: MessageAnalysis | None = None
    earlier: list[str] = []
    if customer_message is not None and customer_message.strip():
        customer = customer_reading(message_id=None, body=customer_message)
    elif ticket is not None:
        latest = latest_customer_message(ticket)
        if latest is not None and latest.body.strip():
            customer = customer_reading(message_id=latest.pk, body=latest.body)
    if ticket is not None:
        earlier = earlier_replies(ticket)
    try:
        review = coach.review_reply(
            draft,
            customer_message=customer,
            conversation=[coach.ConversationMessage("agent", text) for text in earlier],
            language=language,
        )
    except coach.CoachError as error:
        if error.code == "E001":  # nothing readable left once markup is stripped
            return None
        raise DraftRejected(error.message) from error
    extra = (
        _extra_findings(text=review.text, ticket=ticket, language=review.language)
        if ticket is not None
        else []
    )
    return review_as_dict(review, extra_findings=extra)


def review_for_sending(*, draft: str, ticket: Ticket) -> dict[str, Any] | None:
    """The review kept with a sent reply; never raises, because the coach never blocks sending."""
    try:
        return review_draft(draft=draft, ticket=ticket)
    except DraftRejected as reason:  # e.g. longer than the coach reviews: sent, not reviewed
        logger.info("reply on ticket %s sent without a review: %s", ticket.pk, reason)
        return None
    except Exception:
        logger.exception("coach review at send time failed on ticket %s", ticket.pk)
        return None


# --- what the panel shows of a review -----------------------------------------------------------

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


# --- the paraphrase (C3) ------------------------------------------------------------------------


def paraphrase_latest(ticket: Ticket) -> tuple[str, str] | None:
    """ "Let me check I've understood: …" for the ticket's newest customer message, in its
    language, with that language; ``None`` when the customer has not written anything."""

    latest = latest_customer_message(ticket)
    if latest is None or not latest.body.strip():
        return None
    reading = customer_reading(message_id=latest.pk, body=latest.body)
    return coach.paraphrase(reading), reading.language


# --- the customer panel -------------------------------------------------------------------------

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


def _question_texts(reading: MessageAnalysis) -> list[str]:
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


def conversation_review(ticket: Ticket, turns: Sequence[Message]) -> ConversationReview | None:
    """C4 over the thread, cached until the thread changes (never run per keystroke)."""

    signature = _digest("\x1e".join(f"{t.pk}:{t.kind}:{_digest(t.body)}" for t in turns))

    def compute() -> ConversationReview | None:
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

    return _conversations.get_or_compute((ticket.pk, signature), compute)


def recommend(
    *,
    reading: MessageAnalysis,
    conversation: ConversationReview | None,
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
