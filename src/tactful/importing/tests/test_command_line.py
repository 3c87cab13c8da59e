"""``tactful import`` and ``tactful export`` as people run them: exit codes, messages, reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import cli
from tactful.tickets.models import Ticket

FIXTURES = Path(__file__).parent / "fixtures"
SRC = Path(__file__).resolve().parents[3]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.django_db
def test_importing_a_zendesk_export_reports_what_it_did_and_what_it_refused(capsys):
    code, out, err = run(capsys, "import", "zendesk", str(FIXTURES / "zendesk"))
    assert code == 1  # some records were refused; the rest is imported
    assert "Imported from zendesk (ids kept under 'zendesk')" in out
    assert "imported: 4 tickets, 9 messages, 4 customers, 2 agents" in out
    assert (
        "skipped, already imported: 1 tickets, 1 messages, 1 tickets deleted in the source" in out
    )
    assert "refused: 3" in out
    assert "tickets.json line 5 (id 505): created_at 'not a date' is not an ISO 8601 date" in out
    assert "tickets.json line 9 (id 508): unknown status 'escalated'" in out
    assert "1× requester missing from the export's users" in out
    assert "records/s" in err and "[" in err  # the progress bar, on stderr
    code, out, _ = run(capsys, "import", "zendesk", str(FIXTURES / "zendesk"), "--quiet")
    assert "imported: nothing" in out and Ticket.objects.count() == 4


@pytest.mark.django_db
def test_a_clean_import_exits_0_and_a_dry_run_stores_nothing(capsys):
    path = str(FIXTURES / "generic" / "desk.jsonl")
    code, out, _ = run(capsys, "import", "jsonl", path, "--dry-run", "--quiet")
    assert code == 0
    assert "would import: 2 tickets, 4 messages, 2 customers, 1 agents, 1 teams" in out
    assert out.rstrip().endswith("Nothing was stored (dry run).")
    assert not Ticket.objects.exists()
    code, out, _ = run(capsys, "import", "jsonl", path, "--quiet")
    assert code == 0 and Ticket.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["import", "zendesk", "/nonexistent/export"], "/nonexistent/export does not exist"),
        (["import", "csv", str(FIXTURES / "zendesk")], "holds no csv export files"),
        (
            ["import", "jsonl", str(FIXTURES / "generic"), "--timezone", "Mars/Olympus"],
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            ["import", "csv", str(FIXTURES / "generic"), "--encoding", "klingon"],
            "unknown encoding: klingon",
        ),
    ],
)
def test_an_export_that_cannot_be_read_exits_2_with_the_reason(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and out == ""


def test_a_wrong_command_line_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["import", "kayako", "x"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'kayako'" in capsys.readouterr().err


@pytest.mark.django_db
def test_export_customer_and_desk(capsys, tmp_path, desk):
    desk.ticket(customer=desk.customer("ann@example.com", name="Ann"), body="Hello there")
    code, out, _ = run(capsys, "export", "customer", "ann@example.com")
    assert code == 0
    document = json.loads(out)
    assert document["customer"]["name"] == "Ann"
    assert document["tickets"][0]["messages"][0]["body"] == "Hello there"
    code, out, err = run(capsys, "export", "customer", "nobody@example.com")
    assert code == 1 and "no customer 'nobody@example.com'" in err
    target = tmp_path / "desk.jsonl"
    code, _, err = run(capsys, "export", "desk", "--out", str(target))
    assert code == 0 and "lines written to" in err
    types = [json.loads(line)["type"] for line in target.read_text().splitlines()]
    assert types.count("ticket") == 1 and "customer" in types


@pytest.mark.slow
def test_the_installed_command_end_to_end_on_a_fresh_database(tmp_path):
    """A real process on a fresh SQLite desk: migrate, import, import again, export."""
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "tactful.desk.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "TACTFUL_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "tests-only",
    }
    env.pop("CELERY_BROKER_URL", None)

    def tactful(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tactful.cli", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    assert tactful("manage", "migrate", "--verbosity", "0").returncode == 0
    first = tactful("import", "freshdesk", str(FIXTURES / "freshdesk"))
    assert first.returncode == 1, first.stderr
    assert "imported: 3 tickets, 7 messages" in first.stdout
    assert "tickets.json item 4 (id 4): unknown priority 9" in first.stdout
    again = tactful("import", "freshdesk", str(FIXTURES / "freshdesk"), "--quiet")
    assert "imported: nothing" in again.stdout
    exported = tactful("export", "desk")
    assert exported.returncode == 0
    assert sum('"type": "ticket"' in line for line in exported.stdout.splitlines()) == 3
