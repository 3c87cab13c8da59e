"""Small things people notice: /login, the favicon, a merged ticket's reply box."""

from __future__ import annotations

import pytest
from django.test import Client

from tactful.tickets import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/login", "/login/", "/login/?next=/inbox/"])
def test_login_is_where_people_type_it(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    if "next" in path:
        assert response["Location"].endswith("?next=/inbox/")


def test_the_favicon_is_served(desk):
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    agent = desk.agent("ana")
    client = Client()
    client.force_login(agent)
    assert 'rel="icon"' in client.get("/inbox/").content.decode()


def test_a_merged_ticket_shows_no_reply_box(desk):
    team = desk.team("Billing")
    agent = desk.agent("ana", teams=[team])
    source, target = desk.ticket(team=team), desk.ticket(team=team)
    client = Client()
    client.force_login(agent)
    assert 'id="id_reply_body"' in client.get(f"/tickets/{source.pk}/").content.decode()
    services.merge_tickets(source=source, target=target, by=agent)
    page = client.get(f"/tickets/{source.pk}/").content.decode()
    assert 'id="id_reply_body"' not in page
    assert f"Reply on #{target.pk}" in page
    assert 'id="id_note_body"' in page  # notes stay possible for the record
