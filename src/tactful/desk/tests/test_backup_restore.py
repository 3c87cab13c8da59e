"""Backup and restore as docs/deploy.md writes them: dump, restore into a fresh database and
data folder, and the desk works on the copy with the same data.

The shell block is read from the docs, so the documented commands are the ones tested. The
desk runs in subprocesses (its own settings, not the tests'), on scratch databases named
``privacy_backup_*`` on the test PostgreSQL server, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[4]
DOCS = ROOT / "docs" / "deploy.md"
SRC = ROOT / "src"
TACTFUL = Path(sys.executable).with_name("tactful")

#: A small desk through the real services: two teams, an admin and agents, tickets in three
#: languages with attachments, replies, notes, a solved one. (The demo's own seed took over five
#: minutes on the loaded two-core CI machine, too long for one test.)
SEED = """
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from tactful.desk.testing import DeskFactory
from tactful.tickets import services
desk = DeskFactory()
billing, shipping = desk.team("Billing"), desk.team("Shipping")
desk.admin("ada")
agent = desk.agent("arlo", teams=[billing, shipping])
bodies = {
    "en": "I was charged twice, please refund order {n}.",
    "es": "Me cobraron dos veces, quiero un refund del pedido {n}.",
    "ru": "С меня списали дважды, нужен refund заказа {n}.",
}
for n in range(9):
    language = ("en", "es", "ru")[n % 3]
    ticket = desk.ticket(
        customer=desk.customer(f"customer{n}@example.com", name=f"Customer {n}"),
        team=(billing, shipping)[n % 2],
        language=language,
        body=bodies[language].format(n=n),
        attachments=[SimpleUploadedFile(f"receipt-{n}.txt", f"receipt bytes {n}".encode())],
    )
    services.record_reply(ticket=ticket, agent=agent, body=f"We are on it ({n}).")
    if n % 3 == 0:
        services.change_status(ticket=ticket, status="solved", by=agent)
"""

#: Counts what was restored, and uses the desk as an agent would; prints JSON.
CHECK = """
import django, json, sys
django.setup()
from django.apps import apps
from django.test import Client
from tactful.accounts.models import Agent
from tactful.tickets import search
from tactful.tickets.models import Attachment, Ticket
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
result = {"counts": counts}
if "--use" in sys.argv:
    client = Client()
    admin = Agent.objects.filter(role="admin", is_active=True).order_by("pk").first()
    client.force_login(admin)
    ticket = Ticket.objects.order_by("pk").first()
    attachment = Attachment.objects.order_by("pk").first()
    download = client.get(f"/attachments/{attachment.pk}/")
    result.update(
        inbox=client.get("/inbox/").status_code,
        ticket=client.get(f"/tickets/{ticket.pk}/").status_code,
        download=download.status_code,
        download_body=b"".join(download.streaming_content).decode()
        if download.streaming else download.content.decode(),
    )
hits = search.search(Ticket.objects.all(), "refund").values_list("pk", flat=True)
result["search"] = sorted(hits)
result["last_ticket"] = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first()
if "--new-ticket" in sys.argv:
    from tactful.customers import services as customers
    from tactful.tickets import inbound
    customer = customers.get_or_create_customer(channel="email", handle="after@example.com")
    new = inbound.create_ticket(customer=customer, body="After the restore.", channel="email")
    result["new_ticket"] = new.pk
print("RESULT " + json.dumps(result))
"""


def documented_block() -> str:
    """The shell block of the docs' "Backups and restore" section."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Backups and restore", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "docs/deploy.md lost its backup commands"
    return match.group(1)


def _psql(server: str, sql: str) -> None:
    subprocess.run(["psql", server, "-qc", sql], check=True, capture_output=True)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Two scratch database names on the test server, and folders; dropped afterwards."""
    url = urlsplit(os.environ["TACTFUL_TEST_DATABASE_URL"])
    tag = uuid.uuid4().hex[:10]
    names = {"source": f"privacy_backup_{tag}_src", "restored": f"privacy_backup_{tag}_dst"}
    server = urlunsplit(url._replace(path="/postgres"))
    _psql(server, f'CREATE DATABASE "{names["source"]}"')
    try:
        yield {
            "server": server,
            "source_url": urlunsplit(url._replace(path="/" + names["source"])),
            "restored_db": names["restored"],
            "restored_url": urlunsplit(url._replace(path="/" + names["restored"])),
            "host": url.hostname or "127.0.0.1",
            "port": str(url.port or 5432),
            "user": url.username or "",
        }
    finally:
        for name in names.values():
            _psql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def desk_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a desk process: production settings, in-process tasks."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "CELERY_BROKER_URL", "TACTFUL_CHANNELS_REDIS_URL", "MEDIA_ROOT"}
        and not k.startswith("DJANGO_")
    }
    env.update(
        DATABASE_URL=database_url,
        TACTFUL_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="tactful.desk.settings",
        ALLOWED_HOSTS="testserver",
        PYTHONPATH=f"{SRC}{os.pathsep}{ROOT}",
    )
    env.pop("SECRET_KEY", None)  # the data folder's generated key travels with the backup
    return env


def run(args: list[str], env: dict[str, str], *, cwd: Path | None = None) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def result(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def test_the_documented_backup_restores_a_working_desk(scratch, tmp_path):
    source_dir, restored_dir, backup = (tmp_path / n for n in ("data", "restored", "backup"))
    backup.mkdir()
    source = desk_env(scratch["source_url"], source_dir)
    run([str(TACTFUL), "manage", "migrate", "-v0"], source)
    run([sys.executable, "-c", SEED], source)
    before = result(run([sys.executable, "-c", CHECK], source))
    assert before["counts"]["tickets.Ticket"] == 9 and before["counts"]["tickets.Attachment"] == 9
    assert (source_dir / "secret_key").exists()

    shell = dict(
        source,
        BACKUP=str(backup),
        RESTORED_DB=scratch["restored_db"],
        RESTORED_DATABASE_URL=scratch["restored_url"],
        RESTORED_DATA_DIR=str(restored_dir),
        PGHOST=scratch["host"],
        PGPORT=scratch["port"],
        PGUSER=scratch["user"],
        PATH=f"{TACTFUL.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    run(["bash", "-euo", "pipefail", "-c", documented_block()], shell, cwd=tmp_path)
    assert (backup / "tactful.dump").stat().st_size > 0

    restored = desk_env(scratch["restored_url"], restored_dir)
    assert "System check identified no issues" in run([str(TACTFUL), "manage", "check"], restored)
    after = result(run([sys.executable, "-c", CHECK, "--use", "--new-ticket"], restored))
    # Every table holds what it held (the check's own new ticket and its rows came after).
    assert after["counts"] == before["counts"]
    assert after["inbox"] == after["ticket"] == after["download"] == 200
    assert after["download_body"] == "receipt bytes 0"
    assert after["search"] == before["search"] and after["search"]
    assert after["new_ticket"] > before["last_ticket"]  # the sequences came back too
    # The restored data folder kept the secret key: sessions and signed links stay valid.
    assert (restored_dir / "secret_key").read_text() == (source_dir / "secret_key").read_text()
