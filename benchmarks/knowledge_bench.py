"""Help-center search and article suggestions on a large knowledge base, against a naive scan.

    .venv/bin/python benchmarks/knowledge_bench.py [--articles 3000] [--runs 40] [--sqlite]

Seeds ``--articles`` articles, each in English, Spanish and Russian (so three times as many
translations), from sentences about orders, payments, deliveries and accounts, plus the demo's
seven real articles; builds the search index; then times, per language:

- **search** — the help center's box (``selectors.help_center_search``: every word, ranked;
  the closest by any word when no article has them all);
- **suggest** — what the chat widget and contact form ask while a customer types
  (``selectors.customer_suggestions``: any word of a 15–25-word message, ranked, top 3);

and, on the same data in the same run, the **baseline** a desk without full-text search would
write: ``icontains`` on title, summary and text for every word (ORed for suggestions), newest
first, no ranking. It prints p50/p95 in milliseconds and the ratio baseline ÷ ours, and checks
that our first result is the article the query is about. A benchmark, not a test: it asserts
nothing.

PostgreSQL when ``TACTFUL_BENCH_DATABASE_URL`` (or ``TACTFUL_TEST_DATABASE_URL``) names a
server — a scratch database ``tactful_knowledge_bench`` is created on it — else SQLite.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: Filler the generated articles are written from (the real ones come from the demo).
FILLER = {
    "en": [
        "Open the settings page and choose the option you need.",
        "Your invoice is available in the account area after each payment.",
        "Deliveries to islands can take two more working days.",
        "Gift cards can be used together with a discount code.",
        "The mobile app shows the same orders as the website.",
        "Change the delivery address before the parcel leaves the warehouse.",
        "Subscriptions renew on the same day every month.",
        "Export your data as a spreadsheet from the reports menu.",
    ],
    "es": [
        "Abre la página de ajustes y elige la opción que necesitas.",
        "Tu factura está disponible en tu cuenta después de cada pago.",
        "Los envíos a las islas pueden tardar dos días hábiles más.",
        "Las tarjetas regalo se pueden usar junto con un código de descuento.",
        "La aplicación móvil muestra los mismos pedidos que la web.",
        "Cambia la dirección de entrega antes de que el paquete salga del almacén.",
        "Las suscripciones se renuevan el mismo día cada mes.",
        "Exporta tus datos como hoja de cálculo desde el menú de informes.",
    ],
    "ru": [
        "Откройте страницу настроек и выберите нужный вариант.",
        "Счёт появляется в личном кабинете после каждой оплаты.",
        "Доставка на острова может занять ещё два рабочих дня.",
        "Подарочные карты можно использовать вместе с промокодом.",
        "В мобильном приложении те же заказы, что и на сайте.",
        "Измените адрес доставки до того, как посылка покинет склад.",
        "Подписка продлевается в тот же день каждого месяца.",
        "Выгрузите данные в таблицу из меню отчётов.",
    ],
}
TOPICS = {
    "en": ["invoices", "gift cards", "subscriptions", "islands", "exports", "addresses", "the app"],
    "es": ["facturas", "tarjetas regalo", "suscripciones", "islas", "exportar", "direcciones"],
    "ru": ["счета", "подарочные карты", "подписка", "острова", "выгрузка", "адреса"],
}
#: (language, help-center query, customer message, the demo article both should find first)
QUERIES = [
    (
        "en",
        "charged twice",
        "Hello, you charged me twice for order 4411 this morning and I want the duplicate back today please",
        "Charged twice? How we refund a double charge",
    ),
    (
        "es",
        "paquete seguimiento",
        "Hola, mi paquete no llega desde hace una semana y el seguimiento no se mueve, ¿qué puedo hacer?",
        "¿Dónde está mi paquete? Seguimiento del envío",
    ),
    (
        "ru",
        "сбросить пароль",
        "Здравствуйте, не могу войти в аккаунт, пароль не подходит, а письмо для сброса пароля не приходит",
        "Не получается войти? Сбросьте пароль",
    ),
]


def log(text: str) -> None:
    print(text, flush=True)


def database_url(base: str, data_dir: str) -> tuple[str, str]:
    if base:
        try:
            import psycopg

            with psycopg.connect(base, autocommit=True, connect_timeout=3) as conn:
                conn.execute('DROP DATABASE IF EXISTS "tactful_knowledge_bench" WITH (FORCE)')
                conn.execute('CREATE DATABASE "tactful_knowledge_bench"')
            return urlunparse(
                urlparse(base)._replace(path="/tactful_knowledge_bench")
            ), "PostgreSQL"
        except Exception as exc:  # no server: fall back, and say so
            log(f"PostgreSQL at {base} unavailable ({exc}); using SQLite")
    return f"sqlite:///{data_dir}/bench.sqlite3", "SQLite"


def setup_django(url: str, data_dir: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-use-1234567890",
        TACTFUL_DATA_DIR=data_dir,
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int, rng: random.Random) -> int:
    from django.db import connection

    from tactful.accounts import services as account_services
    from tactful.accounts.models import Role
    from tactful.desk import demo_knowledge
    from tactful.knowledge import search
    from tactful.knowledge.models import Article, ArticleTranslation, Category

    account_services.create_agent(username="admin", password="x" * 20, role=Role.ADMIN)
    demo_knowledge.seed_knowledge()
    shelf = Category.objects.create(name="Everything else")
    articles = Article.objects.bulk_create([Article(category=shelf) for _ in range(count)])
    rows = []
    for article in articles:
        for language, sentences in FILLER.items():
            topic = rng.choice(TOPICS[language])
            body = " ".join(rng.choice(sentences) for _ in range(rng.randint(6, 14)))
            rows.append(
                ArticleTranslation(
                    article=article,
                    language=language,
                    title=f"{topic.capitalize()} {article.pk}",
                    summary=rng.choice(sentences),
                    body=body,
                    status="published",
                )
            )
    created = ArticleTranslation.objects.bulk_create(rows, batch_size=2000)
    ids = [row.pk for row in created]
    for start in range(0, len(ids), 2000):
        search.reindex(ids[start : start + 2000])
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load: without statistics the planner guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ArticleTranslation.objects.count()


def naive(text: str, *, any_word: bool, limit: int) -> list[Any]:
    """The baseline: icontains on every field for each word, newest first, no ranking."""
    from django.db.models import Q

    from tactful.knowledge import search, selectors

    words = search.words(text)
    per_word = [
        Q(title__icontains=w) | Q(summary__icontains=w) | Q(body__icontains=w) for w in words
    ]
    if not per_word:
        return []
    condition = reduce(or_, per_word) if any_word else reduce(lambda a, b: a & b, per_word)
    return list(selectors.public_translations(None).filter(condition).order_by("-id")[:limit])


def timed(call: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    call()  # warm
    samples = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TACTFUL_BENCH_DATABASE_URL")
        or os.environ.get("TACTFUL_TEST_DATABASE_URL")
        or "",
    )
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="tactful-kb-bench-")
    url, kind = database_url("" if args.sqlite else args.database_url, data_dir)
    setup_django(url, data_dir)
    from tactful.knowledge import selectors

    started = time.perf_counter()
    translations = seed(args.articles, random.Random(7))
    log(
        f"{kind}: {translations} article translations seeded and indexed in "
        f"{time.perf_counter() - started:.1f} s; {args.runs} runs per figure (ms)"
    )
    log(
        f"{'':<22}{'ours p50':>10}{'p95':>8}{'naive p50':>11}{'p95':>9}{'ratio p50':>11}  first result"
    )
    for language, query, message, expected in QUERIES:
        for name, ours, baseline in (
            (
                "search",
                lambda q=query, lang=language: selectors.help_center_search(None, q, language=lang)[
                    0
                ],
                lambda q=query: naive(q, any_word=False, limit=20),
            ),
            (
                "suggest",
                lambda m=message, lang=language: selectors.customer_suggestions(
                    None, m, language=lang
                ),
                lambda m=message: naive(m, any_word=True, limit=3),
            ),
        ):
            mine, found = timed(ours, args.runs)
            theirs, naive_found = timed(baseline, args.runs)
            ok = "ok" if found and found[0].title == expected else "MISSED"
            naive_ok = "ok" if naive_found and naive_found[0].title == expected else "missed"
            log(
                f"{language} {name:<19}{p(mine, 0.5):>10.1f}{p(mine, 0.95):>8.1f}"
                f"{p(theirs, 0.5):>11.1f}{p(theirs, 0.95):>9.1f}"
                f"{p(theirs, 0.5) / max(p(mine, 0.5), 1e-6):>10.1f}×  ours {ok}, naive {naive_ok}"
            )


if __name__ == "__main__":
    main()
