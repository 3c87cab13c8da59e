"""Demo data for satisfaction (seeded with the demo desk): last month's surveys in three languages, its reports, the feed.

Idempotent: a desk that already has a report for last month is left as it is.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import TextIO

from django.utils import timezone

from tactful.accounts.models import Agent, Team
from tactful.customers.models import Customer
from tactful.desk.testing import bulk_tickets
from tactful.satisfaction import feed, reports, services
from tactful.satisfaction.models import FeedItem, MonthlyReport, Survey, SurveySettings
from tactful.satisfaction.testing import bulk_surveys
from tactful.tickets import inbound
from tactful.tickets import services as ticket_services
from tactful.tickets.models import Status, Ticket

logger = logging.getLogger(__name__)

#: Answers written through the real services, so their comments are anonymised on the way in
#: (customer name, comment, rating, language).
ANSWERS = [
    ("Harriet Cole", "Harriet here. Ana sorted the double charge in minutes, thank you!", 5, "en"),
    (
        "Tom Reyes",
        "Clear steps, and the refund arrived the next day. Call me on +44 7700 900456 any time.",
        5,
        "en",
    ),
    (
        "Lucía Ferrer",
        "Soy Lucía: Ana me explicó todo paso a paso, muy amable. Pedido PED-2024-77812.",
        5,
        "es",
    ),
    ("Jorge Blanco", "Tardaron una semana y nadie me llamó al 612 34 56 78.", 1, "es"),
    ("Ольга Смирнова", "Спасибо Борису, всё решил быстро и вежливо!", 5, "ru"),
    ("Игорь Павлов", "Много извинений, а заказ № 558812 так и не пришёл.", 2, "ru"),
    ("Priya Shah", "Kind and patient with me, even on a Sunday.", 4, "en"),
    ("Marta Gil", "Rápido y claro. ¡Gracias, Carmen!", 5, "es"),
]


def seed(*, out: TextIO | None = None) -> None:
    """Last month's surveys, answers, reports (with PDFs when WeasyPrint can run) and feed."""
    today = timezone.localdate()
    month = reports.previous_month(today)
    if MonthlyReport.objects.filter(month=month).exists():
        return
    teams = list(Team.objects.order_by("name"))
    agents = list(Agent.objects.filter(is_active=True).order_by("username"))
    if not teams or not agents:
        return
    if out is not None:
        out.write("  … a month of satisfaction surveys\n")
    shipping = next((t for t in teams if t.name == "Shipping"), None)
    if shipping is not None:
        # One team asks with faces instead of stars.
        SurveySettings.objects.get_or_create(team=shipping, defaults={"scale": "three"})

    # Volume: 150 tickets solved last month, their surveys answered at 45%.
    ids = bulk_tickets(
        150,
        teams=teams,
        agents=agents,
        seed=month.month,
        with_events=False,
        overrides={"status": Status.CLOSED},
    )
    bulk_surveys(
        list(Ticket.objects.filter(pk__in=ids)),
        month=month,
        agent_ids=[a.pk for a in agents],
        seed=month.month,
        answer_rate=0.45,
        comment_rate=0.5,
    )

    # And a few answered through the real services: their comments are anonymised on the way.
    rng = random.Random(11)
    first = reports._bounds(month, reports.next_month(month))[0]
    for name, comment, rating, language in ANSWERS:
        team = rng.choice(teams)
        agent = next((a for a in agents if team in a.teams.all()), agents[0])
        customer = Customer.objects.create(name=name, preferred_language=language)
        ticket = _ticket(team=team, customer=customer, language=language)
        ticket_services.record_reply(ticket=ticket, agent=agent, body=_reply(language))
        ticket_services.change_status(ticket=ticket, status=Status.SOLVED, by=agent)
        survey = Survey.objects.filter(ticket=ticket).first()
        if survey is None:
            continue
        sent = first + timedelta(days=rng.randrange(25), hours=rng.randrange(9, 18))
        Survey.objects.filter(pk=survey.pk).update(
            sent_at=sent, expires_at=timezone.now() + timedelta(days=14)
        )
        if survey.scale == "three":  # the faces: good / okay / bad
            rating = 3 if rating >= 4 else 2 if rating == 3 else 1
        services.answer_survey(
            survey=Survey.objects.get(pk=survey.pk), rating=rating, comment=comment
        )

    # The feed: without a team-chat webhook the items stay on the team pages; one held back.
    feed.post_due(now=timezone.now() + timedelta(days=1))
    held = FeedItem.objects.order_by("id").first()
    if held is not None:
        feed.hold(item=held, by=agents[0])

    for team in [None, *teams]:
        try:
            reports.generate(team=team, month=month)
        except Exception:  # WeasyPrint without Pango: keep the report, skip its PDF
            logger.warning("no PDF for the demo report (is Pango installed?)", exc_info=True)
            reports.generate(team=team, month=month, with_pdf=False)


def _ticket(*, team: Team, customer: Customer, language: str) -> Ticket:
    body = {
        "en": "I was charged twice for my order. Please refund the extra payment.",
        "es": "Me cobraron dos veces el pedido. Devuélvanme el pago extra, por favor.",
        "ru": "С меня дважды списали оплату за заказ. Верните лишний платёж, пожалуйста.",
    }[language]
    return inbound.create_ticket(
        customer=customer,
        body=body,
        subject=body.split(".")[0],
        channel="email",
        team=team,
        language=language,
    )


def _reply(language: str) -> str:
    return {
        "en": "You're right, that was our mistake. I refunded the second charge today; it reaches your card within 3 days.",
        "es": "Tiene razón, fue un error nuestro. Hoy he devuelto el segundo cargo; llegará a su tarjeta en 3 días.",
        "ru": "Вы правы, это наша ошибка. Сегодня я вернул второе списание, деньги придут на карту в течение 3 дней.",
    }[language]
