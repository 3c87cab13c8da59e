"""Playbooks fit tickets by team, channel, tag and the coach's reading; ticks are timeline events;
every save is a version."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tactful.playbooks import selectors, services, steps
from tactful.playbooks.models import Playbook, PlaybookVariant, PlaybookVersion
from tactful.tickets import services as ticket_services
from tactful.tickets.events import Names
from tactful.tickets.models import Ticket, TicketEvent
from tactful.tickets.presenters import describe_event

pytestmark = pytest.mark.django_db

STEPS_EN = "Do this first.\n\n1. Check the charge\n2. Refund the duplicate\n3. Say when it arrives"
STEPS_ES = "Primero.\n\n1. Comprueba el cargo\n2. Devuelve el duplicado\n3. Di cuándo llega"


def draft(name="Double charge", *, where=None, variants=None, **kwargs):
    return services.PlaybookDraft(
        name=name,
        where=where or services.Where(signals=("company_fault",)),
        variants={
            "en": services.VariantText(title="Double charge", body=STEPS_EN),
            "es": services.VariantText(title="Cobro doble", body=STEPS_ES),
        }
        if variants is None
        else variants,
        **kwargs,
    )


@pytest.fixture
def lead(desk):
    return desk.lead("lead")


def signals(ticket, **values):
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    ticket.refresh_from_db()
    return ticket


def names(ticket):
    return [m.playbook.name for m in selectors.for_ticket(ticket)]


# --- the starter playbooks --------------------------------------------------------------------


def test_the_starter_playbooks_ship_in_three_languages_with_the_same_steps():
    starters = Playbook.objects.exclude(starter_key="").prefetch_related("variants")
    assert sorted(p.starter_key for p in starters) == [
        "abuse_or_threat",
        "angry_customer",
        "dead_end",
        "our_mistake",
    ]
    for playbook in starters:
        counts = {v.language: steps.count_steps(v.body) for v in playbook.variants.all()}
        assert set(counts) == {"en", "es", "ru"}
        assert len(set(counts.values())) == 1 and min(counts.values()) >= 4
        assert playbook.versions.get().number == 1


def test_starter_playbooks_follow_the_balance_rules():
    """Action by default, one apology, boundaries: the texts say so in every language."""
    bodies = {
        (v.playbook.starter_key, v.language): v.body
        for v in PlaybookVariant.objects.select_related("playbook").exclude(
            playbook__starter_key=""
        )
    }
    for language, once in (("en", "**once**"), ("es", "**una sola vez**"), ("ru", "**один раз**")):
        assert once in bodies[("our_mistake", language)]
    for language, hand_over in (("en", "Hand over"), ("es", "Traspasar"), ("ru", "Передать")):
        assert hand_over in bodies[("abuse_or_threat", language)]


def test_loading_the_starters_again_adds_nothing():
    assert services.load_starter() == 0


# --- which playbooks fit ----------------------------------------------------------------------


def test_the_coach_reading_our_fault_brings_the_mistake_playbook(desk):
    ticket = desk.ticket(body="You charged me twice.")
    assert "We got it wrong (double charge, broken promise)" not in names(ticket)
    signals(ticket, company_fault=True)
    match = next(m for m in selectors.for_ticket(ticket) if m.playbook.starter_key == "our_mistake")
    assert match.reasons == ("company_fault",)


def test_abuse_threat_dead_end_and_strong_anger_each_bring_theirs(desk):
    ticket = desk.ticket()
    signals(ticket, abuse=True)
    assert any(m.playbook.starter_key == "abuse_or_threat" for m in selectors.for_ticket(ticket))
    signals(ticket, abuse=False, threat=True)
    assert any(m.playbook.starter_key == "abuse_or_threat" for m in selectors.for_ticket(ticket))
    ticket_services.set_tags(ticket=ticket, names=["dead-end"], by=None)
    assert any(m.playbook.starter_key == "dead_end" for m in selectors.for_ticket(ticket))
    signals(ticket, emotion="anger", intensity=0.4)
    assert not any(m.playbook.starter_key == "angry_customer" for m in selectors.for_ticket(ticket))
    signals(ticket, emotion="anger", intensity=0.8)
    assert any(m.playbook.starter_key == "angry_customer" for m in selectors.for_ticket(ticket))


def test_teams_and_channels_narrow_a_playbook_down(desk, lead):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    lead.teams.add(billing)
    playbook = services.save_playbook(
        draft=draft(
            where=services.Where(team_ids=(billing.pk,), channels=("chat",), tags=("refund",))
        ),
        by=lead,
    )
    in_billing_chat = desk.ticket(team=billing, channel="chat")
    ticket_services.set_tags(ticket=in_billing_chat, names=["Refund"], by=None)
    assert playbook.name in names(in_billing_chat)
    by_email = desk.ticket(team=billing, channel="email")
    ticket_services.set_tags(ticket=by_email, names=["refund"], by=None)
    assert playbook.name not in names(by_email)
    in_shipping = desk.ticket(team=shipping, channel="chat")
    ticket_services.set_tags(ticket=in_shipping, names=["refund"], by=None)
    assert playbook.name not in names(in_shipping)


def test_a_playbook_without_triggers_shows_on_every_ticket_of_its_scope(desk, lead):
    playbook = services.save_playbook(
        draft=draft("Phone calls", where=services.Where(channels=("phone",))), by=lead
    )
    assert playbook.name in names(desk.ticket(channel="phone"))
    assert playbook.name not in names(desk.ticket(channel="email"))


def test_an_inactive_playbook_shows_nowhere(desk, lead):
    playbook = services.save_playbook(draft=draft(active=False), by=lead)
    ticket = signals(desk.ticket(), company_fault=True)
    assert playbook.name not in names(ticket)


# --- ticking steps off ------------------------------------------------------------------------


@pytest.fixture
def at_fault(desk, lead):
    playbook = services.save_playbook(draft=draft(), by=lead)
    ticket = signals(desk.ticket(), company_fault=True)
    return ticket, playbook


def test_a_ticked_step_is_an_event_on_the_ticket_and_its_progress(desk, at_fault):
    ticket, playbook = at_fault
    agent = desk.agent("ana", language="es")
    row = services.check_step(ticket=ticket, playbook=playbook, number=2, done=True, by=agent)
    assert row is not None
    assert row.kind == "playbook_step" and row.actor == agent
    assert row.data["step"] == 2 and row.data["done"] is True
    # Ana reads Spanish: the step's text on the timeline is the one she ticked.
    assert row.data["text"] == "Devuelve el duplicado"
    match = next(m for m in selectors.for_ticket(ticket) if m.playbook.pk == playbook.pk)
    assert match.steps[2].done and match.steps[2].by == "Ana"
    assert describe_event(row, Names()) == "“Double charge”: step 2 done (Devuelve el duplicado)"


def test_ticking_the_same_state_twice_records_once(desk, at_fault):
    ticket, playbook = at_fault
    agent = desk.agent()
    assert services.check_step(ticket=ticket, playbook=playbook, number=1, done=True, by=agent)
    assert (
        services.check_step(ticket=ticket, playbook=playbook, number=1, done=True, by=agent) is None
    )
    assert TicketEvent.objects.filter(ticket=ticket, kind="playbook_step").count() == 1


def test_the_last_step_completes_the_playbook_once(desk, at_fault):
    ticket, playbook = at_fault
    agent = desk.agent()
    for number in (1, 2, 3):
        services.check_step(ticket=ticket, playbook=playbook, number=number, done=True, by=agent)
    assert TicketEvent.objects.filter(ticket=ticket, kind="playbook_done").count() == 1
    services.check_step(ticket=ticket, playbook=playbook, number=3, done=False, by=agent)
    services.check_step(ticket=ticket, playbook=playbook, number=3, done=True, by=agent)
    assert TicketEvent.objects.filter(ticket=ticket, kind="playbook_done").count() == 2
    kinds = list(ticket.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == ["playbook_step", "playbook_done"]


def test_ticks_stay_visible_after_the_trigger_is_gone(desk, at_fault):
    ticket, playbook = at_fault
    services.check_step(ticket=ticket, playbook=playbook, number=1, done=True, by=desk.agent())
    signals(ticket, company_fault=False)
    match = next(m for m in selectors.for_ticket(ticket) if m.playbook.pk == playbook.pk)
    assert match.reasons == () and match.steps[1].done


def test_a_step_out_of_range_or_a_playbook_that_does_not_fit_is_refused(desk, at_fault, lead):
    ticket, playbook = at_fault
    agent = desk.agent()
    for number in (0, 4, 10_000):
        with pytest.raises(ValidationError):
            services.check_step(
                ticket=ticket, playbook=playbook, number=number, done=True, by=agent
            )
    other = services.save_playbook(
        draft=draft("Phones only", where=services.Where(channels=("phone",))), by=lead
    )
    with pytest.raises(ValidationError):
        services.check_step(ticket=ticket, playbook=other, number=1, done=True, by=agent)


def test_an_agent_who_cannot_see_the_ticket_cannot_tick(desk, lead):
    billing = desk.team("Billing")
    playbook = services.save_playbook(draft=draft(where=services.Where()), by=lead)
    ticket = desk.ticket(team=billing)
    outsider = desk.agent("outsider", teams=[desk.team("Other")])
    with pytest.raises(PermissionDenied):
        services.check_step(ticket=ticket, playbook=playbook, number=1, done=True, by=outsider)


# --- writing and versions ---------------------------------------------------------------------


def test_every_save_is_a_version_with_who_and_what_changed(desk, lead):
    playbook = services.save_playbook(draft=draft(), by=lead)
    first = PlaybookVersion.objects.get(playbook=playbook)
    assert (first.number, first.edited_by, first.changes) == (1, lead, ["created"])
    other = desk.lead("other")
    changed = draft(
        variants={
            "en": services.VariantText(title="Double charge", body=STEPS_EN + " by Friday"),
            "es": services.VariantText(title="Cobro doble", body=STEPS_ES),
        },
        where=services.Where(signals=("company_fault",), tags=("billing",)),
    )
    playbook = services.save_playbook(draft=changed, by=other, playbook=playbook)
    assert playbook.version == 2
    second = playbook.versions.get(number=2)
    assert second.edited_by == other and second.changes == ["where", "text:en"]
    assert second.snapshot["variants"]["en"]["body"].endswith("by Friday")
    assert first.snapshot["variants"]["en"]["body"] == STEPS_EN


def test_saving_without_a_change_writes_no_version(lead):
    playbook = services.save_playbook(draft=draft(), by=lead)
    services.save_playbook(draft=draft(), by=lead, playbook=playbook)
    assert playbook.versions.count() == 1


def test_restoring_an_old_version_saves_it_as_the_newest(lead):
    playbook = services.save_playbook(draft=draft(), by=lead)
    playbook = services.save_playbook(draft=draft("Renamed"), by=lead, playbook=playbook)
    playbook = services.restore_version(playbook=playbook, number=1, by=lead)
    assert playbook.name == "Double charge" and playbook.version == 3
    assert playbook.versions.get(number=3).changes == ["name"]


def test_languages_must_have_the_same_steps(lead):
    uneven = draft(
        variants={
            "en": services.VariantText(title="x", body="1. one\n2. two"),
            "ru": services.VariantText(title="x", body="1. один"),
        }
    )
    with pytest.raises(ValidationError) as error:
        services.save_playbook(draft=uneven, by=lead)
    assert "same steps" in str(error.value)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"variants": {"en": services.VariantText(title="x", body="no steps here")}}, "body_en"),
        (
            {"variants": {"en": services.VariantText(title="x", body="1. " + "x" * 20_001)}},
            "body_en",
        ),
        ({"variants": {"fr": services.VariantText(title="x", body="1. un")}}, "__all__"),
        ({"variants": {}}, "__all__"),
        ({"where": services.Where(channels=("pigeon",))}, "channels"),
        ({"where": services.Where(signals=("rage",))}, "signals"),
        ({"where": services.Where(emotions=("joy!",))}, "emotions"),
        ({"where": services.Where(min_intensity=float("nan"))}, "min_intensity"),
        ({"where": services.Where(min_intensity=2.0)}, "min_intensity"),
        ({"where": services.Where(tags=("x" * 51,))}, "tags"),
        ({"where": services.Where(team_ids=(999_999,))}, "teams"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(lead, change, field):
    options = dict(change)
    name = options.pop("name", "Double charge")
    with pytest.raises(ValidationError) as error:
        services.save_playbook(draft=draft(name, **options), by=lead)
    assert field in getattr(error.value, "error_dict", {"__all__": None})


def test_agents_cannot_write_playbooks_and_leads_only_for_their_teams(desk, lead):
    with pytest.raises(PermissionDenied):
        services.save_playbook(draft=draft(), by=desk.agent())
    foreign = desk.team("Not mine")
    with pytest.raises(PermissionDenied):
        services.save_playbook(draft=draft(where=services.Where(team_ids=(foreign.pk,))), by=lead)
    assert services.save_playbook(
        draft=draft(where=services.Where(team_ids=(foreign.pk,))), by=desk.admin()
    )
