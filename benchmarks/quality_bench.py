"""Quality-review benchmark: the coach's automatic review of solved conversations, and the
quality pages over many reviews, on PostgreSQL.

    .venv/bin/python benchmarks/quality_bench.py                     # 60 conversations, 50,000 reviews
    .venv/bin/python benchmarks/quality_bench.py --conversations 150 --reviews 200000

Part 1, the automatic review. N conversations (English, Spanish and Russian; a customer
message and three replies each) are reviewed by ``auto_review.review_automatically`` with both
shipped scorecards: the coach reads each customer message and reviews each reply in context,
the ratings and their evidence are stored, and the timeline events are written. The baseline,
measured in the same run on the same texts: ``coach.analyze_message`` and ``coach.review_reply``
alone, with nothing stored. The ratio is what the desk adds to the coach.

Part 2, the pages. R reviews with their ratings are inserted in bulk (the coach's review of
every conversation, a person's review of every second one, spread over twelve weeks), first a
small set (R / 50) and then the full set, and each quality page is timed at both sizes as a
logged-in lead; the ratio large ÷ small shows how the page grows with the data. The inbox is
timed beside them as a reference page of the desk.

A benchmark, not a test: it asserts nothing and never runs inside the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BASE_URL = (
    os.environ.get("TACTFUL_BENCH_DATABASE_URL")
    or os.environ.get("TACTFUL_TEST_DATABASE_URL")
    or "postgresql://root@127.0.0.1:5432/test"
)
DATABASE = "tactful_quality_bench"

CONVERSATIONS = {
    "en": (
        "You charged me twice for my subscription and nobody answers my emails! When will I get my money back?",
        [
            "I am so sorry. I truly apologise for this, sorry again. I completely understand how frustrating this must be.",
            "You are right, this was our mistake. I have refunded the second charge today; it will be back on your card within 3–5 working days.",
            "On Friday I will check that the refund arrived and write to you. Is there anything else I can help with?",
        ],
    ),
    "es": (
        "Estimados señores: me han cobrado dos veces la suscripción. ¿Cuándo me devolverán el dinero?",
        [
            "¡Hola! Tranqui, seguramente pulsaste dos veces el botón de pago. Lo miramos.",
            "Tiene toda la razón, es un error nuestro. He devuelto el segundo cargo hoy; lo verá en su tarjeta en 3 a 5 días hábiles.",
            "El viernes comprobaré que le ha llegado y le escribiré. ¿Puedo ayudarle en algo más?",
        ],
    ),
    "ru": (
        "Здравствуйте! С меня дважды списали оплату за подписку. Когда Вы вернёте деньги?",
        [
            "Извините, пожалуйста. Очень сожалеем. Приносим извинения за неудобства.",
            "Вы совершенно правы, это наша ошибка. Я оформил возврат второго списания, деньги вернутся на карту в течение 3–5 рабочих дней.",
            "В пятницу я проверю, что они пришли, и напишу Вам.",
        ],
    ),
}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def database_url(base: str, name: str) -> str:
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def recreate_database(base: str, name: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)
    ]


def timed(request, count: int) -> list[float]:  # type: ignore[no-untyped-def]
    request()
    request()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        request()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=60)
    parser.add_argument("--reviews", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--database-url", default=BASE_URL)
    args = parser.parse_args()

    recreate_database(args.database_url, DATABASE)
    os.environ.update(
        DATABASE_URL=database_url(args.database_url, DATABASE),
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=tempfile.mkdtemp(prefix="tactful-quality-bench-"),
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    automatic_review(args.conversations)
    pages(args.reviews, args.requests)


def automatic_review(count: int) -> None:
    from tactful import coach
    from tactful.desk.testing import DeskFactory
    from tactful.quality import auto_review
    from tactful.tickets import services as ticket_services
    from tactful.tickets.models import Ticket

    desk = DeskFactory()
    team = desk.team("Review bench")
    agent = desk.agent("bench-agent", teams=[team])
    tickets: list[Ticket] = []
    for i in range(count):
        language = list(CONVERSATIONS)[i % 3]
        customer, replies = CONVERSATIONS[language]
        ticket = desk.ticket(team=team, body=f"{customer} ({i})", language=language)
        for reply in replies:
            ticket_services.record_reply(ticket=ticket, agent=agent, body=f"{reply} #{i}")
        tickets.append(ticket)
    # Warm the coach's models and caches (both sides), then measure.
    coach.review_reply(CONVERSATIONS["en"][1][0], customer_message=CONVERSATIONS["en"][0])
    started = time.perf_counter()
    for i in range(count):
        customer, replies = CONVERSATIONS[list(CONVERSATIONS)[i % 3]]
        reading = coach.analyze_message(f"{customer} ({i})")
        earlier: list[coach.ConversationMessage] = []
        for reply in replies:
            coach.review_reply(f"{reply} #{i}", customer_message=reading, conversation=earlier)
            earlier = [*earlier, coach.ConversationMessage("agent", f"{reply} #{i}")]
    baseline = (time.perf_counter() - started) * 1000 / count
    started = time.perf_counter()
    made = 0
    for ticket in tickets:
        made += len(auto_review.review_automatically(ticket=ticket))
    desk_ms = (time.perf_counter() - started) * 1000 / count
    print(
        f"\nAutomatic review of a solved conversation (1 customer message, 3 replies), {count} conversations, {made} reviews stored"
    )
    print(f"  coach alone (baseline):                 {baseline:7.1f} ms per conversation")
    print(
        f"  auto_review.review_automatically:       {desk_ms:7.1f} ms per conversation  ({desk_ms / baseline:.2f}× the coach alone)"
    )


def pages(total: int, count: int) -> None:
    from django.db import connection
    from django.test import Client

    from tactful.accounts.models import Agent
    from tactful.desk.testing import DeskFactory, bulk_tickets
    from tactful.quality import calibration
    from tactful.quality.models import CalibrationRound, Criterion, Rating, Review, Scorecard

    desk = DeskFactory()
    teams = [desk.team(name) for name in ("Billing", "Technical", "Shipping")]
    agents = [desk.agent(f"agent{i}", teams=[teams[i % 3]]) for i in range(9)]
    lead = desk.lead("bench-lead", teams=teams)
    cards = list(Scorecard.objects.filter(default_key__gt="").order_by("id"))
    criteria = {card.pk: list(Criterion.objects.filter(scorecard=card)) for card in cards}
    rng = random.Random(3)

    def insert(reviews: int) -> None:
        conversations = max(
            1, reviews * 2 // 3
        )  # the coach's review of each, a person's of every second
        ticket_ids = bulk_tickets(
            conversations, teams=teams, agents=agents, with_events=False, index=False
        )
        rows, pairs = [], []
        for n, ticket_id in enumerate(ticket_ids):
            card = cards[n % 2]
            reviewee = agents[n % len(agents)]
            rows.append(
                Review(
                    ticket_id=ticket_id,
                    scorecard=card,
                    source="coach",
                    reviewee=reviewee,
                    score=rng.uniform(20, 100),
                    coach_version="bench",
                )
            )
            if n % 2 == 0:
                rows.append(
                    Review(
                        ticket_id=ticket_id,
                        scorecard=card,
                        source="human",
                        reviewer=lead,
                        reviewee=reviewee,
                        score=rng.uniform(20, 100),
                    )
                )
        rows = Review.objects.bulk_create(rows[:reviews], batch_size=5000)
        for review in rows:
            for criterion in criteria[review.scorecard_id]:
                top = {"binary": 1, "three": 3, "five": 5}[criterion.scale]
                low = 0 if criterion.scale == "binary" else 1
                value = rng.randint(low, top)
                pairs.append(
                    Rating(
                        review=review,
                        criterion=criterion,
                        value=value,
                        score=100.0 * (value - low) / (top - low),
                    )
                )
        Rating.objects.bulk_create(pairs, batch_size=10000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE quality_review SET created_at = now() - (id % 84) * interval '1 day'"
            )
            cursor.execute("VACUUM ANALYZE")

    client = Client()
    client.force_login(lead)
    small = max(200, total // 50)
    log(f"inserting {small:,} reviews…")
    insert(small)
    graded = list(Review.objects.filter(source="human").values_list("ticket_id", flat=True)[:10])
    round = CalibrationRound.objects.create(name="bench", scorecard=cards[0], created_by=lead)
    round.tickets.set(graded)
    round.reviewers.set([lead, Agent.objects.get(username="agent0")])
    urls = {
        "team score (30 days, 12-week trend)": "/quality/team/",
        "scorecards (coach agreement)": "/quality/scorecards/",
        "disputes": "/quality/disputes/",
        "reviewer's queue": "/quality/",
        "calibration round": f"/quality/calibration/{round.pk}/",
        "inbox (reference)": "/inbox/",
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in urls}
    for size in (small, total):
        if size == total:
            log(f"inserting {total - small:,} more reviews…")
            insert(total - small)
        reviews = Review.objects.count()
        for name, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            results[name].append(summary(timed(lambda url=url: client.get(url), count)))
        log(f"  timed at {reviews:,} reviews")
    print(
        f"\nQuality pages, p50 / p95 ms, at {small:,} and {Review.objects.count():,} reviews ({Rating.objects.count():,} ratings)"
    )
    for name, ((p50s, p95s), (p50l, p95l)) in results.items():
        print(
            f"  {name:<38} {p50s:7.1f} / {p95s:7.1f}   {p50l:7.1f} / {p95l:7.1f}   ×{p50l / p50s:.2f}"
        )
    print(
        "  (agreement of one calibration round:",
        calibration.round_agreement(round).coach_kappa,
        ")",
    )


if __name__ == "__main__":
    main()
