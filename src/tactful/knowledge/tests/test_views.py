"""The help center, the suggestions endpoint, the knowledge base pages and the reply box:
what they show, what they refuse, and query counts that do not grow."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.desk.testing import assert_same_query_count
from tactful.knowledge import services
from tactful.knowledge.models import Article, ArticleSuggestion, Category
from tactful.playbooks.tests.test_steps import HOSTILE, assert_inert
from tactful.tickets.models import MessageKind

pytestmark = pytest.mark.django_db

#: Query budgets, kept next to the tests: raise them only on purpose. Searches take one query
#: on PostgreSQL and three on SQLite (FTS5 scores, the candidates' languages, the winners).
BUDGETS = {
    "help_home": 3,
    "help_search": 3,
    "help_article": 1,
    "suggest": 4,
    "kb_index": 4,
    "kb_read": 4,
    "reply": 8,
    "categories": 5,
    "editor": 6,
}


def login(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def suggest(client, **params):
    return client.get(reverse("help:suggest"), {"surface": "widget", **params})


# --- the public help center -------------------------------------------------------------------


def test_the_help_center_home_lists_shelves_in_the_visitors_language(kb):
    page = Client().get(reverse("help:home"), {"lang": "es"})
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "es"
    assert "Pagos" in html and "Envíos" in html
    assert "¿Te cobraron dos veces?" in html
    assert "Parcel lockers" not in html and "internal" not in html
    page = Client().get(reverse("help:home"), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    assert "Оплата" in page.content.decode()


def test_help_center_search_in_spanish_and_russian(kb):
    page = Client().get(reverse("help:home"), {"lang": "es", "q": "paquete"})
    html = page.content.decode()
    assert "¿Dónde está mi paquete?" in html and "Charged twice" not in html
    page = Client().get(reverse("help:home"), {"lang": "ru", "q": "дважды"})
    assert "Деньги списали дважды?" in page.content.decode()


def test_when_no_article_has_every_word_the_closest_are_shown(kb):
    page = Client().get(reverse("help:home"), {"lang": "es", "q": "paquete perdido"})
    html = page.content.decode()
    assert "estos son los más cercanos" in html
    assert "¿Dónde está mi paquete?" in html


def test_a_team_help_center_keeps_to_its_shelves(kb):
    page = Client().get(reverse("help:team_home", args=["shipping"]), {"lang": "en"})
    html = page.content.decode()
    assert "Where is my parcel?" in html and "Charged twice" not in html
    assert Client().get(reverse("help:team_home", args=["nobody"])).status_code == 404
    refund = kb["refund"]
    url = reverse("help:team_article", args=["shipping", refund.pk])
    assert Client().get(url).status_code == 404
    assert (
        Client().get(reverse("help:team_article", args=["billing", refund.pk])).status_code == 200
    )


def test_an_article_reads_in_the_language_asked_for_or_says_it_is_missing(kb):
    url = reverse("help:article", args=[kb["tracking"].pk])
    page = Client().get(url, {"lang": "ru"})
    assert "Где моя посылка?" in page.content.decode()
    lockers = kb["draft"]
    assert Client().get(reverse("help:article", args=[lockers.pk])).status_code == 404
    assert Client().get(reverse("help:article", args=[kb["internal"].pk])).status_code == 404
    en_only = services.save_article(
        by=kb["admin"],
        category=kb["parcels"],
        translations={
            "en": services.TranslationText(
                title="Customs fees", body="Who pays them.", published=True
            )
        },
    )
    page = Client().get(reverse("help:article", args=[en_only.pk]), {"lang": "es"})
    assert page.status_code == 200
    assert "Customs fees" in page.content.decode()
    assert page["Content-Language"] == "en"


def test_article_markdown_is_rendered_inert(kb):
    for text in HOSTILE:
        article = services.save_article(
            by=kb["admin"],
            category=kb["parcels"],
            translations={
                "en": services.TranslationText(
                    title="<script>alert(1)</script>", body=f"{text}\n\n1. {text}", published=True
                )
            },
        )
        page = Client().get(reverse("help:article", args=[article.pk]), {"lang": "en"})
        assert page.status_code == 200
        assert_inert(page.content.decode(), page=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"q": "x" * 201}, {"q": "charged", "lang": "xx"}, {"lang": "<script>"}],
)
def test_hostile_help_center_parameters(kb, params):
    page = Client().get(reverse("help:home"), params)
    assert page.status_code in (200, 400)
    assert "<script>" not in page.content.decode().split("<body", 1)[1].replace("<script src", "")


# --- suggestions as the customer types --------------------------------------------------------


def test_suggestions_while_typing_and_the_session_key(kb):
    client = Client()
    answer = suggest(client, q="you charged me twice for one order", lang="en", team="billing")
    data = answer.json()
    assert answer.status_code == 200 and answer["Access-Control-Allow-Origin"] == "*"
    assert data["articles"][0]["title"].startswith("Charged twice?")
    assert data["articles"][0]["url"].startswith("http://testserver/help/billing/a/")
    assert f"s={data['key']}" in data["articles"][0]["url"]
    assert data["heading"] == "These articles may answer your question"
    again = suggest(
        client, q="you charged me twice for one order!!", lang="en", team="billing", key=data["key"]
    ).json()
    assert again["key"] == data["key"]
    assert ArticleSuggestion.objects.count() == 1
    short = suggest(client, q="hi", lang="en").json()
    assert short["articles"] == [] and short["key"] == ""


def test_suggestions_speak_the_customers_language(kb):
    data = suggest(Client(), q="¿dónde está mi paquete? no llega", lang="es", surface="form").json()
    assert data["heading"] != "These articles may answer your question"
    assert data["articles"][0]["language"] == "es"


def test_opening_a_suggestion_counts_and_asks_whether_it_helped(kb):
    client = Client()
    data = suggest(client, q="you charged me twice for one order", lang="en").json()
    url = data["articles"][0]["url"].replace("http://testserver", "")
    page = client.get(url)
    assert "Did this answer your question?" in page.content.decode()
    suggestion = ArticleSuggestion.objects.get()
    assert suggestion.opened_id == data["articles"][0]["id"]
    answered = client.post(reverse("help:answered", args=[data["key"]]), {"next": url})
    assert answered.status_code == 302 and "answered=1" in answered["Location"]
    suggestion.refresh_from_db()
    assert suggestion.answered_at is not None and suggestion.deflected
    thanks = client.get(answered["Location"])
    assert "Glad it helped" in thanks.content.decode()
    # Nobody else's key, no prompt; an open redirect is refused.
    assert "Did this answer" not in client.get(url.split("&s=")[0]).content.decode()
    evil = client.post(
        reverse("help:answered", args=[data["key"]]), {"next": "https://evil.example/"}
    )
    assert evil["Location"].startswith("/help/")


def test_writing_anyway_is_a_beacon_without_cookies(kb):
    client = Client(enforce_csrf_checks=True)
    data = suggest(client, q="you charged me twice for one order", lang="en").json()
    response = client.post(
        reverse("help:wrote", args=[data["key"]]), data="", content_type="text/plain"
    )
    assert response.status_code == 204
    assert ArticleSuggestion.objects.get().wrote_at is not None
    unknown = client.post(reverse("help:wrote", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12]))
    assert unknown.status_code == 204


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"surface": "billboard", "q": "charged twice again"},
        {"q": "x" * 2001},
        {"q": "charged twice again", "lang": "fr"},
        {"q": "charged twice again", "team": "../../etc"},
        {"q": "charged twice again", "key": "k" * 65},
    ],
)
def test_hostile_suggestion_requests_are_refused_cleanly(kb, params):
    answer = Client().get(reverse("help:suggest"), params)
    assert answer.status_code == 400
    assert set(answer.json()) == {"detail"}


def test_unknown_team_and_strange_words_do_not_break_suggestions(kb):
    assert suggest(Client(), q="charged twice again", team="nobody").status_code == 404
    for q in ['"NEAR( * ^', "'; DROP TABLE x; --", "😀 " * 200, "charged\u202etwice"]:
        assert suggest(Client(), q=q, lang="en").status_code == 200
    assert suggest(Client(), q="\u0000charged twice", lang="en").status_code == 400


@override_settings(TACTFUL_SUGGEST_RATE_LIMIT=3)
def test_suggestions_are_rate_limited_per_address(kb):
    client = Client(REMOTE_ADDR="203.0.113.9")
    codes = [suggest(client, q="charged twice again", lang="en").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert suggest(Client(REMOTE_ADDR="203.0.113.10"), q="charged twice").status_code == 200


def test_the_contact_form_and_the_widget_carry_the_suggestions(kb):
    page = Client().get(reverse("webform:contact", args=["billing"]), {"lang": "es"})
    html = page.content.decode()
    assert "data-kb-suggest" in html and 'data-team="billing"' in html and 'data-lang="es"' in html
    assert "knowledge/suggest.js" in html
    script = Client().get(reverse("livechat:widget")).content.decode()
    assert "/help/suggest/" in script and 'surface: "widget"' in script


# --- the knowledge base pages -----------------------------------------------------------------


def test_agents_read_the_knowledge_base_and_leads_write_it(kb, desk):
    agent = login(desk.agent())
    index = agent.get(reverse("knowledge:index"))
    assert index.status_code == 200
    assert "Refund approvals over 500" in index.content.decode()  # internal: agents see it
    assert agent.get(reverse("knowledge:read", args=[kb["draft"].pk])).status_code == 200
    assert agent.get(reverse("knowledge:create")).status_code == 403
    assert agent.get(reverse("knowledge:edit", args=[kb["tracking"].pk])).status_code == 403
    assert agent.post(reverse("knowledge:delete", args=[kb["tracking"].pk])).status_code == 403
    assert agent.post(reverse("knowledge:preview"), {"body": "x"}).status_code == 403

    lead = login(kb["lead"])
    page = lead.post(
        reverse("knowledge:create"),
        {
            "category": str(kb["money"].pk),
            "title_es": "Facturas",
            "summary_es": "Dónde descargar tus facturas.",
            "body_es": "1. Entra en tu cuenta.\n2. Abre **Pedidos**.",
            "published_es": "on",
        },
    )
    assert page.status_code == 302
    article = Article.objects.get(translations__title="Facturas")
    found = Client().get(reverse("help:home"), {"lang": "es", "q": "facturas"})
    assert "Facturas" in found.content.decode()
    assert lead.post(reverse("knowledge:delete", args=[article.pk])).status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    assert (
        "Facturas"
        not in Client().get(reverse("help:home"), {"lang": "es", "q": "facturas"}).content.decode()
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_in_the_article_editor_and_preview(kb, text):
    lead = login(kb["lead"])
    preview = lead.post(reverse("knowledge:preview") + "?language=en", {"body_en": text})
    assert preview.status_code == 200
    assert_inert(preview.content.decode(), page=True)
    page = lead.post(
        reverse("knowledge:create"),
        {
            "category": str(kb["money"].pk),
            "title_en": text[:150],
            "body_en": text,
            "published_en": "on",
        },
    )
    assert page.status_code == 302
    read = lead.get(page["Location"])
    assert_inert(read.content.decode().split("<main>", 1)[1], page=True)


@pytest.mark.parametrize(
    "data",
    [
        {"category": "999999", "title_en": "x", "body_en": "y"},
        {"category": "abc", "title_en": "x", "body_en": "y"},
        {"title_en": "x", "body_en": "y"},
        {"category": "{money}", "title_en": "", "body_en": ""},
        {"category": "{money}", "title_en": "x" * 300, "body_en": "y"},
        {"category": "{money}", "title_en": "x", "body_en": "y" * 100_001},
        {"category": "{money}", "title_en": "x\x00", "body_en": "y"},
        {"category": "{other}", "title_en": "x", "body_en": "y"},
    ],
)
def test_bad_article_forms_are_refused_and_nothing_saved(kb, data):
    other = Category.objects.create(name="Shipping only", team=kb["shipping"])
    values = {
        k: v.replace("{money}", str(kb["money"].pk)).replace("{other}", str(other.pk))
        for k, v in data.items()
    }
    before = Article.objects.count()
    page = login(kb["lead"]).post(reverse("knowledge:create"), values)
    assert page.status_code == 400
    assert Article.objects.count() == before


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"name": "<script>alert(1)</script>", "order": "1"}, 302),
        ({"name": "Ok", "name_es": "<img src=x onerror=alert(1)>", "order": "1"}, 302),
        ({"name": "", "order": "1"}, 400),
        ({"name": "x" * 81, "order": "1"}, 400),
        ({"name": "Ok", "order": "-5"}, 400),
        ({"name": "Ok", "order": "1", "team": "999999"}, 400),
        ({"name": "Ok\x00", "order": "1"}, 400),
    ],
)
def test_hostile_category_input_is_refused_or_shown_as_text(kb, data, status):
    lead = login(kb["lead"])
    page = lead.post(reverse("knowledge:categories"), data)
    assert page.status_code == status
    listing = lead.get(reverse("knowledge:categories")).content.decode()
    assert_inert(listing.split("<main>", 1)[1], page=True)
    assert "<script>alert(1)</script>" not in listing
    home = Client().get(reverse("help:home"), {"lang": "es"}).content.decode()
    assert "<img src=x" not in home


def test_leads_add_categories_for_their_teams(kb, desk):
    lead = login(kb["lead"])
    page = lead.post(
        reverse("knowledge:categories"),
        {
            "name": "Invoices",
            "name_es": "Facturas",
            "name_ru": "",
            "team": str(kb["billing"].pk),
            "order": "5",
        },
    )
    assert page.status_code == 302
    assert Category.objects.get(name="Invoices").names == {"es": "Facturas"}
    refused = lead.post(
        reverse("knowledge:categories"),
        {"name": "Not mine", "team": str(kb["shipping"].pk), "order": "5"},
    )
    assert refused.status_code == 400
    agent = login(desk.agent())
    assert (
        agent.post(reverse("knowledge:categories"), {"name": "x", "order": "1"}).status_code == 403
    )


# --- the reply box ----------------------------------------------------------------------------


@pytest.fixture
def angry_ticket(kb, desk):
    ticket = desk.ticket(
        team=kb["billing"], body="Hello. You charged me twice for my order and I want it back."
    )
    message = ticket.messages.get(kind=MessageKind.INCOMING)
    MessageAnalysis.objects.update_or_create(
        message=message,
        defaults={
            "status": AnalysisStatus.DONE,
            "language": "en",
            "spans": {"key_sentences": [[7, len(message.body)]]},
        },
    )
    return ticket


def test_the_reply_box_suggests_articles_with_a_link_and_a_summary_to_insert(
    kb, desk, angry_ticket
):
    agent = desk.agent("ann", teams=[kb["billing"]])
    page = login(agent).get(reverse("inbox:ticket", args=[angry_ticket.pk]))
    assert reverse("knowledge:suggestions", args=[angry_ticket.pk]).encode() in page.content
    page = login(agent).get(reverse("knowledge:suggestions", args=[angry_ticket.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Charged twice? How refunds of a double charge work" in html
    assert f"http://testserver/help/billing/a/{kb['refund'].pk}/?lang=en" in html
    assert 'data-kb-insert="Charged twice? How refunds of a double charge work: http' in html
    searched = (
        login(agent)
        .get(reverse("knowledge:suggestions", args=[angry_ticket.pk]), {"q": "approvals"})
        .content.decode()
    )
    assert "Refund approvals over 500" in searched and "Insert link" not in searched


def test_the_reply_box_refuses_what_it_should(kb, desk, angry_ticket):
    outsider = login(desk.agent("out", teams=[kb["shipping"]]))
    assert outsider.get(reverse("knowledge:suggestions", args=[angry_ticket.pk])).status_code == 404
    agent = login(desk.agent("ann", teams=[kb["billing"]]))
    page = agent.get(reverse("knowledge:suggestions", args=[angry_ticket.pk]), {"q": "x" * 201})
    assert page.status_code == 400
    assert Client().get(reverse("knowledge:suggestions", args=[angry_ticket.pk])).status_code == 302


# --- query counts -----------------------------------------------------------------------------


def test_query_counts_do_not_grow(kb, desk, angry_ticket):
    agent = desk.agent("ann", teams=[kb["billing"]])
    agent_client, lead_client = login(agent), login(kb["lead"])
    visitor = Client()
    key = suggest(visitor, q="you charged me twice for one order", lang="en").json()["key"]

    def grow():
        for n in range(20):
            category = services.save_category(
                by=kb["admin"], name=f"Shelf {n}", team=kb["billing"] if n % 2 else None
            )
            services.save_article(
                by=kb["admin"],
                category=category,
                internal=n % 5 == 0,
                translations={
                    code: services.TranslationText(
                        title=f"Charged twice {n} {code}",
                        summary="Refunds of double charges.",
                        body="1. We refund the duplicate charge.\n2. You get it in 3 days.",
                        published=n % 3 != 0,
                    )
                    for code in ("en", "es", "ru")
                },
            )
        for _ in range(10):
            services.record_shown(key=None, surface="form", team=None, language="en", shown=[1])

    pages = {
        "help_home": lambda: visitor.get(reverse("help:home"), {"lang": "en"}),
        "help_search": lambda: visitor.get(
            reverse("help:home"), {"lang": "en", "q": "charged twice"}
        ),
        "help_article": lambda: visitor.get(reverse("help:article", args=[kb["tracking"].pk])),
        "suggest": lambda: suggest(
            visitor, q="you charged me twice for one order", lang="en", key=key
        ),
        "kb_index": lambda: agent_client.get(reverse("knowledge:index")),
        "kb_read": lambda: agent_client.get(reverse("knowledge:read", args=[kb["refund"].pk])),
        "reply": lambda: agent_client.get(reverse("knowledge:suggestions", args=[angry_ticket.pk])),
        "categories": lambda: lead_client.get(reverse("knowledge:categories")),
        "editor": lambda: lead_client.get(reverse("knowledge:edit", args=[kb["refund"].pk])),
    }
    counts = {}
    for name, request in pages.items():
        counts[name] = assert_same_query_count(request, grow)
    print("knowledge query counts:", json.dumps(counts))
    for name, count in counts.items():
        assert count <= BUDGETS[name], (name, count)
