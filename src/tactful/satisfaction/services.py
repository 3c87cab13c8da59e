"""Surveys: ask after a solve, remind once, cancel on reopen, expire, and take the answer.

The question leaves like any other reply: ``tickets.services.record_reply(agent=None, …)``
with ``metadata["survey"]``. That way it goes back on the channel the customer used, through
the same at-most-once delivery with retries, and shows in the thread with its delivery state;
each channel presents it its own way (e-mail adds the rating buttons as HTML, the chat widget
draws them inline, API integrations get the links in the webhook payload).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.customers import selectors as customer_selectors
from tactful.customers.models import Customer, CustomerIdentity
from tactful.satisfaction import anonymise, feed, links, scales, themes
from tactful.satisfaction.events import SurveyAnswered, SurveyClosed, SurveySent
from tactful.satisfaction.models import (
    Survey,
    SurveyAgent,
    SurveySettings,
    SurveyStatus,
    TicketRating,
)
from tactful.tickets import events, services, timeline
from tactful.tickets.models import Message, MessageKind, Status, Ticket

logger = logging.getLogger(__name__)

#: Longest comment accepted (characters).
MAX_COMMENT_CHARS = 2000
#: How often one survey's answer may be changed.
MAX_CHANGES = 20
#: Reviews of at most this many replies are kept with a survey.
MAX_REVIEWED_REPLIES = 10
SURVEY_LANGUAGES = ("en", "es", "ru")


class SurveyError(Exception):
    """A survey link or answer that cannot be used; ``code`` says why, ``message`` in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Config:
    """A team's survey settings (the defaults for a ticket without a team or settings)."""

    enabled: bool = True
    scale: str = scales.FIVE
    quiet_days: int = 7
    expire_days: int = 14
    reminder_days: int = 3
    feed_webhook_url: str = ""
    feed_webhook_secret: str = ""
    feed_hold_minutes: int = 30


def config_for(team_id: int | None) -> Config:
    row = SurveySettings.objects.filter(team_id=team_id).first() if team_id else None
    if row is None:
        return Config()
    return Config(
        enabled=row.enabled,
        scale=row.scale,
        quiet_days=row.quiet_days,
        expire_days=max(1, row.expire_days),
        reminder_days=row.reminder_days,
        feed_webhook_url=row.feed_webhook_url,
        feed_webhook_secret=row.feed_webhook_secret,
        feed_hold_minutes=row.feed_hold_minutes,
    )


def survey_language(ticket: Ticket) -> str:
    if ticket.language in SURVEY_LANGUAGES:
        return ticket.language
    preferred = ticket.customer.preferred_language if ticket.customer_id else ""
    return preferred if preferred in SURVEY_LANGUAGES else settings.LANGUAGE_CODE


# --- what the coach said about the replies ----------------------------------------------------


def coach_reading(
    reviews: Sequence[dict[str, Any]],
) -> tuple[str, bool | None, list[dict[str, Any]]]:
    """The verdict over a conversation's reviewed replies: (balance, next step, per reply).

    ``balance`` is ``balanced`` when every reviewed reply was; otherwise the more frequent of
    ``too_little`` / ``too_much`` (a tie counts as ``too_much``); ``""`` when none was
    reviewed. ``next step`` is whether every reviewed reply said what happens next.
    """
    replies = []
    for review in reviews[-MAX_REVIEWED_REPLIES:]:
        balance = review.get("balance")
        if balance not in {"balanced", "too_little", "too_much"}:
            continue
        next_step = review.get("next_step")
        replies.append(
            {
                "balance": balance,
                "next_step": bool(isinstance(next_step, dict) and next_step.get("present")),
                "findings": sorted(
                    {
                        str(f.get("kind"))
                        for f in review.get("findings") or []
                        if isinstance(f, dict) and f.get("kind")
                    }
                ),
            }
        )
    if not replies:
        return "", None, []
    little = sum(1 for r in replies if r["balance"] == "too_little")
    much = sum(1 for r in replies if r["balance"] == "too_much")
    balance = "balanced" if little == much == 0 else "too_little" if little > much else "too_much"
    return balance, all(r["next_step"] for r in replies), replies


# --- asking -----------------------------------------------------------------------------------


def _rated_agents(ticket: Ticket) -> list[int]:
    """Agents who replied to the customer, in the order they first did; else the assignee."""
    ids: list[int] = []
    for agent_id in (
        Message.objects.filter(
            ticket_id=ticket.pk, kind=MessageKind.OUTGOING, author_agent__isnull=False
        )
        .order_by("created_at", "id")
        .values_list("author_agent_id", flat=True)
    ):
        if agent_id not in ids:
            ids.append(agent_id)
    if not ids and ticket.assignee_id is not None:
        ids.append(ticket.assignee_id)
    return ids


def _reviews(ticket: Ticket) -> list[dict[str, Any]]:
    return [
        review
        for review in Message.objects.filter(
            ticket_id=ticket.pk, kind=MessageKind.OUTGOING, author_agent__isnull=False
        )
        .exclude(review__isnull=True)
        .order_by("created_at", "id")
        .values_list("review", flat=True)
        if isinstance(review, dict)
    ]


def _question(survey: Survey, *, reminder: bool) -> tuple[str, dict[str, Any]]:
    """The text, the HTML alternative and the machine-readable survey, in its language."""
    with translation.override(survey.language):
        choices = scales.choices(survey.scale)
        page = links.page_url(survey)
        context = {
            "survey": survey,
            "reminder": reminder,
            "number": survey.ticket_id,
            "page": page,
            "choices": [
                {"value": c.value, "label": c.label, "url": links.page_url(survey, rating=c.value)}
                for c in choices
            ],
            "expires": survey.expires_at,
        }
        text = render_to_string("satisfaction/email/question.txt", context).strip()
        html = render_to_string("satisfaction/email/question.html", context)
        prompt = {
            "id": survey.pk,
            "scale": survey.scale,
            "page": page,
            "answer": links.answer_url(survey),
            "question": _("How did we do?"),
            "choices": [{"value": c.value, "label": c.label} for c in choices],
            "comment": _("Anything you want to tell us? (optional)"),
            "send": _("Send"),
            "thanks": _("Thank you for your answer!"),
            "reminder": reminder,
        }
    return text, {"survey": prompt, "html_alternative": html}


def send_survey(*, ticket: Ticket, now: datetime | None = None) -> Survey | None:
    """Ask the customer of a just-solved ticket how it went (``None``: not this time).

    Not asked when the team switched surveys off, for a merged ticket, when a survey is still
    open, or when the last one went out less than the team's quiet period ago (a ticket
    reopened and solved again within days is not asked twice). Nor for a ticket held from a
    blocked customer, or while its customer is blocked or suspended: nothing automatic goes
    to them.
    """
    now = now or timezone.now()
    config = config_for(ticket.team_id)
    if not config.enabled or ticket.merged_into_id is not None or ticket.held:
        return None
    if customer_selectors.active_block(ticket.customer_id, now=now) is not None:
        return None
    last = (
        Survey.objects.filter(ticket_id=ticket.pk)
        .order_by("-sent_at", "-id")
        .values_list("sent_at", "status")
        .first()
    )
    if last is not None:
        sent_at, status = last
        if status == SurveyStatus.SENT or sent_at > now - timedelta(days=config.quiet_days):
            return None
    agent_ids = _rated_agents(ticket)
    balance, next_step, replies = coach_reading(_reviews(ticket))
    with events.atomic():
        survey = Survey.objects.create(
            ticket=ticket,
            team_id=ticket.team_id,
            channel=ticket.channel,
            language=survey_language(ticket),
            scale=config.scale,
            nonce=links.new_nonce(),
            sent_at=now,
            expires_at=now + timedelta(days=config.expire_days),
            coach_balance=balance,
            coach_next_step=next_step,
            coach_replies=replies,
        )
        SurveyAgent.objects.bulk_create(
            [SurveyAgent(survey=survey, agent_id=agent_id) for agent_id in agent_ids]
        )
        text, metadata = _question(survey, reminder=False)
        survey.message = services.record_reply(
            ticket=ticket, agent=None, body=text, metadata=metadata
        )
        survey.save(update_fields=["message"])
        timeline.record(SurveySent(ticket=ticket, survey_id=survey.pk, agent_ids=tuple(agent_ids)))
    return survey


def cancel_open_surveys(*, ticket: Ticket, now: datetime | None = None) -> int:
    """The ticket was reopened: its unanswered survey is withdrawn (returns how many)."""
    now = now or timezone.now()
    count = 0
    with events.atomic():
        for survey in Survey.objects.select_for_update(no_key=True).filter(
            ticket_id=ticket.pk, status=SurveyStatus.SENT
        ):
            survey.status = SurveyStatus.CANCELLED
            survey.closed_at = now
            survey.save(update_fields=["status", "closed_at"])
            timeline.record(SurveyClosed(ticket=ticket, survey_id=survey.pk, reason="reopened"))
            count += 1
    return count


def expire_surveys(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Unanswered surveys past their date are closed (returns how many)."""
    now = now or timezone.now()
    count = 0
    ids = list(
        Survey.objects.filter(status=SurveyStatus.SENT, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    for survey_id in ids:
        with events.atomic():
            survey = (
                Survey.objects.select_for_update(of=("self",), no_key=True)
                .select_related("ticket")
                .filter(pk=survey_id, status=SurveyStatus.SENT)
                .first()
            )
            if survey is None:
                continue
            survey.status = SurveyStatus.EXPIRED
            survey.closed_at = now
            survey.save(update_fields=["status", "closed_at"])
            timeline.record(
                SurveyClosed(ticket=survey.ticket, survey_id=survey.pk, reason="expired")
            )
            count += 1
    return count


def send_reminders(*, now: datetime | None = None, limit: int = 500) -> int:
    """The one reminder, to unanswered surveys of still-solved tickets (returns how many)."""
    now = now or timezone.now()
    configs: dict[int | None, Config] = {}
    count = 0
    candidates = list(
        Survey.objects.filter(
            status=SurveyStatus.SENT,
            reminded_at__isnull=True,
            expires_at__gt=now,
            sent_at__lte=now - timedelta(days=1),
        )
        .order_by("sent_at")
        .values_list("pk", "team_id", "sent_at")[:limit]
    )
    for survey_id, team_id, sent_at in candidates:
        if team_id not in configs:
            configs[team_id] = config_for(team_id)
        days = configs[team_id].reminder_days
        if days <= 0 or sent_at > now - timedelta(days=days):
            continue
        with events.atomic():
            survey = (
                Survey.objects.select_for_update(of=("self",), no_key=True)
                .select_related("ticket__customer")
                .filter(pk=survey_id, status=SurveyStatus.SENT, reminded_at__isnull=True)
                .first()
            )
            if survey is None or survey.ticket.status != Status.SOLVED:
                continue
            text, metadata = _question(survey, reminder=True)
            survey.reminder = services.record_reply(
                ticket=survey.ticket, agent=None, body=text, metadata=metadata
            )
            survey.reminded_at = now
            survey.save(update_fields=["reminder", "reminded_at"])
            timeline.record(SurveySent(ticket=survey.ticket, survey_id=survey.pk, reminder=True))
            count += 1
    return count


# --- answering --------------------------------------------------------------------------------


def open_survey(token: str, *, now: datetime | None = None) -> Survey:
    """The survey a link names, if it may still be answered.

    Raises:
        SurveyError: ``invalid`` (tampered with or cut), ``expired``, ``cancelled`` (the
            ticket was reopened), ``closed`` (answered, and the ticket is closed since).
    """
    now = now or timezone.now()
    read = links.read_token(token)
    if read is None:
        raise SurveyError(
            "invalid",
            _(
                "This survey link is not valid: it may have been cut or changed. Please use the "
                "link from our message as it is."
            ),
        )
    survey_id, nonce = read
    survey = Survey.objects.select_related("ticket__customer", "team").filter(pk=survey_id).first()
    if survey is None or survey.nonce != nonce:
        raise SurveyError(
            "invalid",
            _(
                "This survey link is not valid: it may have been cut or changed. Please use the "
                "link from our message as it is."
            ),
        )
    if survey.status == SurveyStatus.CANCELLED:
        raise SurveyError(
            "cancelled",
            _(
                "This conversation was reopened, so this survey was withdrawn. We will ask again "
                "once it is solved."
            ),
        )
    if survey.ticket.status == Status.CLOSED and survey.answered:
        raise SurveyError(
            "closed",
            _(
                "Thank you, your answer was recorded. The conversation is closed now, so it can "
                "no longer be changed."
            ),
        )
    if survey.status == SurveyStatus.EXPIRED or survey.expires_at <= now:
        raise SurveyError(
            "expired",
            _("This survey has expired. Thank you all the same; you can always write to us."),
        )
    if survey.ticket.status == Status.CLOSED:
        raise SurveyError(
            "expired",
            _("This conversation is closed, so this survey can no longer be answered."),
        )
    return survey


def known_identities(customer: Customer) -> anonymise.Known:
    """What the desk knows identifies ``customer`` (for the anonymiser)."""
    handles: list[str] = []
    phones: list[str] = []
    emails = [customer.email] if customer.email else []
    for channel, handle in CustomerIdentity.objects.filter(customer=customer).values_list(
        "channel", "handle"
    ):
        if "@" in handle and "." in handle.split("@")[-1]:
            emails.append(handle)
        elif channel == "phone" or sum(ch.isdigit() for ch in handle) >= 7:
            phones.append(handle)
        else:
            handles.append(handle)
    return anonymise.Known(
        names=tuple(name for name in [customer.name] if name),
        emails=tuple(dict.fromkeys(emails)),
        phones=tuple(phones),
        handles=tuple(handles),
    )


def clean_comment(value: Any) -> str:
    """The comment as stored: text, trimmed, no NULs or lone surrogates, not too long.

    Raises:
        SurveyError: ``invalid_comment``.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SurveyError("invalid_comment", _("The comment must be text."))
    comment = value.replace("\r\n", "\n").strip()
    if "\x00" in comment or any(0xD800 <= ord(ch) <= 0xDFFF for ch in comment):
        raise SurveyError("invalid_comment", _("The comment contains characters we cannot store."))
    if len(comment) > MAX_COMMENT_CHARS:
        raise SurveyError(
            "invalid_comment",
            _("The comment is too long (at most %(n)d characters).") % {"n": MAX_COMMENT_CHARS},
        )
    return comment


def clean_rating(survey: Survey, value: Any) -> int:
    """Raises ``SurveyError("invalid_rating")`` unless ``value`` is a rating on the scale."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 3:
        value = int(value.strip())
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value not in scales.values(survey.scale)
    ):
        raise SurveyError("invalid_rating", _("Please choose one of the answers."))
    return value


def answer_survey(
    *,
    survey: Survey,
    rating: Any,
    comment: Any = "",
    via: str = "page",
    now: datetime | None = None,
) -> Survey:
    """Record (or change) the customer's answer; the ticket's timeline shows it.

    Raises:
        SurveyError: the survey may no longer be answered, or the answer is not valid.
    """
    now = now or timezone.now()
    rating = clean_rating(survey, rating)
    comment = clean_comment(comment)
    with events.atomic():
        locked = (
            Survey.objects.select_for_update(of=("self",), no_key=True)
            .select_related("ticket__customer")
            .get(pk=survey.pk)
        )
        # Checked again under the lock: a reopen or the expiry may have happened meanwhile.
        open_survey(links.token_for(locked), now=now)
        changed = locked.answered
        if changed and locked.changes >= MAX_CHANGES:
            raise SurveyError(
                "too_many_changes", _("This answer has been changed too often to change it again.")
            )
        ticket = locked.ticket
        sentiment = scales.sentiment(locked.scale, rating)
        if comment != locked.comment or not changed:
            redacted = (
                anonymise.anonymise(
                    comment, language=locked.language, known=known_identities(ticket.customer)
                ).text
                if comment
                else ""
            )
            locked.comment = comment
            locked.comment_redacted = redacted
            locked.themes = themes.themes_of(redacted, language=locked.language)
        locked.rating = rating
        locked.sentiment = sentiment
        locked.status = SurveyStatus.ANSWERED
        locked.answered_via = via[:8]
        if changed:
            locked.changes += 1
        locked.answered_at = now
        locked.save()
        TicketRating.objects.update_or_create(
            ticket=ticket,
            defaults={
                "survey": locked,
                "sentiment": sentiment,
                "rating": rating,
                "scale": locked.scale,
                "has_comment": bool(comment),
                "answered_at": now,
            },
        )
        timeline.record(
            SurveyAnswered(
                ticket=ticket,
                message=locked.message,
                survey_id=locked.pk,
                scale=locked.scale,
                rating=rating,
                sentiment=sentiment,
                has_comment=bool(comment),
                changed=changed,
                via=via[:8],
            )
        )
        feed.survey_answered(
            survey=locked, config_hold_minutes=config_for(locked.team_id).feed_hold_minutes
        )
    return locked


def answer_by_token(*, token: str, rating: Any, comment: Any = "", via: str = "page") -> Survey:
    """Open the survey a link names and answer it (the public pages and the JSON endpoint)."""
    survey = open_survey(token)
    return answer_survey(survey=survey, rating=rating, comment=comment, via=via)


# --- reacting to the ticket -------------------------------------------------------------------


def on_status_changed(*, ticket: Ticket, previous: str, status: str, reopened: bool) -> None:
    """Solved: ask. Reopened: withdraw the open question."""
    if reopened:
        cancel_open_surveys(ticket=ticket)
        return
    if status == Status.SOLVED and previous != Status.SOLVED:
        try:
            with transaction.atomic():
                send_survey(ticket=ticket)
        except Exception:
            # A survey that cannot be sent must never undo the solve.
            logger.exception("could not send the survey for ticket %s", ticket.pk)


def rated_agents(survey: Survey) -> list[Agent]:
    return list(Agent.objects.filter(surveys=survey).order_by("id"))
