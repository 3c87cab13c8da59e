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
from tactful.satisfaction import feed, reports, services
from tactful.satisfaction.models import FeedItem, MonthlyReport, Survey, SurveySettings
from tactful.satisfaction.testing import bulk_surveys
from tactful.tickets.models import Status, Ticket

logger = logging.getLogger(__name__)

#: Answers written through the real services, so their comments are anonymised on the way in
#: (a name the comment may mention, the comment — ``{name}``: the customer's own first name —,
#: the rating, the language).
ANSWERS = [
    ("Harriet Cole", "{name} here. Ana sorted the double charge in minutes, thank you!", 5, "en"),
    (
        "Tom Reyes",
        "Clear steps, and the refund arrived the next day. Call me on +44 7700 900456 any time.",
        5,
        "en",
    ),
    (
        "Lucía Ferrer",
        "Soy {name}: Ana me explicó todo paso a paso, muy amable. Pedido PED-2024-77812.",
        5,
        "es",
    ),
    ("Jorge Blanco", "Tardaron una semana y nadie me llamó al 612 34 56 78.", 1, "es"),
    ("Ольга Смирнова", "Спасибо Борису, всё решил быстро и вежливо!", 5, "ru"),
    ("Игорь Павлов", "Это {name}. Много извинений, а заказ № 558812 так и не пришёл.", 2, "ru"),
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
    first = reports._bounds(month, reports.next_month(month))[0]
    shipping = next((t for t in teams if t.name == "Shipping"), None)
    if shipping is not None:
        # One team asks with faces instead of stars.
        SurveySettings.objects.get_or_create(team=shipping, defaults={"scale": "three"})

    # Last month's surveys, on the demo's own conversations (no tickets are added: the demo's
    # queue stays the one the tour describes), answered at 60%.
    tickets = list(Ticket.objects.filter(merged_into__isnull=True).order_by("id"))
    bulk_surveys(
        tickets,
        month=month,
        agent_ids=[a.pk for a in agents],
        seed=month.month,
        answer_rate=0.6,
        comment_rate=0.6,
    )
    # A few answered through the real services, so their comments are anonymised on the way
    # in: last month's surveys of still-open conversations, in each language.
    rng = random.Random(11)
    waiting = [
        survey
        for survey in Survey.objects.filter(sent_at__gte=first, answered_at__isnull=True)
        .exclude(ticket__status=Status.CLOSED)
        .select_related("ticket")
    ]
    for name, comment, rating, language in ANSWERS:
        survey = next((s for s in waiting if s.language == language), None)
        if survey is None:
            continue
        waiting.remove(survey)
        Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() + timedelta(days=14))
        survey.refresh_from_db()
        customer_name = survey.ticket.customer.name or name
        comment = comment.format(name=customer_name.split()[0])
        if survey.scale == "three":  # the faces: good / okay / bad
            rating = 3 if rating >= 4 else 2 if rating == 3 else 1
        services.answer_survey(survey=survey, rating=rating, comment=comment)
        rng.random()

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
