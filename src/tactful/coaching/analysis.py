"""Reading a customer message with the coach and keeping what it read (the worker's side).

The one place the desk calls ``tactful.coach.analyze_message`` on stored messages. The result
lands on the message (``MessageAnalysis``) and, when it is the newest reading, on the ticket's
signals (emotion, intensity, abuse, threat, our fault), and ``MessageAnalysed`` is recorded:
whoever acts on the coach's reading (automation's rules) subscribes to that.

An agent's notes after a video call are read the same way (what the customer said in the call
reaches the desk only through them), but only kept on the note: they weigh in the agent's
emotional load without changing the ticket's signals.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from tactful import coach
from tactful.coaching import events as coaching_events
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.tickets import events, services, timeline
from tactful.tickets.models import CoachState, Message, MessageKind, Ticket, TicketEvent
from tactful.tickets.rendering import plain_text

logger = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000


class AnalysisError(Exception):
    """The coach could not analyse a message; ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def _spans(spans: Any) -> list[list[int]]:
    return [[int(span.start), int(span.end)] for span in spans]


def analyze_incoming_message(*, message: Message, silent: bool = False) -> MessageAnalysis:
    """Run the coach on ``message`` and store what it read, on the message and the ticket.

    Idempotent: an analysis already done is returned as it is. A failure is recorded (status,
    error, attempt count, a timeline event on the first one) and raised as ``AnalysisError``
    so the task can retry; the message itself was saved long before.

    ``silent``: the message is history (an import): the reading is stored and written on the
    timeline, but emitted to nobody (no rule, no rebalancing acts on the past) and the
    ticket's last activity does not move.
    """
    if message.kind != MessageKind.INCOMING and not message.is_call_note:
        raise ValueError("only customer messages and call notes are analysed")
    try:  # the task loads the message with its analysis (select_related): no second query
        analysis = message.analysis
    except MessageAnalysis.DoesNotExist:
        analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    if analysis.status == AnalysisStatus.DONE:
        return analysis
    started = time.perf_counter()
    try:
        result = coach.analyze_message(plain_text(message.body))
    except coach.CoachError as exc:
        _record_failure(analysis, message, f"{getattr(exc, 'code', 'coach')}: {exc}", silent=silent)
        raise AnalysisError(str(exc), permanent=True) from exc
    except Exception as exc:
        logger.exception("coach failed on message %s", message.pk)
        _record_failure(analysis, message, f"{type(exc).__name__}: {exc}", silent=silent)
        raise AnalysisError(str(exc), permanent=False) from exc
    return _record_success(
        analysis, message, result, coach_seconds=time.perf_counter() - started, silent=silent
    )


@dataclass
class BatchOutcome:
    """What :func:`analyze_incoming_messages` did: how many readings it stored, and the
    messages it could not read (each to be retried on its own)."""

    done: int = 0
    unread: list[int] = field(default_factory=list)


def analyze_incoming_messages(messages: Sequence[Message]) -> BatchOutcome:
    """Read a batch of customer messages with one encoder call for all of them
    (``coach.analyze_many``), then store each reading as :func:`analyze_incoming_message`
    does: one reading per ticket together in one transaction (redone one by one if it
    fails), a ticket's further messages each in their own after it.

    Messages already read are skipped; call notes and other messages are left to the
    one-message path. When the batch call fails, every message is returned as unread (the
    caller reads each on its own, where failures are recorded and retried).
    """
    outcome = BatchOutcome()
    todo: list[tuple[Message, MessageAnalysis]] = []
    for message in messages:
        if message.kind != MessageKind.INCOMING:
            outcome.unread.append(message.pk)
            continue
        try:
            analysis = message.analysis
        except MessageAnalysis.DoesNotExist:
            outcome.unread.append(message.pk)
            continue
        if analysis.status != AnalysisStatus.DONE:
            todo.append((message, analysis))
    if not todo:
        return outcome
    started = time.perf_counter()
    try:
        results = coach.analyze_many([plain_text(message.body) for message, _a in todo])
    except Exception:
        logger.exception("coach failed on a batch of %s messages", len(todo))
        outcome.unread.extend(message.pk for message, _a in todo)
        return outcome
    share = (time.perf_counter() - started) / len(todo)
    readings = list(zip(todo, results, strict=True))
    # Tickets locked in id order (a second batch over the same tickets waits, never
    # deadlocks). One reading per ticket goes in the batch's transaction: its handlers
    # (rules, reports) then see that reading's ticket, as they would alone; a ticket's later
    # messages follow one by one, in order (the newest reading wins).
    readings.sort(key=lambda item: (item[0][0].ticket_id, item[0][0].pk))
    together: list[_Reading] = []
    after: list[_Reading] = []
    seen: set[int] = set()
    for reading in readings:
        ticket_id = reading[0][0].ticket_id
        (after if ticket_id in seen else together).append(reading)
        seen.add(ticket_id)
    _store_together(together, coach_seconds=share)
    for (message, analysis), result in after:
        _record_success(analysis, message, result, coach_seconds=share)
    outcome.done += len(readings)
    return outcome


_Reading = tuple[tuple[Message, MessageAnalysis], Any]


def _store_together(readings: list[_Reading], *, coach_seconds: float) -> None:
    """Store readings of distinct tickets in one transaction: the handlers that work per
    transaction (the search index, the rules' fingerprint) run once for all of them, and
    there is one commit instead of one per message. On any error the transaction is rolled
    back whole and each reading is stored on its own, exactly as one message at a time."""
    if len(readings) < 2:
        for (message, analysis), result in readings:
            _record_success(analysis, message, result, coach_seconds=coach_seconds)
        return
    try:
        with events.atomic():
            for (message, analysis), result in readings:
                _record_success(
                    analysis, message, result, coach_seconds=coach_seconds, batched=True
                )
        return
    except Exception:
        logger.warning(
            "storing %s readings together failed; one by one", len(readings), exc_info=True
        )
    # The rows as committed (the rolled-back attempt changed the instances in memory).
    fresh = MessageAnalysis.objects.in_bulk(
        [analysis.pk for (_message, analysis), _result in readings]
    )
    for (message, analysis), result in readings:
        stored = fresh.get(analysis.pk)
        if stored is not None and stored.status != AnalysisStatus.DONE:
            _record_success(stored, message, result, coach_seconds=coach_seconds)


def _write(change: events.TicketChange, *, silent: bool) -> None:
    """On the timeline and to the subscribers; for history, on the timeline only."""
    if not silent:
        timeline.record(change)
        return
    timeline.record_history(
        [
            TicketEvent(
                ticket=change.ticket,
                kind=change.kind,
                actor=change.by,
                message=change.message,
                data=change.data(),
            )
        ]
    )


def _record_success(
    analysis: MessageAnalysis,
    message: Message,
    result: coach.MessageAnalysis,
    *,
    coach_seconds: float | None = None,
    silent: bool = False,
    batched: bool = False,
) -> MessageAnalysis:
    # In a batch's transaction, no savepoint per reading: the batch is redone one by one on
    # any error.
    with events.atomic(savepoint=not batched):
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

        if not message.is_incoming:
            # A call note counts in the agent's emotional load (automation reads the row); the
            # ticket's signals stay those of the customer's own latest message.
            pending = MessageAnalysis.objects.filter(
                message__ticket_id=message.ticket_id, status=AnalysisStatus.PENDING
            ).exists()
            Ticket.objects.filter(pk=message.ticket_id).update(
                coach_state=CoachState.PENDING if pending else CoachState.DONE
            )
            return analysis

        # The lock and both questions about the ticket's other analyses in one query: is a
        # newer message already read (then this older one must not overwrite the ticket's
        # signals), and is any still waiting (then the ticket stays "analysing").
        others = MessageAnalysis.objects.filter(message__ticket_id=OuterRef("pk"))
        ticket = (
            Ticket.objects.select_for_update(of=("self",), no_key=True)
            .annotate(
                newer_done=Exists(
                    others.filter(
                        message__kind=MessageKind.INCOMING,
                        message_id__gt=message.pk,
                        status=AnalysisStatus.DONE,
                    )
                ),
                still_pending=Exists(others.filter(status=AnalysisStatus.PENDING)),
            )
            .get(pk=message.ticket_id)
        )
        if ticket.newer_done:
            return analysis
        ticket.emotion = analysis.top_emotion
        ticket.intensity = analysis.intensity
        ticket.abuse = analysis.abuse
        ticket.threat = analysis.threat
        ticket.company_fault = analysis.company_fault
        ticket.coach_state = CoachState.PENDING if ticket.still_pending else CoachState.DONE
        fields = ["emotion", "intensity", "abuse", "threat", "company_fault", "coach_state"]
        # A ticket of unknown language takes the one the coach read, in the same UPDATE.
        previous_language = ticket.language
        if previous_language == "und" and analysis.language in {"en", "es", "ru"}:
            ticket.language = analysis.language
            fields.append("language")
        if silent:
            ticket.save(update_fields=fields)
        else:
            services.touch(ticket, *fields)
        analysed = coaching_events.MessageAnalysed(
            ticket=ticket,
            message=message,
            emotion=analysis.top_emotion,
            intensity=analysis.intensity,
            abuse=analysis.abuse,
            threat=analysis.threat,
            company_fault=analysis.company_fault,
            language=analysis.language,
            coach_seconds=coach_seconds,
        )
        if ticket.language == previous_language:
            _write(analysed, silent=silent)
            return analysis
        language = events.LanguageChanged(
            ticket=ticket, previous=previous_language, language=ticket.language
        )
        if silent:
            _write(analysed, silent=True)
            _write(language, silent=True)
        else:
            # The reading and the language it set: two timeline rows, one INSERT.
            timeline.record_together([analysed, language])
    return analysis


def _record_failure(
    analysis: MessageAnalysis, message: Message, error: str, *, silent: bool = False
) -> None:
    with events.atomic():
        analysis.status = AnalysisStatus.FAILED
        analysis.attempts += 1
        analysis.error = error[:MAX_ERROR_CHARS]
        analysis.save(update_fields=["status", "attempts", "error"])
        Ticket.objects.filter(pk=message.ticket_id).update(coach_state=CoachState.FAILED)
        if analysis.attempts == 1:
            _write(
                coaching_events.AnalysisFailed(
                    ticket=Ticket.objects.get(pk=message.ticket_id),
                    message=message,
                    error=analysis.error,
                ),
                silent=silent,
            )
