"""Teams and agents endpoints: scoped like the tickets, hostile ids, query budgets."""

from __future__ import annotations

import pytest
from django.test import Client

from tactful.desk.testing import assert_same_query_count

pytestmark = pytest.mark.django_db


def api_get(token, path, params=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(f"/api/v1{path}", params or {}, headers=headers)


@pytest.fixture
def world(desk):
    billing, shipping = desk.team("Billing"), desk.team("Shipping")
    ana = desk.agent("ana", teams=[billing])
    bea = desk.agent("bea", teams=[billing])
    oleg = desk.agent("oleg", teams=[shipping])
    admin = desk.admin("adam")
    return {
        "billing": billing,
        "shipping": shipping,
        "ana": ana,
        "bea": bea,
        "oleg": oleg,
        "ana_token": desk.token(ana),
        "admin_token": desk.token(admin),
    }


def test_an_agent_sees_their_teams_and_teammates_only(world):
    token = world["ana_token"]
    teams = api_get(token, "/teams").json()
    assert [t["name"] for t in teams["items"]] == ["Billing"]
    assert teams["items"][0]["member_count"] == 2
    agents = api_get(token, "/agents").json()["items"]
    assert [a["username"] for a in agents] == ["ana", "bea"]
    assert agents[0]["teams"] == [{"id": world["billing"].pk, "name": "Billing"}]
    assert api_get(token, f"/teams/{world['shipping'].pk}").status_code == 404
    assert api_get(token, f"/agents/{world['oleg'].pk}").status_code == 404
    detail = api_get(token, f"/teams/{world['billing'].pk}").json()
    assert [m["username"] for m in detail["members"]] == ["ana", "bea"]
    assert api_get(token, f"/agents/{world['bea'].pk}").json()["name"] == "Bea"


def test_an_admin_sees_everyone(world):
    token = world["admin_token"]
    assert [t["name"] for t in api_get(token, "/teams").json()["items"]] == ["Billing", "Shipping"]
    names = [a["username"] for a in api_get(token, "/agents").json()["items"]]
    assert names == ["adam", "ana", "bea", "oleg"]
    page = api_get(token, "/agents", {"limit": 2, "offset": 1}).json()
    assert [a["username"] for a in page["items"]] == ["ana", "bea"] and page["next_offset"] == 3


@pytest.mark.parametrize(
    "path",
    [
        "/teams/abc",
        "/teams/-1",
        "/teams/99999999999999999999999",
        "/agents/0",
        "/agents/1%00",
        "/agents?limit=0",
        "/agents?limit=101",
        "/teams?offset=-5",
        "/teams?limit=abc",
    ],
)
def test_hostile_requests_get_clean_errors(world, path):
    response = Client().get(
        f"/api/v1{path}", headers={"Authorization": f"Bearer {world['admin_token']}"}
    )
    assert response.status_code in {404, 422}
    assert "detail" in response.json()


def test_no_token_no_answer(world):
    assert api_get(None, "/teams").status_code == 401
    assert api_get("tct_forged", "/agents").status_code == 401


def test_lists_keep_their_query_count(world, desk):
    token = world["admin_token"]

    def grow():
        for n in range(8):
            team = desk.team(f"Grown {n}")
            desk.agent(f"grown{n}", teams=[team, world["billing"]])

    assert assert_same_query_count(lambda: api_get(token, "/teams"), grow) <= 6

    def more_agents():
        for n in range(8):
            desk.agent(f"more{n}", teams=[world["billing"], world["shipping"]])

    assert assert_same_query_count(lambda: api_get(token, "/agents"), more_agents) <= 6
    assert (
        assert_same_query_count(
            lambda: api_get(token, f"/teams/{world['billing'].pk}"),
            lambda: desk.agent("late", teams=[world["billing"]]),
        )
        <= 6
    )
