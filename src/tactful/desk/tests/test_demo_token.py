"""Each demo start prints an API token; the ones earlier starts printed stop working."""

from __future__ import annotations

import pytest

from tactful.api.models import ApiToken
from tactful.api.services import authenticate_token
from tactful.desk import demo

pytestmark = pytest.mark.django_db


def test_a_new_demo_start_revokes_the_token_the_last_one_printed(desk):
    admin = desk.admin("admin")
    own = desk.token(admin)  # a token the admin made for themselves stays valid
    first = demo.demo_token()
    assert authenticate_token(first) == admin
    second = demo.demo_token()
    assert second != first
    assert authenticate_token(first) is None
    assert authenticate_token(second) == admin
    assert authenticate_token(own) == admin
    assert ApiToken.objects.filter(name=demo.DEMO_TOKEN_NAME, revoked=False).count() == 1
