"""The shared cache with nothing behind it: pages get an empty cache, readiness says why.

A closed loopback port stands for the dead Redis (connection refused at once); the slow fault
test (test_fault_redis_down) kills a real redis-server under a running desk.
"""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.urls import reverse

from tactful.desk.cache import ResilientRedisCache
from tactful.desk.settings import redis_cache_settings
from tactful.desk.tests import faults


@pytest.fixture
def dead_cache(settings) -> ResilientRedisCache:
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{faults.free_port()}/0")
    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    return backend


def test_an_unreachable_cache_acts_empty_instead_of_raising(dead_cache):
    assert dead_cache.get("key", "default") == "default"
    dead_cache.set("key", "value")  # dropped, not raised
    assert dead_cache.add("key", 1) is False
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.has_key("key") is False
    assert dead_cache.delete("key") is False
    with pytest.raises(ValueError, match="unreachable"):  # callers already handle a lost key
        dead_cache.incr("key")
    assert dead_cache.is_down  # asked once; the next calls skip it for a few seconds


def test_the_ping_says_why_even_while_the_outage_is_remembered(dead_cache):
    dead_cache.get("key")
    with pytest.raises(Exception, match=r"Connection refused|Error 111"):
        dead_cache.ping()


@pytest.mark.django_db
def test_the_desk_serves_a_signed_in_agent_with_the_cache_down(dead_cache, settings, client, desk):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    agent = desk.agent()
    client.force_login(agent)
    assert client.get(reverse("inbox:inbox")).status_code == 200


@pytest.mark.django_db
def test_readiness_names_the_cache_without_leaving_the_load_balancer(dead_cache, client):
    response = client.get(reverse("monitoring:ready"))
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["checks"]["database"] == "ok"
    assert "ConnectionError" in body["checks"]["cache"]
    assert body["degraded"] == ["cache"]


@pytest.mark.django_db
def test_readiness_names_a_dead_broker(settings, client):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{faults.free_port()}/0"
    response = client.get(reverse("monitoring:ready"))
    assert response.status_code == 200
    assert "ConnectionError" in response.json()["checks"]["broker"]
    assert response.json()["degraded"] == ["broker"]
