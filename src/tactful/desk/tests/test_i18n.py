"""The interface speaks English, Spanish and Russian; catalogues are complete and compiled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

LOCALE = Path(__file__).resolve().parents[1] / "locale"
#: ``src/tactful``, where the catalogues' ``makemessages`` runs (docs/desk.md, "Translations").
SOURCES = LOCALE.parents[1]
#: What that command leaves out. The coach speaks through its own catalogues
#: (``coach/lang/*/messages.json``), which ``coach/tests/test_messages.py`` keeps complete.
NOT_EXTRACTED = ["coach/*", "*/tests/*", "*/migrations/*"]
#: The files makemessages reads for the ``django`` domain. No script uses a JavaScript
#: catalogue (``djangojs``): the chat widget's texts are gettext messages in
#: ``livechat/widget.py``, extracted here, and ``livechat/tests/test_views.py`` checks that
#: the script shows no text but those.
EXTRACTED_SUFFIXES = {".py", ".html", ".txt"}


@pytest.mark.parametrize("language", ["es", "ru"])
def test_catalogue_is_complete_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    text = po.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]
    # An empty msgstr with no continuation lines is untranslated; `msgstr ""` followed by
    # quoted lines is how gettext writes a long (wrapped) translation.
    empty = re.compile(r'^msgstr(\[\d\])? ""\n(?!")', re.M)
    untranslated = [e for e in entries if empty.search(e + "\n") and "#, fuzzy" not in e]
    assert untranslated == []
    assert "#, fuzzy" not in text
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Inbox", "Saved views", "Send reply"]),
        ("es", ["Bandeja", "Vistas guardadas", "Enviar respuesta"]),
        ("ru", ["Входящие", "Сохранённые представления", "Отправить ответ"]),
    ],
)
def test_pages_follow_the_agents_language(desk, language, words):
    team = desk.team()
    agent = desk.agent(teams=[team], language=language)
    ticket = desk.ticket(team=team)
    client = Client()
    client.force_login(agent)
    inbox = client.get(reverse("inbox:inbox")).content.decode()
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert words[0] in inbox and words[1] in inbox
    assert words[2] in page
    assert f'<html lang="{language}">' in inbox


@pytest.mark.django_db
def test_login_page_uses_accept_language():
    response = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Войти" in response.content.decode()


def _copy_for_extraction(directory: str, names: list[str]) -> set[str]:
    """``shutil.copytree``'s filter: the extracted sources and the catalogues, nothing else."""
    if Path(directory).resolve() == SOURCES:
        return {"coach"} & set(names)  # never extracted: no need to copy it
    return {
        name
        for name in names
        if name == "__pycache__"
        or (
            (Path(directory) / name).is_file()
            and Path(name).suffix not in EXTRACTED_SUFFIXES
            and not name.endswith(".po")
        )
    }


def _needing_translation(po: Path) -> list[str]:
    """The msgids of ``po`` that are untranslated (an empty msgstr, or one plural form empty)
    or fuzzy (msgmerge's guess from a similar string, never checked by a translator)."""
    needing = []
    for entry in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        fuzzy = False
        field = ""
        for line in entry.strip().splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#"):
                continue  # comments, references, and obsolete (#~) entries
            elif line.startswith('"'):
                fields[field] += line[1:-1]
            else:
                field, _, value = line.partition(" ")
                fields[field] = value[1:-1]
        msgid = fields.get("msgid", "")
        if not msgid:
            continue  # the header
        empty = any(value == "" for key, value in fields.items() if key.startswith("msgstr"))
        if empty or fuzzy:
            needing.append(msgid)
    return needing


def test_every_translatable_string_of_the_code_is_translated(tmp_path, settings, monkeypatch):
    """What ``makemessages`` extracts today must be translated in each catalogue: run it on a
    copy of the sources and their catalogues (never on the tree itself) and look at what it
    merged in. A new ``_("…")`` without its es and ru translations fails here."""
    copy = tmp_path / "tactful"
    shutil.copytree(SOURCES, copy, ignore=_copy_for_extraction)
    # makemessages writes into the first of LOCALE_PATHS: the copy's catalogues.
    settings.LOCALE_PATHS = [copy / "desk" / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["es", "ru"],
        ignore_patterns=NOT_EXTRACTED,
        no_obsolete=True,
        verbosity=0,
    )
    needing = {
        language: _needing_translation(
            copy / "desk" / "locale" / language / "LC_MESSAGES" / "django.po"
        )
        for language in ("es", "ru")
    }
    assert needing == {"es": [], "ru": []}
