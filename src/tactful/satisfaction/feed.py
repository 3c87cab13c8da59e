"""The uplifting feed: positive comments and thank-you messages, anonymised, for the team's chat.

An item waits ``feed_hold_minutes`` so that an agent or lead can hold it back; then the sweeper
posts it to the team's Slack-compatible incoming webhook as ``{"text": …}``, signed like the
outgoing webhooks (``X-Tactful-Timestamp``, ``X-Tactful-Signature: sha256=HMAC(secret,
"<timestamp>.<body>")``, ``X-Tactful-Delivery``). Posting is at most once: the item is claimed
(``posting``) by one conditional UPDATE before the request leaves, so two sweepers or a
retry after a crash never post it twice; a worker that dies mid-post leaves it ``posting``
for a person to check. 5xx, 408, 429 and network errors are retried with backoff.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.outbound.webhooks import USER_AGENT, sign
from tactful.satisfaction import anonymise, scales
from tactful.satisfaction.models import FeedItem, FeedSource, FeedState, Survey, SurveySettings
from tactful.tickets.models import Message
from tactful.tickets.permissions import team_ids

logger = logging.getLogger(__name__)

#: Attempts before an item is marked failed; waits grow 1, 2, 4, 8… minutes.
MAX_ATTEMPTS = 6
#: Feed texts are cut to this many characters (a chat message, not a letter).
MAX_FEED_CHARS = 600
#: The coach's gratitude reading from which a customer message counts as a thank-you.
THANKS_MIN_INTENSITY = 0.35


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FEED_CHARS else text[: MAX_FEED_CHARS - 1].rstrip() + "…"


def survey_answered(*, survey: Survey, config_hold_minutes: int) -> FeedItem | None:
    """A positive answer with a comment becomes a feed item; an answer changed to something
    else takes back the item that had not been posted yet."""
    if survey.team_id is None:
        return None
    qualifies = survey.sentiment == scales.GOOD and bool(survey.comment_redacted.strip())
    existing = FeedItem.objects.filter(survey=survey).first()
    if existing is not None:
        if existing.state not in {FeedState.WAITING, FeedState.HELD, FeedState.SHOWN}:
            return existing
        if not qualifies:
            existing.delete()
            return None
        existing.text = _cut(survey.comment_redacted)
        with translation.override(survey.language):
            existing.rating_label = scales.label(survey.scale, survey.rating)
        existing.save(update_fields=["text", "rating_label"])
        return existing
    if not qualifies:
        return None
    with translation.override(survey.language):
        label = scales.label(survey.scale, survey.rating)
    return FeedItem.objects.create(
        team_id=survey.team_id,
        ticket_id=survey.ticket_id,
        source=FeedSource.COMMENT,
        survey=survey,
        language=survey.language,
        text=_cut(survey.comment_redacted),
        rating_label=label,
        post_after=timezone.now() + timedelta(minutes=config_hold_minutes),
    )


def thanks_received(
    *, message: Message, emotion: str, intensity: float | None, known: anonymise.Known
) -> FeedItem | None:
    """A customer's thank-you message (the coach read gratitude) becomes a feed item, once."""
    ticket = message.ticket
    if ticket.team_id is None or emotion != "gratitude" or (intensity or 0) < THANKS_MIN_INTENSITY:
        return None
    if FeedItem.objects.filter(message=message).exists():
        return None
    language = ticket.language if ticket.language in anonymise.LANGUAGES else "en"
    from_plain = anonymise.anonymise(message.body, language=language, known=known).text
    hold = (
        SurveySettings.objects.filter(team_id=ticket.team_id)
        .values_list("feed_hold_minutes", flat=True)
        .first()
    )
    return FeedItem.objects.create(
        team_id=ticket.team_id,
        ticket_id=ticket.pk,
        source=FeedSource.THANKS,
        message=message,
        language=language,
        text=_cut(from_plain),
        post_after=timezone.now() + timedelta(minutes=30 if hold is None else hold),
    )


def can_moderate(agent: Agent, item: FeedItem) -> bool:
    """Agents and leads of the item's team (and admins) may hold an item back or release it."""
    return agent.is_active and (agent.is_admin or item.team_id in team_ids(agent))


def hold(*, item: FeedItem, by: Agent) -> bool:
    """Keep the item out of the team chat (only before it was posted)."""
    return bool(
        FeedItem.objects.filter(
            pk=item.pk, state__in=[FeedState.WAITING, FeedState.SHOWN, FeedState.FAILED]
        ).update(state=FeedState.HELD, held_by=by)
    )


def release(*, item: FeedItem, by: Agent) -> bool:
    """Let a held item go out again (at the next sweep)."""
    return bool(
        FeedItem.objects.filter(pk=item.pk, state=FeedState.HELD).update(
            state=FeedState.WAITING, held_by=None, post_after=timezone.now()
        )
    )


# --- posting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostResult:
    ok: bool
    retry: bool
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects())


def payload(item: FeedItem) -> dict[str, Any]:
    """What the team chat receives (Slack's incoming-webhook format: ``text``)."""
    with translation.override(item.language if item.language in anonymise.LANGUAGES else "en"):
        if item.source == FeedSource.COMMENT:
            head = _("A customer rated us %(rating)s:") % {"rating": item.rating_label}
        else:
            head = _("A customer wrote to say thank you:")
    return {"text": f"{head}\n> {item.text}", "tactful": {"item": item.pk, "source": item.source}}


def post(item: FeedItem, *, url: str, secret: str) -> PostResult:
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        return PostResult(ok=False, retry=False, error="The webhook URL must be http(s).")
    body = json.dumps(payload(item), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tactful-Timestamp": timestamp,
        "X-Tactful-Delivery": f"feed-{item.pk}",
    }
    if secret:
        headers["X-Tactful-Signature"] = sign(secret=secret, timestamp=timestamp, body=body)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _opener.open(request, timeout=settings.TACTFUL_WEBHOOK_TIMEOUT) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        exc.close()
        retry = exc.code in {408, 429} or exc.code >= 500
        return PostResult(ok=False, retry=retry, error=f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return PostResult(ok=False, retry=True, error=f"{type(exc).__name__}: {exc}")
    return PostResult(ok=True, retry=False)


def post_due(*, now: datetime | None = None, limit: int = 50) -> int:
    """Post the items whose hold time is over; returns how many were posted.

    Teams without a webhook keep their items on the team page only (``shown``).
    """
    now = now or timezone.now()
    posted = 0
    due = list(
        FeedItem.objects.filter(state=FeedState.WAITING, post_after__lte=now)
        .order_by("post_after", "id")
        .values_list("pk", "team_id")[:limit]
    )
    hooks = {
        team_id: (url, secret)
        for team_id, url, secret in SurveySettings.objects.filter(
            team_id__in={team_id for _pk, team_id in due}
        ).values_list("team_id", "feed_webhook_url", "feed_webhook_secret")
    }
    for pk, team_id in due:
        url, secret = hooks.get(team_id, ("", ""))
        if not url:
            FeedItem.objects.filter(pk=pk, state=FeedState.WAITING).update(state=FeedState.SHOWN)
            continue
        # The claim: only one sweeper moves it from waiting to posting.
        claimed = FeedItem.objects.filter(pk=pk, state=FeedState.WAITING).update(
            state=FeedState.POSTING, attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        item = FeedItem.objects.get(pk=pk)
        result = post(item, url=url, secret=secret)
        if result.ok:
            FeedItem.objects.filter(pk=pk).update(
                state=FeedState.POSTED, posted_at=timezone.now(), last_error=""
            )
            posted += 1
        elif result.retry and item.attempts < MAX_ATTEMPTS:
            FeedItem.objects.filter(pk=pk).update(
                state=FeedState.WAITING,
                last_error=result.error[:500],
                post_after=now + timedelta(minutes=2 ** (item.attempts - 1)),
            )
        else:
            FeedItem.objects.filter(pk=pk).update(
                state=FeedState.FAILED, last_error=result.error[:500]
            )
            logger.warning("feed item %s could not be posted: %s", pk, result.error)
    return posted
