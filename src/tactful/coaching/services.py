"""The one place the desk calls ``tactful.coach``: analyse a customer message, keep the result."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import nh3
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets.models import CoachState, EventKind, Message, MessageKind, Ticket, TicketEvent

logger = logging.getLogger(__name__)

_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
MAX_ERROR_CHARS = 2000


class AnalysisFailed(Exception):
    """The coach could not analyse a message; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def plain_text(body: str) -> str:
    """The text the coach reads: HTML bodies lose their tags, plain text stays as it is."""
    if not _TAG.search(body):
        return body
    stripped = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", body), tags=set())
    return html.unescape(stripped)


def request_analysis(
    *, message: Message, new_message: bool = False, ticket_saved_pending: bool = False
) -> MessageAnalysis:
    """Queue the coach's reading of an incoming message, to run after the transaction commits.

    Args:
        message: the customer's message.
        new_message: the message was created in this transaction, so it has no analysis row
            yet: the row is inserted without looking for one first.
        ticket_saved_pending: the caller already saved the ticket with ``coach_state``
            pending in this transaction (one UPDATE fewer).
    """
    from tactful.coaching import tasks

    if new_message:
        analysis = MessageAnalysis.objects.create(message=message)
    else:
        analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    if not ticket_saved_pending:
        Ticket.objects.filter(pk=message.ticket_id).exclude(coach_state=CoachState.PENDING).update(
            coach_state=CoachState.PENDING
        )
    if Message.ticket.is_cached(message):  # keep the caller's instance truthful
        message.ticket.coach_state = CoachState.PENDING
    message_id = message.pk
    transaction.on_commit(lambda: tasks.enqueue_analysis(message_id))
    return analysis


def _spans(spans: Any) -> list[list[int]]:
    return [[int(span.start), int(span.end)] for span in spans]


def analyze_incoming_message(*, message: Message) -> MessageAnalysis:
    """Run the coach on ``message`` and store what it read, on the message and the ticket.

    Idempotent: an analysis already done is returned as it is. A failure is recorded (status,
    error, attempt count, a timeline event on the first one) and raised as ``AnalysisFailed``
    so the task can retry; the message itself was saved long before.
    """
    if message.kind != MessageKind.INCOMING:
        raise ValueError("only customer messages are analysed")
    try:  # the task loads the message with its analysis (select_related): no second query
        analysis = message.analysis
    except MessageAnalysis.DoesNotExist:
        analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    if analysis.status == AnalysisStatus.DONE:
        return analysis
    try:
        from tactful.coach import CoachError, analyze_message
    except Exception as exc:  # the engine itself failed to import
        _record_failure(analysis, message, f"coach unavailable: {exc!r}")
        raise AnalysisFailed(str(exc), permanent=False) from exc
    try:
        result = analyze_message(plain_text(message.body))
    except CoachError as exc:
        _record_failure(analysis, message, f"{getattr(exc, 'code', 'coach')}: {exc}")
        raise AnalysisFailed(str(exc), permanent=True) from exc
    except Exception as exc:
        logger.exception("coach failed on message %s", message.pk)
        _record_failure(analysis, message, f"{type(exc).__name__}: {exc}")
        raise AnalysisFailed(str(exc), permanent=False) from exc
    return _record_success(analysis, message, result)


@transaction.atomic
def _record_success(analysis: MessageAnalysis, message: Message, result: Any) -> MessageAnalysis:
    from tactful.tickets import services as ticket_services

    analysis.status = AnalysisStatus.DONE
    analysis.attempts += 1
    analysis.error = ""
    analysis.language = str(result.language)
    analysis.top_emotion = str(result.emotions.top())
    analysis.emotions = {k: round(float(v), 4) for k, v in result.emotions.as_dict().items()}
    analysis.intensity = round(float(result.intensity), 4)
    analysis.formality = str(result.formality)
    analysis.urgent = bool(result.urgency.present)
    analysis.abuse = bool(result.abuse.present)
    analysis.threat = bool(result.threat.present)
    analysis.company_fault = bool(result.company_fault.present)
    analysis.spans = {
        "abuse": _spans(result.abuse.spans),
        "threat": _spans(result.threat.spans),
        "company_fault": _spans(result.company_fault.spans),
        "urgency": _spans(result.urgency.spans),
        "questions": _spans(result.questions),
        "key_sentences": _spans(result.key_sentences),
    }
    analysis.analysed_at = timezone.now()
    analysis.save()

    ticket = Ticket.objects.select_for_update().get(pk=message.ticket_id)
    # Both questions about the ticket's other analyses in one query: is a newer message
    # already read (then this older one must not overwrite the ticket's signals), and is
    # any still waiting (then the ticket stays "analysing").
    others = MessageAnalysis.objects.filter(message__ticket_id=ticket.pk).aggregate(
        newer_done=Count(
            "pk",
            filter=Q(
                message__kind=MessageKind.INCOMING,
                message_id__gt=message.pk,
                status=AnalysisStatus.DONE,
            ),
        ),
        pending=Count("pk", filter=Q(status=AnalysisStatus.PENDING)),
    )
    if not others["newer_done"]:
        ticket.emotion = analysis.top_emotion
        ticket.intensity = analysis.intensity
        ticket.abuse = analysis.abuse
        ticket.threat = analysis.threat
        ticket.company_fault = analysis.company_fault
        ticket.coach_state = CoachState.PENDING if others["pending"] else CoachState.DONE
        fields = ["emotion", "intensity", "abuse", "threat", "company_fault", "coach_state"]
        # A ticket of unknown language takes the one the coach read, in the same UPDATE
        # (tickets.services.change_language would save the row a second time).
        previous_language = ticket.language
        if previous_language == "und" and analysis.language in {"en", "es", "ru"}:
            ticket.language = analysis.language
            fields.append("language")
        ticket.save(update_fields=[*fields, "updated_at"])
        TicketEvent.objects.create(
            ticket=ticket,
            kind=EventKind.ANALYSED,
            message=message,
            data={
                "emotion": analysis.top_emotion,
                "intensity": analysis.intensity,
                "abuse": analysis.abuse,
                "threat": analysis.threat,
                "company_fault": analysis.company_fault,
                "language": analysis.language,
            },
        )
        if ticket.language != previous_language:
            ticket_services.language_changed(ticket=ticket, previous=previous_language, by=None)
        # Abuse and threats going to a lead (D6) is the default "Protect agents" rule, which
        # leads can adapt; see tactful.automation.
        from tactful.automation import services as automation_services

        automation_services.run_rules(ticket, trigger="analysed", message=message)
    return analysis


@transaction.atomic
def _record_failure(analysis: MessageAnalysis, message: Message, error: str) -> None:
    analysis.status = AnalysisStatus.FAILED
    analysis.attempts += 1
    analysis.error = error[:MAX_ERROR_CHARS]
    analysis.save(update_fields=["status", "attempts", "error"])
    Ticket.objects.filter(pk=message.ticket_id).update(coach_state=CoachState.FAILED)
    if analysis.attempts == 1:
        TicketEvent.objects.create(
            ticket_id=message.ticket_id,
            kind=EventKind.ANALYSIS_FAILED,
            message=message,
            data={"error": analysis.error[:300]},
        )


def retry_analysis(*, message: Message) -> MessageAnalysis:
    """Queue a failed (or stuck) analysis again; the button on the ticket page calls this."""
    from tactful.coaching import tasks

    analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    if analysis.status == AnalysisStatus.DONE:
        return analysis
    analysis.status = AnalysisStatus.PENDING
    analysis.save(update_fields=["status"])
    Ticket.objects.filter(pk=message.ticket_id).update(coach_state=CoachState.PENDING)
    message_id = message.pk
    transaction.on_commit(lambda: tasks.enqueue_analysis(message_id))
    return analysis


def retry_failed_analyses(*, limit: int = 500) -> int:
    """Queue every failed or pending analysis again (periodic job / management command)."""
    from tactful.coaching import tasks

    ids = list(
        MessageAnalysis.objects.exclude(status=AnalysisStatus.DONE)
        .order_by("id")
        .values_list("message_id", flat=True)[:limit]
    )
    for message_id in ids:
        tasks.enqueue_analysis(message_id)
    return len(ids)
