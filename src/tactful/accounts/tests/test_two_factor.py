"""Optional TOTP two-factor login for agents, required of admins when the setting says so."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tactful.accounts.models import AuditEvent, AuditKind

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def no_otp_delay(settings):
    # django-otp waits longer after each wrong code; these tests type a right one right after.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _code(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + later * device.step
    return f"{totp.token():0{device.digits}d}"


def _log_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def _turn_on(client: Client, agent) -> TOTPDevice:
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200 and "two-factor-secret" in page.content.decode()
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert client.post(reverse("accounts:two_factor"), {"code": "000000"}).status_code == 400
    response = client.post(reverse("accounts:two_factor"), {"code": _code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_an_agent_turns_it_on_and_then_owes_a_code_after_the_password(desk):
    agent = desk.agent("ana")
    client = Client()
    _log_in(client, "ana")
    device = _turn_on(client, agent)
    assert AuditEvent.objects.filter(kind=AuditKind.TWO_FACTOR_ON, agent=agent).exists()
    client.post(reverse("logout"))

    _log_in(client, "ana")
    inbox = client.get(reverse("inbox:inbox"))
    assert inbox.status_code == 302 and reverse("accounts:two_factor_verify") in inbox["Location"]
    assert client.get("/api/v1/tickets").status_code == 302  # the session is not yet trusted
    wrong = client.post(reverse("accounts:two_factor_verify"), {"code": "123456"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(kind=AuditKind.TWO_FACTOR_FAILED).count() == 1
    right = client.post(reverse("accounts:two_factor_verify"), {"code": _code(device, later=1)})
    assert right.status_code == 302
    assert client.get(reverse("inbox:inbox")).status_code == 200


def test_admins_must_set_it_up_when_the_setting_says_so(desk, settings):
    settings.TACTFUL_REQUIRE_2FA_FOR_ADMINS = True
    admin = desk.admin("root")
    client = Client()
    _log_in(client, "root")
    blocked = client.get(reverse("inbox:inbox"))
    assert blocked.status_code == 302 and reverse("accounts:two_factor") in blocked["Location"]
    assert client.get(reverse("admin:index")).status_code == 302
    device = _turn_on(client, admin)
    assert client.get(reverse("inbox:inbox")).status_code == 200
    # ...and may not turn it off again.
    off = client.post(
        reverse("accounts:two_factor"), {"action": "off", "code": _code(device, later=1)}
    )
    assert off.status_code == 400 and TOTPDevice.objects.filter(user=admin).exists()
    # Agents are not obliged.
    desk.agent("ana")
    other = Client()
    _log_in(other, "ana")
    assert other.get(reverse("inbox:inbox")).status_code == 200


def test_turning_it_off_takes_a_right_code(desk):
    agent = desk.agent("ana")
    client = Client()
    _log_in(client, "ana")
    device = _turn_on(client, agent)
    wrong = client.post(reverse("accounts:two_factor"), {"action": "off", "code": "000000"})
    assert wrong.status_code == 400 and TOTPDevice.objects.filter(user=agent).exists()
    right = client.post(
        reverse("accounts:two_factor"), {"action": "off", "code": _code(device, later=1)}
    )
    assert right.status_code == 302 and not TOTPDevice.objects.filter(user=agent).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.TWO_FACTOR_OFF).exists()


def test_wrong_codes_slow_down_the_next_ones(desk, settings):
    agent = desk.agent("ana")
    client = Client()
    _log_in(client, "ana")
    device = _turn_on(client, agent)
    settings.OTP_TOTP_THROTTLE_FACTOR = 10
    client.post(reverse("logout"))
    _log_in(client, "ana")
    client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    # Right after a wrong code even the right one is refused (django-otp's own throttle).
    late = client.post(reverse("accounts:two_factor_verify"), {"code": _code(device, later=1)})
    assert late.status_code == 400


@pytest.mark.parametrize("code", ["x" * 5000, "", "\x00", "１２３４５６", "12 34 56", "-1", "1e6"])
def test_hostile_codes_are_refused_quietly(desk, code):
    agent = desk.agent("ana")
    client = Client()
    _log_in(client, "ana")
    _turn_on(client, agent)
    client.post(reverse("logout"))
    _log_in(client, "ana")
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert response.status_code == 400
    assert client.get(reverse("inbox:inbox")).status_code == 302


def test_api_tokens_are_a_separate_door(desk):
    agent = desk.agent("ana")
    TOTPDevice.objects.create(user=agent, name="app", confirmed=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {desk.token(agent)}")
    assert client.get("/api/v1/me").status_code == 200


def test_the_code_page_only_redirects_those_who_owe_nothing(desk, client):
    client.force_login(desk.agent("ana"))
    page = client.get(reverse("accounts:two_factor_verify"), {"next": "https://evil.example/"})
    assert page.status_code == 302 and page["Location"] == reverse("inbox:inbox")
