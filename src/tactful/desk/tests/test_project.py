"""Project wiring: migrations in sync, deploy checks, the demo command, settings from env."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[4]


@pytest.mark.django_db
def test_migrations_are_in_sync():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tactful.desk.settings",
        "SECRET_KEY": "x" * 60 + "-Production-Secret-Value-1234567890",
        "TACTFUL_DATA_DIR": str(tmp_path),
        "TACTFUL_SECURE_COOKIES": "1",
        "TACTFUL_HSTS_SECONDS": "31536000",
        "TACTFUL_SSL_REDIRECT": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_read_the_environment(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    )
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tactful.desk.settings",
        "TACTFUL_DATA_DIR": str(tmp_path),
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"):
        base.pop(name, None)
    plain = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plain.stdout.split() == ["django.db.backends.sqlite3", "True", "None"], plain.stderr
    assert (tmp_path / "secret_key").exists()
    configured = {
        **base,
        "DATABASE_URL": "postgresql://u@localhost/db",
        "CELERY_BROKER_URL": "redis://localhost:6379/0",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        env=configured,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://localhost:6379/0",
    ], out.stderr


@pytest.mark.slow
def test_tactful_demo_seeds_a_multilingual_desk(tmp_path):
    env = {**os.environ, "TACTFUL_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tactful = Path(sys.executable).with_name("tactful")
    result = subprocess.run(
        [str(tactful), "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "admin" in result.stdout and "tactful-lead" in result.stdout and "tct_" in result.stdout
    assert (tmp_path / "demo.sqlite3").exists()
    check = (
        "from tactful.tickets.models import Ticket;"
        "from django.db.models import Count;"
        "print(Ticket.objects.count());"
        "print(sorted(Ticket.objects.values_list('channel', flat=True).distinct()));"
        "print(sorted(set(Ticket.objects.values_list('language', flat=True))))"
    )
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "tactful.desk.settings"
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + check],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = out.stdout.splitlines()
    assert int(lines[0]) >= 60, out.stderr
    assert {"chat", "email", "forum", "phone", "social", "video", "web"} <= set(eval(lines[1]))
    assert {"en", "es", "ru"} <= set(eval(lines[2]))
    # A second run reuses the data.
    again = subprocess.run(
        [str(tactful), "demo", "--no-serve"],
        env={**env, "DATABASE_URL": ""},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0 and "Creating the demo desk" not in again.stdout


def test_the_readme_has_each_section_once():
    # An edit once pasted a second copy of half the README (870 lines) and nothing noticed.
    headings = [
        line
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    repeated = sorted({h for h in headings if headings.count(h) > 1})
    assert headings and repeated == []
