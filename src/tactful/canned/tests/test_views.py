"""The picker endpoints and the library pages: permissions, hostile input, query counts."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tactful.canned import rendering, services
from tactful.canned.models import CannedResponse, CannedVariant
from tactful.canned.personal_touch import personal_touch_findings
from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.desk.testing import assert_same_query_count
from tactful.tickets import services as ticket_services
from tactful.tickets.models import CALL_NOTE_KEY, Message, MessageKind

pytestmark = pytest.mark.django_db

#: Query budgets, kept next to the tests: raise them only on purpose.
BUDGETS = {"suggestions": 8, "search": 8, "render": 8, "library": 9}


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    lee = desk.lead("lee", teams=[billing])
    sue = desk.lead("sue", teams=[shipping])
    root = desk.admin("root")
    customer = desk.customer(name="María López")
    ticket = desk.ticket(
        team=billing,
        customer=customer,
        subject="Me cobraron dos veces",
        body="Me cobraron dos veces el pedido A-77.",
        language="es",
    )
    ticket.custom_fields = {"order_number": "A-77", "secret": {"nested": "no"}}
    ticket.save(update_fields=["custom_fields"])
    other = desk.ticket(team=shipping, subject="Parcel", body="Where is my parcel?")
    shipping_only = services.create_response(
        by=sue,
        team=shipping,
        title="Shipping secret",
        category="action",
        variants={"es": services.VariantText(body="Su paquete llega mañana.")},
    )
    return {
        "billing": billing,
        "shipping": shipping,
        "ana": ana,
        "lee": lee,
        "sue": sue,
        "root": root,
        "ticket": ticket,
        "other": other,
        "shipping_only": shipping_only,
    }


def login(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def starter_variant(key: str, language: str) -> CannedVariant:
    return CannedVariant.objects.get(response__starter_key=key, language=language)


def form_data(**overrides):
    data = {
        "title": "Refund done",
        "category": "action",
        "team": "",
        "active": "on",
        "title_en": "",
        "body_en": "I have refunded order {{ ticket.custom.order_number }}; expect it in 5 days.",
        "title_es": "",
        "body_es": "",
        "title_ru": "",
        "body_ru": "",
    }
    data.update(overrides)
    return data


# --- the picker -------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(world):
    client = Client()
    variant = starter_variant("ack-heard", "es")
    for url in (
        reverse("canned:library"),
        reverse("canned:create"),
        reverse("canned:suggestions", args=[world["ticket"].pk]),
        reverse("canned:render", args=[world["ticket"].pk, variant.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_ticket_page_includes_the_picker_inside_the_reply_form(world):
    page = login(world["ana"]).get(reverse("inbox:ticket", args=[world["ticket"].pk]))
    html = page.content.decode()
    form_start = html.index('id="id_reply_body"')
    form_end = html.index("</form>", form_start)
    picker = html[form_start:form_end]
    assert 'name="canned_ids"' in picker
    assert reverse("canned:suggestions", args=[world["ticket"].pk]) in picker
    assert 'hx-trigger="load"' in picker
    assert "canned/picker.js" in html


def test_suggestions_are_in_the_tickets_language_with_insert_buttons(world):
    response = login(world["ana"]).get(reverse("canned:suggestions", args=[world["ticket"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="link canned-insert"') == 6
    assert "Hola, María" in html  # rendered preview, in Spanish
    assert "Shipping secret" not in html


def _read(message, **values):
    """The coach's finished reading of ``message``, as a worker would store it."""
    defaults = {
        "status": AnalysisStatus.DONE,
        "language": "es",
        "top_emotion": "neutral",
        "intensity": 0.1,
        "spans": {"questions": []},
    }
    MessageAnalysis.objects.update_or_create(message=message, defaults={**defaults, **values})


def test_suggestions_follow_the_customers_latest_message_not_a_call_note_read_after_it(world):
    """A call note is read by the coach too (for the agent's emotional load), but it is the
    agent's text: the picker's state and problem come from what the customer wrote."""
    ticket, ana = world["ticket"], world["ana"]
    _read(Message.objects.get(ticket=ticket, kind=MessageKind.INCOMING))
    note = ticket_services.add_internal_note(
        ticket=ticket,
        agent=ana,
        body="Llamada: el cliente gritó e insultó; le dije que así no podemos seguir.",
        metadata={CALL_NOTE_KEY: 1},
    )
    _read(note, abuse=True, top_emotion="anger", intensity=0.9)
    html = login(ana).get(reverse("canned:suggestions", args=[ticket.pk])).content.decode()
    first = html.index('class="canned-item canned-')
    # A calm customer without questions: actions first, not the boundary templates.
    assert html[first:].startswith('class="canned-item canned-action"')


def test_search_finds_within_the_library_and_escapes_input(world):
    client = login(world["ana"])
    url = reverse("canned:suggestions", args=[world["ticket"].pk])
    nothing = client.get(url, {"q": "zzz-no-such-text"})
    assert nothing.status_code == 200
    assert "No canned response matches this search." in nothing.content.decode()
    hit = client.get(url, {"q": "cargo duplicado"})
    assert "Acción: cargo duplicado devuelto" in hit.content.decode()
    hostile = client.get(url, {"q": "<script>alert(1)</script>"})
    assert hostile.status_code == 200 and "<script>alert" not in hostile.content.decode()
    assert client.get(url, {"q": "x" * 5000}).status_code == 400
    assert client.get(url, {"q": "Su paquete"}).content.decode().count("canned-insert") == 0


def test_render_returns_the_filled_text_and_unfilled_names(world):
    client = login(world["ana"])
    refund = starter_variant("action-refund", "es")
    data = client.get(reverse("canned:render", args=[world["ticket"].pk, refund.pk])).json()
    assert data["text"].startswith("He revisado el pedido A-77 y hoy mismo")
    assert data["unfilled"] == []
    assert data["response_id"] == refund.response_id and data["variant_id"] == refund.pk
    assert data["language"] == "es"

    world["ticket"].customer.name = ""
    world["ticket"].customer.save()
    ack = starter_variant("ack-heard", "es")
    data = client.get(reverse("canned:render", args=[world["ticket"].pk, ack.pk])).json()
    assert data["text"].startswith("Hola, {{ customer.first_name }}:")
    assert data["unfilled"] == ["customer.first_name"]


def test_render_refuses_what_the_agent_may_not_use(world):
    client = login(world["ana"])
    ticket = world["ticket"]
    secret = world["shipping_only"].variants.get()
    assert client.get(reverse("canned:render", args=[ticket.pk, secret.pk])).status_code == 404
    ack = starter_variant("ack-heard", "es")
    # A ticket of another team: not even visible.
    assert client.get(reverse("canned:render", args=[world["other"].pk, ack.pk])).status_code == 404
    assert client.get(reverse("canned:suggestions", args=[world["other"].pk])).status_code == 404
    assert client.get(reverse("canned:render", args=[ticket.pk, 10**9])).status_code == 404
    CannedResponse.objects.filter(pk=ack.response_id).update(active=False)
    response = client.get(reverse("canned:render", args=[ticket.pk, ack.pk]))
    assert response.status_code == 404 and "detail" in response.json()
    assert client.get(f"/canned/tickets/{ticket.pk}/render/abc/").status_code == 404
    huge = "9" * 30
    assert client.get(f"/canned/tickets/{ticket.pk}/render/{huge}/").status_code == 404
    assert client.get(f"/canned/tickets/{huge}/render/{ack.pk}/").status_code == 404
    assert client.get(f"/canned/tickets/{huge}/suggestions/").status_code == 404
    assert client.get(f"/canned/{huge}/edit/").status_code == 404
    assert client.post(reverse("canned:render", args=[ticket.pk, ack.pk])).status_code == 405


def test_render_never_leaks_through_hostile_custom_fields(world):
    ticket = world["ticket"]
    ticket.custom_fields = {"order_number": "{{ settings.SECRET_KEY }}", "__class__": "x"}
    ticket.save(update_fields=["custom_fields"])
    refund = starter_variant("action-refund", "es")
    data = login(world["ana"]).get(reverse("canned:render", args=[ticket.pk, refund.pk])).json()
    assert "{{ ticket.custom.order_number }}" in data["text"]
    assert data["unfilled"] == ["ticket.custom.order_number"]


def test_picker_endpoints_query_counts_do_not_grow(world, desk):
    client = login(world["ana"])
    ticket = world["ticket"]
    variant = starter_variant("action-refund", "es")

    def grow():
        for n in range(30):
            services.create_response(
                by=world["root"],
                team=world["billing"] if n % 2 else None,
                title=f"Extra {n}",
                category=["action", "closing", "acknowledge"][n % 3],
                variants={
                    code: services.VariantText(body=f"Extra {n} text {{{{ customer.name }}}}.")
                    for code in ("en", "es", "ru")
                },
            )

    budgets = {}
    for name, url, params in (
        ("suggestions", reverse("canned:suggestions", args=[ticket.pk]), {}),
        ("search", reverse("canned:suggestions", args=[ticket.pk]), {"q": "Extra"}),
        ("render", reverse("canned:render", args=[ticket.pk, variant.pk]), {}),
    ):
        budgets[name] = assert_same_query_count(lambda u=url, p=params: client.get(u, p), grow)
    print("canned picker query counts:", budgets)
    for name, count in budgets.items():
        assert count <= BUDGETS[name], (name, count)


def test_picker_endpoints_max_queries(world, django_assert_max_num_queries):
    client = login(world["ana"])
    ticket = world["ticket"]
    client.get(reverse("canned:suggestions", args=[ticket.pk]))  # session warm-up
    with django_assert_max_num_queries(BUDGETS["suggestions"]):
        client.get(reverse("canned:suggestions", args=[ticket.pk]))
    with django_assert_max_num_queries(BUDGETS["render"]):
        client.get(
            reverse("canned:render", args=[ticket.pk, starter_variant("ack-heard", "es").pk])
        )


# --- the library ------------------------------------------------------------------------------


def test_agents_read_the_library_but_cannot_change_it(world):
    client = login(world["ana"])
    page = client.get(reverse("canned:library"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Acknowledge: the problem is real" in html
    assert "Shipping secret" not in html
    assert "/edit/" not in html and "New canned response" not in html
    ack = CannedResponse.objects.get(starter_key="ack-heard")
    assert client.get(reverse("canned:create")).status_code == 403
    assert (
        client.post(reverse("canned:create"), form_data(team=str(world["billing"].pk))).status_code
        == 403
    )
    assert client.get(reverse("canned:edit", args=[ack.pk])).status_code == 403
    assert client.post(reverse("canned:delete", args=[ack.pk])).status_code == 403
    assert (
        client.post(
            reverse("canned:copy", args=[ack.pk]), {"team": world["billing"].pk}
        ).status_code
        == 302
    )
    assert not CannedResponse.objects.filter(team=world["billing"]).exists()
    assert CannedResponse.objects.filter(pk=ack.pk).exists()


def test_library_filters_and_bad_filters(world):
    client = login(world["lee"])
    url = reverse("canned:library")
    boundary = client.get(url, {"category": "boundary", "language": "ru"}).content.decode()
    assert "Boundary: insults" in boundary and "Acknowledge:" not in boundary
    shared = client.get(url, {"team": "shared", "q": "refund"}).content.decode()
    assert "Action: duplicate charge refunded" in shared
    mine = client.get(url, {"team": str(world["billing"].pk)}).content.decode()
    assert "No canned responses match these filters." in mine
    for bad in ({"category": "evil"}, {"language": "fr"}, {"team": "1 OR 1=1"}, {"q": "x" * 500}):
        assert client.get(url, bad).status_code == 400


def test_lead_creates_edits_and_deletes_for_own_team(world):
    client = login(world["lee"])
    billing = world["billing"]
    response = client.post(
        reverse("canned:create"),
        form_data(team=str(billing.pk), body_es="He devuelto el pedido; le llegará en 5 días."),
    )
    assert response.status_code == 302
    created = CannedResponse.objects.get(title="Refund done")
    assert created.team == billing and created.created_by == world["lee"]
    assert set(created.variants.values_list("language", flat=True)) == {"en", "es"}

    edit_url = reverse("canned:edit", args=[created.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        form_data(
            team=str(billing.pk),
            title="Refund issued",
            body_en="",
            body_ru="Мы вернули деньги; они придут завтра.",
        ),
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.title == "Refund issued"
    assert set(created.variants.values_list("language", flat=True)) == {"ru"}

    assert client.post(reverse("canned:delete", args=[created.pk])).status_code == 302
    assert not CannedResponse.objects.filter(pk=created.pk).exists()


def test_lead_cannot_touch_shared_or_other_teams_responses(world):
    client = login(world["lee"])
    ack = CannedResponse.objects.get(starter_key="ack-heard")
    assert client.get(reverse("canned:edit", args=[ack.pk])).status_code == 403
    assert client.post(reverse("canned:delete", args=[ack.pk])).status_code == 403
    secret = world["shipping_only"]
    assert client.get(reverse("canned:edit", args=[secret.pk])).status_code == 404
    # Creating in the shared library or another team: not a choice for a lead.
    for team in ("shared", str(world["shipping"].pk)):
        response = client.post(reverse("canned:create"), form_data(team=team))
        assert response.status_code == 400
    assert not CannedResponse.objects.filter(title="Refund done").exists()
    # …but a lead can copy the shared one into their team and edit the copy.
    response = client.post(reverse("canned:copy", args=[ack.pk]), {"team": world["billing"].pk})
    copy = CannedResponse.objects.get(team=world["billing"], title=ack.title)
    assert response.status_code == 302 and response["Location"].endswith(f"/canned/{copy.pk}/edit/")
    assert copy.variants.count() == 3 and copy.starter_key == ""
    bad = client.post(reverse("canned:copy", args=[ack.pk]), {"team": world["shipping"].pk})
    assert bad.status_code == 302
    assert not CannedResponse.objects.filter(team=world["shipping"], title=ack.title).exists()


def test_admin_edits_the_shared_library(world):
    client = login(world["root"])
    ack = CannedResponse.objects.get(starter_key="ack-heard")
    data = form_data(
        team="shared",
        title="Acknowledge (edited)",
        category="acknowledge",
        body_en="Hi {{ customer.first_name }}, thank you. I'm on it now.",
    )
    assert client.post(reverse("canned:edit", args=[ack.pk]), data).status_code == 302
    ack.refresh_from_db()
    assert ack.title == "Acknowledge (edited)" and ack.team is None
    assert ack.variants.get().body.startswith("Hi {{ customer.first_name }}, thank you.")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"body_en": "Hi {{ settings.SECRET_KEY }} and {{ ticket.delete }}"}, "Unknown variables"),
        ({"body_en": "{% load static %}hi"}, "Template tags"),
        ({"body_en": "Hi {{ customer.first_name }"}, "Unbalanced"),
        ({"body_en": "x" * 5001}, "limit is 5000"),
        ({"body_en": "x" * 50000}, "at most"),
        ({"body_en": ""}, "at least one language"),
        ({"title": ""}, "required"),
        ({"title": "x" * 500}, "at most"),
        ({"category": "evil"}, "valid choice"),
        ({"team": "abc"}, "valid choice"),
        ({"title_es": "t" * 300, "body_es": "Hola."}, "at most"),
    ],
)
def test_hostile_form_input_is_refused_with_a_clear_error(world, overrides, expected):
    client = login(world["lee"])
    before = CannedResponse.objects.count()
    data = form_data(team=str(world["billing"].pk))
    data.update(overrides)
    response = client.post(reverse("canned:create"), data)
    assert response.status_code == 400
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert CannedResponse.objects.count() == before


def test_html_in_a_body_is_kept_as_text_and_escaped_on_the_page(world):
    client = login(world["lee"])
    body = "<script>alert(1)</script> I have fixed it; expect an e-mail tomorrow."
    client.post(reverse("canned:create"), form_data(team=str(world["billing"].pk), body_en=body))
    variant = CannedVariant.objects.get(response__title="Refund done")
    assert variant.body == body
    page = client.get(reverse("canned:library"), {"q": "fixed it"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_edit_form_keeps_what_was_typed_after_an_error(world):
    client = login(world["lee"])
    data = form_data(team=str(world["billing"].pk), body_es="Hola {{ cliente.nombre }}, ya está.")
    response = client.post(reverse("canned:create"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Hola {{ cliente.nombre }}, ya está." in html
    assert "{{ cliente.nombre }}" in html and "Unknown variable" in html


def test_library_query_count_does_not_grow(world):
    client = login(world["root"])

    def grow():
        for n in range(25):
            services.create_response(
                by=world["root"],
                team=[world["billing"], world["shipping"], None][n % 3],
                title=f"More {n}",
                category="action",
                variants={c: services.VariantText(body=f"Text {n}.") for c in ("en", "es", "ru")},
            )

    count = assert_same_query_count(lambda: client.get(reverse("canned:library")), grow)
    print("canned library query count:", count)
    assert count <= BUDGETS["library"]


def test_django_admin_lists_and_edits_responses(world):
    client = login(world["root"])
    ack = CannedResponse.objects.get(starter_key="ack-heard")
    assert client.get(reverse("admin:canned_cannedresponse_changelist")).status_code == 200
    page = client.get(reverse("admin:canned_cannedresponse_change", args=[ack.pk]))
    assert page.status_code == 200 and "customer.first_name" in page.content.decode()
    agent_client = login(world["ana"])
    assert agent_client.get(reverse("admin:canned_cannedresponse_changelist")).status_code == 302


def test_admin_bulk_delete_reaches_the_personal_touch_check(
    world, django_capture_on_commit_callbacks
):
    ticket = world["ticket"]
    draft = services.render_response(
        CannedResponse.objects.get(starter_key="action-refund"), ticket=ticket, language="es"
    ).text
    assert personal_touch_findings(draft=draft, ticket=ticket, language="es")
    refund = CannedResponse.objects.get(starter_key="action-refund")
    with django_capture_on_commit_callbacks(execute=True):
        response = login(world["root"]).post(
            reverse("admin:canned_cannedresponse_changelist"),
            {"action": "delete_selected", "_selected_action": [refund.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not CannedResponse.objects.filter(pk=refund.pk).exists()
    assert personal_touch_findings(draft=draft, ticket=ticket, language="es") == []


def test_model_validation_rejects_unknown_variables(world):
    from django.core.exceptions import ValidationError

    variant = CannedVariant(
        response=CannedResponse.objects.get(starter_key="ack-heard"),
        language="en",
        body="{{ request.user }}",
    )
    with pytest.raises(ValidationError) as caught:
        variant.full_clean(exclude=["response"])
    assert "{{ request.user }}" in json.dumps(caught.value.message_dict)
    assert rendering.template_problems("{{ request.user }}")
