"""Logins and API tokens are throttled per account and per address; an admin lifts the lock;
the audit log records who logged in, failed, was locked, changed roles and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tactful.accounts import security, services
from tactful.accounts.models import AuditEvent, AuditKind, Lockout, LockoutScope, Role
from tactful.api.models import ApiToken
from tactful.api.services import revoke_token
from tactful.desk.testing import assert_same_query_count

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"
LOCKED_WORDS = "Too many failed attempts"
WRONG_WORDS = "didn&#x27;t match"


def _login(client: Client, username: str, password: str, address: str = "198.51.100.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_lock_the_account_until_an_admin_lifts_it(desk, client):
    desk.agent("ana")
    statuses = [_login(client, "ana", f"guess-{n}").status_code for n in range(30)]
    limit = 5
    # Wrong passwords answer the form again; from the fifth on, the lock is said plainly.
    assert statuses[: limit - 1] == [200] * (limit - 1)
    assert statuses[limit - 1 :] == [429] * (30 - limit + 1)
    refused = _login(client, "ana", PASSWORD)
    assert refused.status_code == 429 and LOCKED_WORDS in refused.content.decode()
    assert not _logged_in(client)
    # Another address does not unlock the account.
    assert _login(client, "ana", PASSWORD, address="192.0.2.50").status_code == 429

    lockout = Lockout.objects.get(scope=LockoutScope.ACCOUNT, key="ana")
    admin_client = Client()
    admin_client.force_login(desk.admin("root"))
    page = admin_client.get(reverse("accounts:security"))
    assert page.status_code == 200 and "ana" in page.content.decode()
    lifted = admin_client.post(reverse("accounts:lift_lockout", args=[lockout.pk]))
    assert lifted.status_code == 302
    # The failures before the lift no longer count: one more wrong password does not relock.
    assert _login(client, "ana", "one-more-guess").status_code == 200
    assert _login(client, "ana", PASSWORD).status_code == 302
    assert _logged_in(client)
    kinds = set(AuditEvent.objects.values_list("kind", flat=True))
    assert {
        AuditKind.LOGIN_FAILED,
        AuditKind.LOCKOUT,
        AuditKind.LOGIN_REFUSED,
        AuditKind.LOCKOUT_LIFTED,
        AuditKind.LOGIN,
    } <= kinds


def test_a_lock_ends_by_itself(desk, client):
    desk.agent("ana")
    for n in range(5):
        _login(client, "ana", f"guess-{n}")
    assert _login(client, "ana", PASSWORD).status_code == 429
    Lockout.objects.update(until=timezone.now() - timedelta(seconds=1))
    assert _login(client, "ana", PASSWORD).status_code == 302


def test_unknown_usernames_are_locked_and_worded_alike(desk, client):
    """Nothing tells an attacker whether the account exists."""
    desk.agent("ana")
    real = [_login(client, "ana", f"g{n}") for n in range(7)]
    ghost = [_login(client, "nobody-here", f"g{n}") for n in range(7)]
    assert [r.status_code for r in real] == [r.status_code for r in ghost]
    for a, b in zip(real, ghost, strict=True):
        assert (LOCKED_WORDS in a.content.decode()) == (LOCKED_WORDS in b.content.decode())
        assert (WRONG_WORDS in a.content.decode()) == (WRONG_WORDS in b.content.decode())


def test_usernames_differing_in_case_share_one_count(desk, client):
    desk.agent("ana")
    for n, name in enumerate(["ana", "ANA", "Ana", " ana", "aNa"]):
        _login(client, name, f"g{n}")
    assert _login(client, "ana", PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_locked(desk, client):
    desk.agent("ana")
    for n in range(20):
        assert _login(client, f"user{n}", "guess", address="203.0.113.9").status_code in {200, 429}
    assert Lockout.objects.filter(scope=LockoutScope.LOGIN_ADDRESS, key="203.0.113.9").exists()
    # No single account reached its own limit, yet the address may not log anyone in...
    assert _login(client, "ana", PASSWORD, address="203.0.113.9").status_code == 429
    # ...while the same account from elsewhere still can.
    assert _login(client, "ana", PASSWORD, address="198.51.100.1").status_code == 302


def test_a_forwarded_for_header_is_ignored_without_trusted_proxies(desk, client):
    """A client cannot dodge the address lock by claiming another address."""
    for n in range(20):
        client.post(
            reverse("login"),
            {"username": f"user{n}", "password": "x"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert Lockout.objects.filter(scope=LockoutScope.LOGIN_ADDRESS, key="203.0.113.9").exists()


def test_the_admin_login_is_throttled_too(desk, client):
    desk.admin("root")
    for n in range(5):
        client.post(
            reverse("admin:login"), {"username": "root", "password": f"g{n}"}, REMOTE_ADDR="::1"
        )
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert LOCKED_WORDS in response.content.decode() and not _logged_in(client)


@pytest.mark.parametrize(
    "username",
    ["x" * 10_000, "nul\x00byte", "<script>alert(1)</script>", "' OR 1=1 --", "ана", ""],
)
def test_hostile_usernames_are_refused_quietly(desk, client, username):
    response = client.post(
        reverse("login"), {"username": username, "password": "x"}, REMOTE_ADDR="not-an-ip"
    )
    assert response.status_code in {200, 429}
    assert not _logged_in(client)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_lock_is_said_in_the_agents_language(desk, client):
    desk.agent("ana")
    for n in range(5):
        _login(client, "ana", f"g{n}")
    response = client.post(
        reverse("login"),
        {"username": "ana", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 429
    assert LOCKED_WORDS not in response.content.decode()


# --- API tokens ----------------------------------------------------------------------------


def _api(client: Client, token: str, address: str = "198.51.100.20"):
    return client.get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address)


def test_guessing_api_tokens_locks_the_address(desk, client, settings):
    good = desk.token(desk.agent("bot"))
    statuses = [_api(client, f"tct_guess{n:04d}").status_code for n in range(25)]
    limit = settings.TACTFUL_TOKEN_ADDRESS_FAILURES
    assert statuses[: limit - 1] == [401] * (limit - 1)
    assert statuses[limit - 1 :] == [429] * (25 - limit + 1)
    locked = _api(client, good)
    # The right token is refused too, or the lock would not slow a guesser down.
    assert locked.status_code == 429 and set(locked.json()) == {"detail"}
    assert _api(client, good, address="192.0.2.1").status_code == 200
    # Through the other header as well.
    other_header = client.get("/api/v1/tickets", HTTP_X_API_TOKEN=good, REMOTE_ADDR="198.51.100.20")
    assert other_header.status_code == 429
    lockout = Lockout.objects.get(scope=LockoutScope.TOKEN_ADDRESS)
    security.lift_lockout(lockout=lockout, by=desk.admin())
    assert _api(client, good).status_code == 200


@pytest.mark.parametrize(
    "token", ["x" * 5000, "tct_" + "\u202e" * 50, "tct_' OR 1=1 --", "Bearer", "tct_"]
)
def test_hostile_tokens_are_401(desk, client, token):
    response = _api(client, token)
    assert response.status_code == 401 and set(response.json()) == {"detail"}


def test_a_revoked_token_is_401_and_counted(desk, client):
    agent = desk.agent("bot")
    raw = desk.token(agent)
    revoke_token(token=ApiToken.objects.get(agent=agent), by=desk.admin())
    assert _api(client, raw).status_code == 401
    assert AuditEvent.objects.filter(kind=AuditKind.TOKEN_FAILED).count() == 1


def test_a_good_token_costs_no_extra_query(desk, client, django_assert_max_num_queries):
    raw = desk.token(desk.agent("bot"))
    _api(client, raw)
    # Token (with the lock folded in) + the list's own queries; no separate lock lookup.
    with django_assert_max_num_queries(4):
        assert _api(client, raw).status_code == 200


# --- audit log -----------------------------------------------------------------------------


def test_roles_and_tokens_are_audited_with_who_did_it(desk):
    admin = desk.admin("root")
    agent = desk.agent("ana")
    services.set_role(agent=agent, role=Role.LEAD, by=admin)
    event = AuditEvent.objects.get(kind=AuditKind.ROLE_CHANGED)
    assert (event.actor, event.agent, event.detail) == (
        admin,
        agent,
        {"previous": "agent", "role": "lead"},
    )
    services.set_role(agent=agent, role=Role.LEAD, by=admin)  # no change, no event
    assert AuditEvent.objects.filter(kind=AuditKind.ROLE_CHANGED).count() == 1


def test_the_django_admin_audits_roles_and_tokens(desk):
    admin = desk.admin("root")
    agent = desk.agent("ana")
    client = Client()
    client.force_login(admin)
    change = reverse("admin:accounts_agent_change", args=[agent.pk])
    form = client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        role="lead",
        teams=[],
        groups=[],
        user_permissions=[],
        date_joined_0=agent.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=agent.date_joined.strftime("%H:%M:%S"),
        answers_languages="[]",
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert AuditEvent.objects.filter(kind=AuditKind.ROLE_CHANGED, actor=admin).exists()

    added = client.post(
        reverse("admin:api_apitoken_add"), {"agent": agent.pk, "name": "CRM", "revoked": ""}
    )
    assert added.status_code == 302
    token = ApiToken.objects.get(name="CRM")
    assert AuditEvent.objects.filter(kind=AuditKind.TOKEN_ISSUED, actor=admin).exists()
    client.post(
        reverse("admin:api_apitoken_change", args=[token.pk]),
        {"agent": agent.pk, "name": "CRM", "revoked": "on"},
    )
    assert AuditEvent.objects.filter(kind=AuditKind.TOKEN_REVOKED, actor=admin).exists()


def test_only_admins_read_the_audit_log_and_lift_locks(desk, client):
    lockout = Lockout.objects.create(
        scope=LockoutScope.ACCOUNT, key="ana", until=timezone.now() + timedelta(hours=1)
    )
    assert client.get(reverse("accounts:security")).status_code == 302  # to the login page
    for person in (desk.agent(), desk.lead()):
        client.force_login(person)
        assert client.get(reverse("accounts:security")).status_code == 403
        lift = client.post(reverse("accounts:lift_lockout", args=[lockout.pk]))
        assert lift.status_code == 403
    lockout.refresh_from_db()
    assert lockout.active
    client.force_login(desk.admin())
    assert client.get(reverse("accounts:lift_lockout", args=[lockout.pk])).status_code == 405
    assert client.post(reverse("accounts:lift_lockout", args=[999_999])).status_code == 404


def test_the_audit_page_costs_the_same_queries_with_more_events(desk, client):
    admin = desk.admin("root")
    client.force_login(admin)

    def grow() -> None:
        for n in range(30):
            agent = desk.agent()
            services.set_role(agent=agent, role=Role.LEAD, by=admin)
            security.record_login_failure(username=f"ghost{n}", address=f"192.0.2.{n}")

    assert_same_query_count(lambda: client.get(reverse("accounts:security")), grow)


# Not named ``page``: pytest-playwright takes a test with that argument for a browser test
# (it ran in Chromium's group, whose transactional flush then emptied the starter data).
@pytest.mark.parametrize("page_number", ["-1", "0", "x" * 2000, "99999999999999999999", "1%00"])
def test_the_audit_page_shrugs_off_hostile_page_numbers(desk, client, page_number):
    client.force_login(desk.admin())
    assert client.get(reverse("accounts:security"), {"page": page_number}).status_code == 200


def test_the_django_admin_lifts_locks_too(desk):
    lockout = Lockout.objects.create(
        scope=LockoutScope.LOGIN_ADDRESS,
        key="203.0.113.9",
        until=timezone.now() + timedelta(hours=1),
    )
    admin = desk.admin("root")
    client = Client()
    client.force_login(admin)
    changelist = reverse("admin:accounts_lockout_changelist")
    assert "203.0.113.9" in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "lift", "_selected_action": [lockout.pk]})
    assert response.status_code == 302
    lockout.refresh_from_db()
    assert not lockout.active and lockout.lifted_by == admin
    assert AuditEvent.objects.filter(kind=AuditKind.LOCKOUT_LIFTED, actor=admin).exists()
