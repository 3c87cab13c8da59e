"""The docker compose set-up, checked without a Docker engine: every service runs a command that
exists, with settings the desk reads, and probes URLs the desk serves."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

from tactful.desk import cli, settings

ROOT = Path(__file__).resolve().parents[4]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def settings_read() -> set[str]:
    source = Path(settings.__file__).read_text()
    names = set(re.findall(r'os\.environ(?:\.get)?\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ\["([A-Z_]+)"\]', source))
    names |= set(re.findall(r'env_(?:bool|list)\(\s*"([A-Z_]+)"', source))
    return names


def test_the_services_of_a_self_hosted_desk(compose):
    assert set(compose["services"]) == {"proxy", "web", "worker", "beat", "db", "redis"}


def test_every_variable_given_to_tactful_is_one_it_reads(compose):
    known = settings_read()
    example = [
        line.split("=", 1)[0]
        for line in (DEPLOY / "tactful.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert set(environment) - known == set(), name
    assert set(example) - known == set()


def test_web_runs_tactful_serve_with_options_it_has(compose):
    command = compose["services"]["web"]["command"]
    assert command[:2] == ["tactful", "serve"]
    source = Path(cli.__file__).read_text()
    for option in (arg for arg in command[2:] if arg.startswith("--")):
        assert f'"{option}"' in source, option


def test_workers_and_beat_start_the_celery_app_that_exists(compose):
    celery_app = importlib.import_module("tactful.desk.celery_app")
    for name in ("worker", "beat"):
        command = compose["services"][name]["command"]
        assert command[:3] == ["celery", "-A", "tactful.desk.celery_app"]
    assert celery_app.app.main == "tactful"


def test_probes_ask_urls_the_desk_serves(compose):
    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    for url in re.findall(r"http://127\.0\.0\.1:8000(/[^'\"]*)", test):
        assert resolve(url)
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for url in re.findall(r"http://127\.0\.0\.1:8000(/[^'\"]*)", dockerfile):
        assert resolve(url)


def test_the_proxy_upgrades_the_chats_websockets():
    from tactful.livechat.routing import websocket_urlpatterns

    conf = (DEPLOY / "nginx.conf").read_text()
    location = re.search(r"location (/chat/ws/) \{(.*?)\}", conf, re.S)
    assert location is not None
    assert all(
        str(p.pattern).startswith(location.group(1).lstrip("/")) for p in websocket_urlpatterns
    )
    assert "Upgrade $http_upgrade" in location.group(2)
