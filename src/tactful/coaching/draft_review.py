"""Reviewing a draft reply: the live panel, the API and the review kept with a sent reply
all go through :func:`review_draft` and its one serializer, :func:`review_as_dict`, so the
three never disagree.

The review runs on every pause in typing, so its hot path is short: the customer's message is
read once per (message, body) (:mod:`tactful.coaching.readings`) and the request makes a
constant handful of queries. Other apps add checks of their own with
:func:`register_draft_check` (the canned-responses app flags a template sent word for word).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tactful import coach
from tactful.coaching.readings import CUSTOMER_READ_CHARS, coach_version, customer_reading
from tactful.tickets.models import Message, MessageKind, Ticket

logger = logging.getLogger(__name__)

#: The longest draft the coach reviews. Replies are rarely over 5,000 characters, and the
#: coach's cost grows faster than the text on long, repetitive drafts (measured here: 20,000
#: characters of "Sorry. " take ~1.4 s, 100,000 take ~40 s), so longer drafts are refused with
#: a reason instead of tying up a worker; sending them is still allowed, just not reviewed.
MAX_DRAFT_CHARS = 20_000
#: Languages a caller may force; otherwise the coach's language detection decides.
REVIEW_LANGUAGES = ("en", "es", "ru")
#: Earlier replies to the same customer checked for a repeated stock phrase.
EARLIER_REPLIES = 10

SEVERITIES = ("info", "warning", "problem")
RUBRICS = ("awareness", "clarity", "empowerment", "precision", "clarity_classic", "empathy")


class DraftRejected(ValueError):
    """The coach cannot review this draft; ``str(error)`` says why, in the agent's language."""


# --- the one serializer ----------------------------------------------------------------------


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
    review: coach.ReplyReview, *, extra_findings: Sequence[dict[str, Any]] = ()
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


# --- reviewing a draft ------------------------------------------------------------------------


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
            % {
                "length": number_format(len(draft), force_grouping=True),
                "limit": number_format(MAX_DRAFT_CHARS, force_grouping=True),
            }
        )
    if language is not None and language not in REVIEW_LANGUAGES:
        raise DraftRejected(_("The coach reviews replies in English, Spanish or Russian."))
    if customer_message is not None and not isinstance(customer_message, str):
        raise DraftRejected(_("The customer's message must be text."))
    if customer_message is not None and len(customer_message) > CUSTOMER_READ_CHARS:
        raise DraftRejected(
            _("The customer's message is too long for the coach (at most %(limit)s characters).")
            % {"limit": number_format(CUSTOMER_READ_CHARS, force_grouping=True)}
        )
    if not draft.strip():
        return None

    customer: coach.MessageAnalysis | None = None
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


# --- the paraphrase ---------------------------------------------------------------------------


def paraphrase_latest(ticket: Ticket) -> tuple[str, str] | None:
    """ "Let me check I've understood: …" for the ticket's newest customer message, in its
    language, with that language; ``None`` when the customer has not written anything."""

    latest = latest_customer_message(ticket)
    if latest is None or not latest.body.strip():
        return None
    reading = customer_reading(message_id=latest.pk, body=latest.body)
    return coach.paraphrase(reading), reading.language
