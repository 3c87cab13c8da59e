"""API errors in the caller's language: the token's agent's, else Accept-Language."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_errors_speak_the_token_agent_language(desk):
    token = desk.token(desk.agent("ana", language="es"))
    response = Client().get("/api/v1/tickets/999999", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No encontrado."}
    assert response["Content-Language"] == "es"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("ru-RU,ru;q=0.9", "Требуется аутентификация: передайте действующий токен API."),
        ("es", "Se requiere autenticación: envíe un token de API válido."),
        ("en", "Authentication required: send a valid API token."),
        ("xx, ;q=bogus", "Authentication required: send a valid API token."),
    ],
)
def test_without_a_token_errors_follow_accept_language(db, accept, expected):
    response = Client().get("/api/v1/tickets", headers={"Accept-Language": accept})
    assert response.status_code == 401
    assert response.json() == {"detail": expected}


def test_a_services_refusal_speaks_the_token_agent_language(desk):
    """A refusal raised inside a service (merging a ticket into itself), whatever the client's
    Accept-Language: each agent reads it in their own language."""
    team = desk.team()
    ticket = desk.ticket(team=team)
    details = {}
    for language in ("en", "es", "ru"):
        token = desk.token(desk.agent(f"agent-{language}", teams=[team], language=language))
        response = Client().post(
            f"/api/v1/tickets/{ticket.number}/merge",
            data={"into": ticket.number},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        )
        assert response.status_code == 422, response.content
        assert response["Content-Language"] == language
        details[language] = response.json()["detail"]
    assert len(set(map(str, details.values()))) == 3, details
