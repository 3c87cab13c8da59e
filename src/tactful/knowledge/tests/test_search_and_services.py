"""Articles: written through the services, searchable in their own language, counted when
suggested to customers."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.knowledge import search, selectors, services
from tactful.knowledge.models import ArticleSuggestion, ArticleTranslation
from tactful.knowledge.tests.conftest import REFUND
from tactful.tickets.models import MessageKind

pytestmark = pytest.mark.django_db


def titles(found):
    return [t.title for t in found]


# --- search -----------------------------------------------------------------------------------


def test_the_help_center_search_finds_words_in_each_language(kb):
    for language, query, expected in [
        ("en", "charged twice", "Charged twice? How refunds of a double charge work"),
        ("es", "cobraron dos veces", "¿Te cobraron dos veces? Cómo devolvemos un cobro duplicado"),
        ("ru", "списали дважды", "Деньги списали дважды? Как мы возвращаем лишний платёж"),
        ("es", "paquete", "¿Dónde está mi paquete? Seguimiento del envío"),
        ("ru", "посылка", "Где моя посылка? Отслеживание доставки"),
    ]:
        found = selectors.public_search(None, query, language=language)
        assert found and found[0].title == expected, (query, titles(found))
        assert found[0].language == language


def test_prefixes_match_and_the_page_language_comes_first(kb):
    found = selectors.public_search(None, "refund", language="en")
    assert found[0].language == "en"


def test_suggestions_take_any_word_and_rank_the_best_match_first(kb):
    found = selectors.customer_suggestions(
        None, "Hello, you charged me twice for the same order yesterday!", language="en"
    )
    assert found[0].title.startswith("Charged twice?")
    found = selectors.customer_suggestions(
        None, "Buenas, no sé dónde está mi paquete, ¿me ayudan?", language="es"
    )
    assert found[0].title.startswith("¿Dónde está mi paquete?")


def test_customers_never_find_drafts_or_internal_articles(kb):
    assert selectors.public_search(None, "lockers", language="en") == []
    assert selectors.public_search(None, "approval", language="en") == []
    assert (
        selectors.customer_suggestions(None, "refund approvals lead", language="en")[0].article_id
        != kb["internal"].pk
    )


def test_a_team_help_center_shows_its_own_and_the_desk_wide_shelves(kb):
    shipping = selectors.public_search(kb["shipping"], "charged twice", language="en")
    assert shipping == []  # the refund article is on Billing's shelf
    assert selectors.public_search(kb["shipping"], "parcel", language="en")
    assert selectors.public_search(kb["billing"], "charged twice", language="en")
    names = [s.name for s in selectors.shelves(kb["billing"], "es")]
    assert names == ["Pagos", "Envíos"] or set(names) == {"Pagos", "Envíos"}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        '"unbalanced',
        "NEAR(charged twice)",
        "charged OR",
        "AND OR NOT",
        "* ^ : -",
        "title:charged",
        "x\x00y",
        "charged " * 5000,
        "😀😀😀",
        "'; DROP TABLE knowledge_articletranslation; --",
    ],
)
def test_hostile_queries_never_break_search(kb, query):
    for any_word in (False, True):
        found = search.ranked(ArticleTranslation.objects.all(), query, any_word=any_word)
        assert isinstance(found, list)
    assert ArticleTranslation.objects.count() == 8


@pytest.mark.postgres
def test_postgres_stems_each_language_with_its_own_configuration(kb):
    # "duplicados" is not a prefix of "duplicado", nor "посылки" of "посылка".
    assert selectors.public_search(None, "duplicados", language="es")
    assert selectors.public_search(None, "посылки", language="ru")
    """Words that only share a stem — which SQLite's prefix matching cannot find."""
    assert search.is_postgres()
    found = selectors.public_search(None, "cobro duplicados", language="es")
    assert found and found[0].language == "es"
    found = selectors.public_search(None, "посылки", language="ru")
    assert found and found[0].title.startswith("Где моя посылка")
    found = selectors.public_search(None, "refunded charges", language="en")
    assert found and found[0].title.startswith("Charged twice?")


# --- writing articles -------------------------------------------------------------------------


def test_publishing_stamps_the_time_and_removing_a_language_removes_its_entry(kb):
    article = kb["refund"]
    es = article.translations.get(language="es")
    assert es.published_at is not None
    first_published = es.published_at
    texts = dict(REFUND)
    texts["ru"] = services.TranslationText(title="", body="")
    texts["es"] = services.TranslationText(
        title=REFUND["es"].title, body=REFUND["es"].body, summary="", published=False
    )
    services.save_article(by=kb["admin"], category=kb["money"], translations=texts, article=article)
    assert sorted(article.translations.values_list("language", flat=True)) == ["en", "es"]
    es.refresh_from_db()
    assert es.status == "draft" and es.published_at == first_published
    assert selectors.public_search(None, "списали", language="ru") == []
    assert selectors.public_search(None, "cobraron", language="es") == []


def test_leads_write_for_their_teams_and_the_desk_agents_do_not(kb, desk):
    lead, agent = kb["lead"], desk.agent()
    own = services.save_article(
        by=lead,
        category=kb["money"],
        translations={"en": services.TranslationText(title="Invoices", body="Find them here.")},
    )
    assert own.category == kb["money"]
    with pytest.raises(PermissionDenied):
        services.save_article(
            by=agent,
            category=kb["parcels"],
            translations={"en": services.TranslationText(title="x", body="y")},
        )
    foreign = services.save_category(by=kb["admin"], name="Other", team=kb["shipping"])
    with pytest.raises(PermissionDenied):
        services.save_article(
            by=lead,
            category=foreign,
            translations={"en": services.TranslationText(title="x", body="y")},
        )
    with pytest.raises(PermissionDenied):
        services.save_category(by=lead, name="Mine?", team=kb["shipping"])


@pytest.mark.parametrize(
    ("texts", "field"),
    [
        ({}, "__all__"),
        ({"en": services.TranslationText(title="", body="")}, "__all__"),
        ({"en": services.TranslationText(title="Title only", body="")}, "body_en"),
        ({"es": services.TranslationText(title="", body="Solo texto")}, "title_es"),
        ({"en": services.TranslationText(title="x" * 201, body="y")}, "title_en"),
        ({"en": services.TranslationText(title="x", summary="s" * 301, body="y")}, "summary_en"),
        ({"en": services.TranslationText(title="x", body="y" * 50_001)}, "body_en"),
        ({"fr": services.TranslationText(title="x", body="y")}, "__all__"),
    ],
)
def test_bad_articles_are_refused_with_the_field_named(kb, texts, field):
    with pytest.raises(ValidationError) as error:
        services.save_article(by=kb["admin"], category=kb["money"], translations=texts)
    assert field in getattr(error.value, "error_dict", {"__all__": None})


# --- suggestions to customers and deflection --------------------------------------------------


def test_a_typing_session_is_one_row_and_nothing_is_kept_while_nothing_is_shown(kb):
    assert (
        services.record_shown(key=None, surface="widget", team=None, language="en", shown=[])
        is None
    )
    first = services.record_shown(key=None, surface="widget", team=None, language="en", shown=[1])
    assert first is not None
    again = services.record_shown(
        key=str(first.key), surface="widget", team=None, language="en", shown=[1, 2]
    )
    assert again is not None and again.pk == first.pk and again.shown == [1, 2]
    for bad in ("not-a-uuid", str(uuid.uuid4()), "' OR 1=1 --", "x" * 500):
        other = services.record_shown(key=bad, surface="form", team=None, language="es", shown=[3])
        assert other is not None and other.pk != first.pk
    assert ArticleSuggestion.objects.count() == 5


def test_opened_answered_and_wrote_make_the_deflection_figures(kb):
    refund_en = kb["refund"].translations.get(language="en")
    tracking_en = kb["tracking"].translations.get(language="en")

    def session(shown):
        return services.record_shown(
            key=None, surface="widget", team=None, language="en", shown=shown
        )

    helped = session([refund_en.pk])
    assert services.was_suggested(key=str(helped.key), translation=refund_en)
    assert not services.mark_opened(key=str(helped.key), translation=tracking_en)  # not shown
    assert services.mark_opened(key=str(helped.key), translation=refund_en)
    assert not services.mark_opened(key=str(helped.key), translation=refund_en)  # first only
    assert services.mark_answered(key=str(helped.key))

    wrote_anyway = session([refund_en.pk])
    assert not services.mark_answered(key=str(wrote_anyway.key))  # never opened
    services.mark_opened(key=str(wrote_anyway.key), translation=refund_en)
    services.mark_answered(key=str(wrote_anyway.key))
    services.mark_wrote(key=str(wrote_anyway.key))

    ignored = session([tracking_en.pk])
    services.mark_wrote(key=str(ignored.key))

    counts = selectors.deflection(since=timezone.now() - timedelta(days=1))
    assert (counts.shown, counts.opened, counts.answered, counts.wrote_anyway) == (3, 2, 2, 2)
    assert counts.deflected == 1 and round(counts.deflection_rate, 3) == 0.333
    assert selectors.deflection(since=timezone.now() + timedelta(days=1)).shown == 0


# --- the reply box ----------------------------------------------------------------------------


def test_the_reply_box_looks_articles_up_by_the_coachs_key_sentences(kb, desk):
    ticket = desk.ticket(
        team=kb["billing"],
        body="Good morning. I love your shop. But you charged me twice for order 4411!",
    )
    message = ticket.messages.get(kind=MessageKind.INCOMING)
    start = message.body.index("But")
    MessageAnalysis.objects.update_or_create(
        message=message,
        defaults={
            "status": AnalysisStatus.DONE,
            "language": "en",
            "spans": {"key_sentences": [[start, len(message.body)]]},
        },
    )
    found, words = selectors.ticket_suggestions(ticket)
    assert words == "But you charged me twice for order 4411!"
    assert found[0].title.startswith("Charged twice?")
    # Agents get internal articles too; customers never do.
    found, _ = selectors.ticket_suggestions(ticket, query="refund approvals")
    assert found[0].article_id == kb["internal"].pk


def test_without_a_reading_the_reply_box_uses_the_message_itself(kb, desk):
    ticket = desk.ticket(team=kb["shipping"], body="Where is my parcel? It is late.")
    MessageAnalysis.objects.filter(message__ticket=ticket).delete()
    found, words = selectors.ticket_suggestions(ticket)
    assert "parcel" in words and found[0].title.startswith("Where is my parcel?")
    # Billing's shelf is not Shipping's: its refund article is not offered here.
    found, _ = selectors.ticket_suggestions(ticket, query="charged twice")
    assert found == []


def test_malformed_key_sentence_spans_fall_back_to_the_text(kb, desk):
    ticket = desk.ticket(body="You charged me twice.")
    message = ticket.messages.get()
    MessageAnalysis.objects.update_or_create(
        message=message,
        defaults={
            "status": AnalysisStatus.DONE,
            "language": "en",
            "spans": {"key_sentences": [["a", "b"], [5], None, [-10, 10**9]]},
        },
    )
    found, words = selectors.ticket_suggestions(ticket)
    assert "charged" in words and found
