"""Surveys in bulk for query-count tests, the benchmark and the demo (bulk_create, no services)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from django.db import transaction

from tactful.satisfaction import scales, themes
from tactful.satisfaction.models import Survey, SurveyAgent, SurveyStatus, TicketRating
from tactful.tickets.models import Ticket

#: Comments customers might leave, already anonymised (as the services store them).
COMMENTS: dict[str, dict[str, list[str]]] = {
    "en": {
        "good": [
            "[name] fixed it in minutes, thank you!",
            "Clear explanation, step by step. Thanks!",
            "So patient and kind with me, lovely service.",
            "Refund arrived the same day. Brilliant.",
            "Quick answer and the problem is solved.",
        ],
        "neutral": ["It works now, but it took a while.", "Fine, nothing special."],
        "bad": [
            "I waited a week for order [number] and nobody answered.",
            "Lots of apologies, no solution.",
            "I had to explain everything three times.",
        ],
    },
    "es": {
        "good": [
            "[nombre] lo resolvió en minutos, ¡gracias!",
            "Me lo explicaron paso a paso, muy claro.",
            "Muy amables y pacientes conmigo.",
            "El reembolso llegó enseguida. ¡Genial!",
        ],
        "neutral": ["Funciona, aunque tardaron bastante."],
        "bad": [
            "Esperé una semana por el pedido [número] y nadie contestó.",
            "Muchas disculpas y ninguna solución.",
        ],
    },
    "ru": {
        "good": [
            "[имя] всё решила за несколько минут, спасибо!",
            "Всё объяснили по шагам, очень понятно.",
            "Очень вежливо и терпеливо, спасибо.",
            "Деньги вернули в тот же день. Отлично!",
        ],
        "neutral": ["Работает, но ждать пришлось долго."],
        "bad": [
            "Неделю ждал ответа по заказу [номер], никто не ответил.",
            "Много извинений и никакого решения.",
        ],
    },
}
BALANCE_WEIGHTS = (("balanced", 0.55), ("too_little", 0.2), ("too_much", 0.15), ("", 0.1))


@transaction.atomic
def bulk_surveys(
    tickets: Sequence[Ticket],
    *,
    month: date,
    agent_ids: Sequence[int] = (),
    seed: int = 7,
    answer_rate: float = 0.3,
    comment_rate: float = 0.35,
    batch_size: int = 2000,
) -> list[int]:
    """One survey per ticket, sent during ``month``, answered at ``answer_rate``.

    Better replies earn better answers (balanced with a next step: mostly good; too little or
    too much empathy: more bad), so the report's "does the advice pay off" has a shape.
    """
    rng = random.Random(seed)
    first = datetime(month.year, month.month, 1, tzinfo=UTC)
    surveys: list[Survey] = []
    agent_picks: list[list[int]] = []
    for ticket in tickets:
        sent_at = first + timedelta(minutes=rng.randrange(27 * 24 * 60))
        language = ticket.language if ticket.language in COMMENTS else "en"
        scale = scales.FIVE if rng.random() < 0.8 else scales.THREE
        balance = rng.choices(
            [b for b, _w in BALANCE_WEIGHTS], weights=[w for _b, w in BALANCE_WEIGHTS]
        )[0]
        next_step = None if not balance else rng.random() < 0.7
        survey = Survey(
            ticket_id=ticket.pk,
            team_id=ticket.team_id,
            channel=ticket.channel,
            language=language,
            scale=scale,
            nonce=f"{rng.getrandbits(128):032x}",
            sent_at=sent_at,
            expires_at=sent_at + timedelta(days=14),
            coach_balance=balance,
            coach_next_step=next_step,
            coach_replies=[{"balance": balance, "next_step": bool(next_step), "findings": []}]
            if balance
            else [],
        )
        if rng.random() < answer_rate:
            good_odds = (
                0.85
                if balance == "balanced" and next_step
                else 0.65
                if balance == "balanced"
                else 0.45
            )
            roll = rng.random()
            sentiment = (
                "good" if roll < good_odds else "neutral" if roll < good_odds + 0.15 else "bad"
            )
            if scale == scales.THREE:
                rating = {"good": 3, "neutral": 2, "bad": 1}[sentiment]
            else:
                rating = {"good": rng.choice([4, 5, 5]), "neutral": 3, "bad": rng.choice([1, 2])}[
                    sentiment
                ]
            survey.status = SurveyStatus.ANSWERED
            survey.rating = rating
            survey.sentiment = sentiment
            survey.answered_at = sent_at + timedelta(hours=rng.randrange(1, 72))
            survey.answered_via = "page"
            if rng.random() < comment_rate:
                text = rng.choice(COMMENTS[language][sentiment])
                survey.comment = text
                survey.comment_redacted = text
                survey.themes = themes.themes_of(text, language=language)
        surveys.append(survey)
        count = rng.choice([1, 1, 1, 2]) if agent_ids else 0
        agent_picks.append(rng.sample(list(agent_ids), min(count, len(agent_ids))))
    created = Survey.objects.bulk_create(surveys, batch_size=batch_size)
    SurveyAgent.objects.bulk_create(
        [
            SurveyAgent(survey_id=survey.pk, agent_id=agent_id)
            for survey, picks in zip(created, agent_picks, strict=True)
            for agent_id in picks
        ],
        batch_size=batch_size,
    )
    TicketRating.objects.bulk_create(
        [
            TicketRating(
                ticket_id=survey.ticket_id,
                survey_id=survey.pk,
                sentiment=survey.sentiment,
                rating=survey.rating or 0,
                scale=survey.scale,
                has_comment=bool(survey.comment),
                answered_at=survey.answered_at or survey.sent_at,
            )
            for survey in created
            if survey.answered_at is not None
        ],
        batch_size=batch_size,
        ignore_conflicts=True,
    )
    return [survey.pk for survey in created]
