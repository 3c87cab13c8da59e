"""The starter library: loaded by the migration, idempotent, and written for balance."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tactful.canned import rendering, services
from tactful.canned.models import CannedResponse, CannedVariant, Category
from tactful.coach import review_reply

FILES = {code: Path(services.STARTER_DIR / f"{code}.json") for code in services.LANGUAGES}
ENTRIES = [
    (code, item)
    for code, path in FILES.items()
    for item in json.loads(path.read_text(encoding="utf-8"))["responses"]
]
SAMPLE = rendering.VariableContext.from_values(
    {
        "customer.first_name": "María",
        "customer.name": "María López",
        "agent.first_name": "Sam",
        "agent.name": "Sam Lee",
        "ticket.number": 1042,
        "ticket.subject": "Refund for order A-77",
        "ticket.custom.order_number": "A-77",
    }
)
NEEDS_NEXT_STEP = {Category.ACTION, Category.NEXT_STEP, Category.CLOSING}


def test_every_language_has_the_same_templates_and_two_per_category():
    keys = {code: {item["key"] for c, item in ENTRIES if c == code} for code in FILES}
    assert keys["en"] == keys["es"] == keys["ru"]
    for code in FILES:
        for category in Category.values:
            count = sum(1 for c, item in ENTRIES if c == code and item["category"] == category)
            assert count >= 2, (code, category)


@pytest.mark.parametrize(("code", "item"), ENTRIES, ids=[f"{c}-{i['key']}" for c, i in ENTRIES])
def test_starter_template_is_balanced_by_the_coach(code, item):
    """The coach itself judges the starter texts, raw and filled in with sample values."""
    body = item["body"]
    assert not rendering.template_problems(body)
    for text in (body, rendering.render(body, SAMPLE).text):
        review = review_reply(text, language=code)
        assert review.language == code
        kinds = review.kinds()
        assert "over_apology" not in kinds, text
        assert "over_sympathy" not in kinds, text
        assert review.apology_count <= 1, text
        if item["category"] != Category.APOLOGISE_ONCE:
            assert review.apology_count == 0, text
        if item["category"] in NEEDS_NEXT_STEP:
            assert "no_next_step" not in kinds, text
            assert review.next_step.present, text


def test_formal_address_in_spanish_and_russian():
    """usted in Spanish, вы in Russian, by default."""
    tu = re.compile(r"\b(tú|tu|te|contigo|puedes|tienes|quieres|escríbeme|respóndeme)\b", re.I)
    ty = re.compile(r"\b(ты|тебя|тебе|твой|твоя|твоё|твои|напиши|ответь)\b", re.I)
    for code, item in ENTRIES:
        if code == "es":
            assert not tu.search(item["body"]), item["key"]
        if code == "ru":
            assert not ty.search(item["body"]), item["key"]


def test_thanks_come_before_the_apology():
    thanks = {"en": r"thank", "es": r"gracias", "ru": r"спасибо"}
    sorry = {"en": r"sorry|apologi", "es": r"disculp|lo lamento|perdón", "ru": r"прост|извин"}
    for code, item in ENTRIES:
        if item["category"] != Category.APOLOGISE_ONCE:
            continue
        body = item["body"].lower()
        first_thanks = re.search(thanks[code], body)
        first_sorry = re.search(sorry[code], body)
        assert first_thanks and first_sorry, item["key"]
        assert first_thanks.start() < first_sorry.start(), item["key"]


@pytest.mark.django_db
def test_migration_loaded_the_starter_library_as_shared_responses():
    starter = CannedResponse.objects.filter(team__isnull=True).exclude(starter_key="")
    keys = {item["key"] for _code, item in ENTRIES}
    assert set(starter.values_list("starter_key", flat=True)) == keys
    assert CannedVariant.objects.filter(response__in=starter).count() == len(ENTRIES)
    acknowledge = starter.get(starter_key="ack-heard")
    assert acknowledge.title == "Acknowledge: the problem is real"
    spanish = acknowledge.variants.get(language="es")
    assert spanish.title == "Reconocer: el problema es real"


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_keeps_edits():
    variant = CannedVariant.objects.get(response__starter_key="ack-heard", language="en")
    variant.body = "Hi {{ customer.first_name }}, our own wording."
    variant.save()
    before = (CannedResponse.objects.count(), CannedVariant.objects.count())
    report = services.load_starter()
    assert report == services.StarterReport(0, 0, 0)
    assert (CannedResponse.objects.count(), CannedVariant.objects.count()) == before
    variant.refresh_from_db()
    assert variant.body == "Hi {{ customer.first_name }}, our own wording."


@pytest.mark.django_db
def test_command_restores_missing_texts_and_overwrite_resets_edits():
    CannedVariant.objects.filter(response__starter_key="boundary-threat", language="ru").delete()
    edited = CannedVariant.objects.get(response__starter_key="ack-heard", language="en")
    edited.body = "Edited."
    edited.save()
    out = StringIO()
    call_command("load_canned_starter", stdout=out)
    assert "0 responses and 1 texts added, 0 texts reset" in out.getvalue()
    assert CannedVariant.objects.filter(
        response__starter_key="boundary-threat", language="ru"
    ).exists()
    edited.refresh_from_db()
    assert edited.body == "Edited."
    out = StringIO()
    call_command("load_canned_starter", "--overwrite", stdout=out)
    assert "1 texts reset" in out.getvalue()
    edited.refresh_from_db()
    assert edited.body.startswith("Hi {{ customer.first_name }}, thank you for explaining")


def test_a_broken_starter_file_is_refused_with_its_name(tmp_path):
    for code, path in FILES.items():
        (tmp_path / f"{code}.json").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = json.loads(FILES["es"].read_text(encoding="utf-8"))
    broken["responses"][0]["body"] = "Hola {{ settings.SECRET_KEY }}"
    (tmp_path / "es.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(ValueError, match=r"es\.json: ack-heard: Unknown variable"):
        services.read_starter(tmp_path)
