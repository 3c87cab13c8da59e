"""The playbook pages: the ticket panel and its ticks, the editor with its preview, history;
hostile Markdown on every form; query counts that do not grow."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tactful.desk.testing import assert_same_query_count
from tactful.playbooks import services
from tactful.playbooks.models import Playbook
from tactful.playbooks.tests.test_steps import HOSTILE, assert_inert
from tactful.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

#: Query budgets, kept next to the tests: raise them only on purpose.
BUDGETS = {"panel": 9, "check": 19, "library": 5, "history": 7, "editor": 7, "preview": 2}

STEPS = "Fix first.\n\n1. Check the charge\n2. Refund the duplicate\n3. Say when it arrives"


@pytest.fixture
def world(desk):
    billing = desk.team("Billing")
    ana = desk.agent("ana", teams=[billing], language="es")
    lee = desk.lead("lee", teams=[billing])
    ticket = desk.ticket(team=billing, body="You charged me twice!")
    Ticket.objects.filter(pk=ticket.pk).update(company_fault=True)
    return {"billing": billing, "ana": ana, "lee": lee, "ticket": ticket}


def login(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def form_data(**overrides):
    data = {
        "name": "Double charge",
        "active": "on",
        "order": "5",
        "tags": "billing, refund",
        "signals": ["company_fault"],
        "emotions": ["anger"],
        "min_intensity": "60",
        "title_en": "Double charge",
        "body_en": STEPS,
        "title_es": "",
        "body_es": "",
        "title_ru": "",
        "body_ru": "",
    }
    data.update(overrides)
    return data


def our_mistake() -> Playbook:
    return Playbook.objects.get(starter_key="our_mistake")


# --- the ticket page ------------------------------------------------------------------------


def test_the_ticket_page_has_a_slot_that_loads_the_panel(world):
    page = login(world["ana"]).get(reverse("inbox:ticket", args=[world["ticket"].pk]))
    assert page.status_code == 200
    assert reverse("playbooks:ticket_panel", args=[world["ticket"].pk]).encode() in page.content


def test_the_panel_shows_the_matching_playbook_in_the_agents_language(world):
    page = login(world["ana"]).get(reverse("playbooks:ticket_panel", args=[world["ticket"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Nos equivocamos (cobro doble, promesa incumplida)" in html
    assert html.count('type="checkbox"') >= 5
    assert "0 de 5" in html or "0 of 5" in html


def test_ticking_through_htmx_returns_the_panel_with_the_step_done(world):
    client = login(world["ana"])
    url = reverse("playbooks:check_step", args=[world["ticket"].pk, our_mistake().pk])
    page = client.post(url, {"step": "2", "done": "1"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert 'class="playbook-step is-done" value="2"' in page.content.decode()
    event = TicketEvent.objects.get(ticket=world["ticket"], kind="playbook_step")
    assert event.actor == world["ana"] and event.data["step"] == 2
    # Un-ticking: the checkbox is absent from the form.
    client.post(url, {"step": "2"}, HTTP_HX_REQUEST="true")
    assert TicketEvent.objects.filter(ticket=world["ticket"], kind="playbook_step").count() == 2


def test_ticking_without_javascript_goes_back_to_the_ticket(world):
    url = reverse("playbooks:check_step", args=[world["ticket"].pk, our_mistake().pk])
    page = login(world["ana"]).post(url, {"step": "1", "done": "1"})
    assert page.status_code == 302
    assert page["Location"] == reverse("inbox:ticket", args=[world["ticket"].pk])


def test_the_timeline_describes_the_ticks(world):
    client = login(world["ana"])
    url = reverse("playbooks:check_step", args=[world["ticket"].pk, our_mistake().pk])
    client.post(url, {"step": "1", "done": "1"})
    page = client.get(reverse("inbox:ticket", args=[world["ticket"].pk]))
    assert "paso 1 hecho" in page.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"step": "0", "done": "1"},
        {"step": "-1"},
        {"step": "99"},
        {"step": "two"},
        {"step": "1" * 400},
        {"step": "1\x00"},
        {"step": "<script>alert(1)</script>"},
    ],
)
def test_hostile_ticks_are_refused_and_record_nothing(world, data):
    url = reverse("playbooks:check_step", args=[world["ticket"].pk, our_mistake().pk])
    page = login(world["ana"]).post(url, data, HTTP_HX_REQUEST="true")
    assert page.status_code == 400
    assert "<script>alert" not in page.content.decode()
    assert not TicketEvent.objects.filter(kind="playbook_step").exists()


def test_a_ticket_the_agent_cannot_see_is_not_found(world, desk):
    hidden = desk.ticket(team=desk.team("Elsewhere"))
    client = login(world["ana"])
    assert client.get(reverse("playbooks:ticket_panel", args=[hidden.pk])).status_code == 404
    url = reverse("playbooks:check_step", args=[hidden.pk, our_mistake().pk])
    assert client.post(url, {"step": "1", "done": "1"}).status_code == 404
    url = reverse("playbooks:check_step", args=[world["ticket"].pk, 999_999])
    assert client.post(url, {"step": "1", "done": "1"}).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(world):
    page = Client().get(reverse("playbooks:ticket_panel", args=[world["ticket"].pk]))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


# --- the library, the editor, the preview, history ------------------------------------------


def test_leads_write_a_playbook_and_it_shows_in_the_library(world):
    client = login(world["lee"])
    assert client.get(reverse("playbooks:create")).status_code == 200
    page = client.post(reverse("playbooks:create"), form_data(teams=[str(world["billing"].pk)]))
    assert page.status_code == 302, page.content.decode()[:2000]
    playbook = Playbook.objects.get(name="Double charge")
    assert playbook.tags == ["billing", "refund"] and playbook.min_intensity == 0.6
    assert list(playbook.teams.all()) == [world["billing"]]
    library = client.get(reverse("playbooks:library")).content.decode()
    assert "Double charge" in library and "Teams: Billing" in library


def test_agents_read_but_do_not_write(world):
    client = login(world["ana"])
    assert client.get(reverse("playbooks:library")).status_code == 200
    assert client.get(reverse("playbooks:create")).status_code == 403
    assert client.post(reverse("playbooks:create"), form_data()).status_code == 403
    assert client.get(reverse("playbooks:edit", args=[our_mistake().pk])).status_code == 403
    assert client.post(reverse("playbooks:preview"), {"body": "1. x"}).status_code == 403


def test_an_edit_is_a_new_version_and_history_shows_who_and_what(world):
    client = login(world["lee"])
    playbook = our_mistake()
    page = client.get(reverse("playbooks:edit", args=[playbook.pk]))
    assert "Nos equivocamos" in page.content.decode()
    form = page.context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["signals"] = ["company_fault"]
    data["active"] = "on"
    data["body_en"] = data["body_en"].replace("apologise **once**", "apologise **once**, sincerely")
    assert client.post(reverse("playbooks:edit", args=[playbook.pk]), data).status_code == 302
    playbook.refresh_from_db()
    assert playbook.version == 2
    history = client.get(reverse("playbooks:history", args=[playbook.pk])).content.decode()
    assert "Version 2" in history and "Lee" in history and "English text" in history
    assert "sincerely" in history  # the line it added


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_in_the_editor_is_kept_as_written_and_shown_inert(world, text):
    client = login(world["lee"])
    body = f"{text}\n\n1. {text}\n2. Refund"
    preview = client.post(reverse("playbooks:preview") + "?language=en", {"body_en": body})
    assert preview.status_code == 200
    assert_inert(preview.content.decode(), page=True)
    page = client.post(
        reverse("playbooks:create"), form_data(name="Hostile", title_en="Hostile", body_en=body)
    )
    assert page.status_code == 302
    assert Playbook.objects.get(name="Hostile").variants.get().body == body.strip()
    panel = client.get(reverse("playbooks:ticket_panel", args=[world["ticket"].pk]))
    assert "Hostile" in panel.content.decode()
    assert_inert(panel.content.decode(), page=True)


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": ""},
        {"name": "x" * 500},
        {"order": "-1"},
        {"order": "ten"},
        {"min_intensity": "101"},
        {"signals": ["rage"]},
        {"channels": ["pigeon"]},
        {"teams": ["999999"]},
        {"teams": ["1; DROP TABLE"]},
        {"body_en": "no steps at all"},
        {"body_en": "1. a\n2. b", "title_es": "x", "body_es": "1. solo uno"},
        {"body_en": "x" * 100_000},
        {"title_en": "\x00"},
    ],
)
def test_bad_editor_input_is_refused_and_nothing_saved(world, overrides):
    before = Playbook.objects.count()
    page = login(world["lee"]).post(reverse("playbooks:create"), form_data(**overrides))
    assert page.status_code == 400
    assert Playbook.objects.count() == before


def test_preview_of_too_much_text_is_refused(world):
    page = login(world["lee"]).post(reverse("playbooks:preview"), {"body": "x" * 100_001})
    assert page.status_code == 400


def test_restoring_a_version(world):
    client = login(world["lee"])
    playbook = our_mistake()
    services.save_playbook(
        draft=services.PlaybookDraft(
            name="Renamed",
            where=services.Where(signals=("company_fault",)),
            variants={"en": services.VariantText(title="Renamed", body=STEPS)},
        ),
        by=world["lee"],
        playbook=playbook,
    )
    page = client.post(reverse("playbooks:restore", args=[playbook.pk, 1]))
    assert page.status_code == 302
    playbook.refresh_from_db()
    assert playbook.version == 3 and playbook.variants.count() == 3
    assert client.post(reverse("playbooks:restore", args=[playbook.pk, 77])).status_code == 302
    assert (
        login(world["ana"]).post(reverse("playbooks:restore", args=[playbook.pk, 1])).status_code
        == 403
    )


# --- query counts ---------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_playbooks_ticks_and_versions(world, desk):
    ana, lee, ticket = world["ana"], world["lee"], world["ticket"]
    agent_client, lead_client = login(ana), login(lee)
    playbook = our_mistake()

    def grow():
        for n in range(25):
            grown = services.save_playbook(
                draft=services.PlaybookDraft(
                    name=f"Extra {n}",
                    where=services.Where(
                        team_ids=(world["billing"].pk,) if n % 2 else (),
                        signals=("company_fault",),
                        tags=(f"tag{n}",),
                    ),
                    variants={
                        "en": services.VariantText(title=f"Extra {n}", body=STEPS),
                        "es": services.VariantText(title=f"Extra {n}", body=STEPS),
                    },
                ),
                by=lee,
            )
            services.save_playbook(
                draft=services.PlaybookDraft(
                    name=f"Extra {n} v2",
                    where=services.Where(signals=("company_fault",)),
                    variants={"en": services.VariantText(title="x", body=STEPS + " now")},
                ),
                by=lee,
                playbook=grown,
            )
            services.check_step(ticket=ticket, playbook=grown, number=1, done=True, by=ana)
        for n in range(1, 4):  # history's growth rewrites it with three steps
            services.check_step(ticket=ticket, playbook=playbook, number=n, done=True, by=ana)
        desk.ticket(team=world["billing"])  # more tickets: nothing on these pages reads them

    steps_ticked = iter(range(10_000))

    def tick():
        # Alternate one step on and off so every request records a change.
        n = next(steps_ticked)
        return agent_client.post(
            reverse("playbooks:check_step", args=[ticket.pk, playbook.pk]),
            {"step": "1", **({"done": "1"} if n % 2 == 0 else {})},
            HTTP_HX_REQUEST="true",
        )

    def more_ticks_elsewhere():
        for n in range(10):
            other = services.save_playbook(
                draft=services.PlaybookDraft(
                    name=f"Other {n}",
                    where=services.Where(signals=("company_fault",)),
                    variants={"en": services.VariantText(title="x", body=STEPS)},
                ),
                by=lee,
            )
            services.check_step(ticket=ticket, playbook=other, number=2, done=True, by=ana)

    counts = {"check": assert_same_query_count(tick, more_ticks_elsewhere)}
    counts["panel"] = assert_same_query_count(
        lambda: agent_client.get(reverse("playbooks:ticket_panel", args=[ticket.pk])), grow
    )
    counts["library"] = assert_same_query_count(
        lambda: agent_client.get(reverse("playbooks:library")), grow
    )
    counts["history"] = assert_same_query_count(
        lambda: lead_client.get(reverse("playbooks:history", args=[playbook.pk])),
        lambda: [
            services.save_playbook(
                draft=services.PlaybookDraft(
                    name=f"Renamed {n}",
                    where=services.Where(signals=("company_fault",)),
                    variants={"en": services.VariantText(title="x", body=STEPS)},
                ),
                by=lee,
                playbook=playbook,
            )
            for n in range(15)
        ],
    )
    counts["editor"] = assert_same_query_count(
        lambda: lead_client.get(reverse("playbooks:edit", args=[playbook.pk])), grow
    )
    counts["preview"] = assert_same_query_count(
        lambda: lead_client.post(reverse("playbooks:preview"), {"body": STEPS}), grow
    )
    print("playbook query counts:", counts)
    for name, count in counts.items():
        assert count <= BUDGETS[name], (name, count)
