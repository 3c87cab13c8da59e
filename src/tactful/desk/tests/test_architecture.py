"""The house rules the import contracts cannot see: one writer each, and no import hidden in a
function body to dodge a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]  # src/tactful

#: Imports inside function bodies that are not cycle dodges, each with its reason.
ALLOWED_FUNCTION_IMPORTS = {
    # Django's way to register with other apps: models are importable only once apps are ready.
    ("accounts/apps.py", "tactful.accounts"),
    ("automation/apps.py", "tactful.automation"),
    ("canned/apps.py", "tactful.canned"),
    ("canned/apps.py", "tactful.coaching"),
    ("coaching/apps.py", "tactful.coaching"),
    ("livechat/apps.py", "tactful.livechat"),
    ("mail/apps.py", "tactful.mail.transport"),
    ("monitoring/apps.py", "tactful.monitoring"),
    ("mail/apps.py", "tactful.outbound"),
    ("outbound/apps.py", "tactful.outbound"),
    ("playbooks/apps.py", "tactful.playbooks"),
    ("profiles/apps.py", "tactful.profiles"),
    ("outbound/apps.py", "tactful.tickets"),
    ("satisfaction/apps.py", "tactful.satisfaction"),
    ("quality/apps.py", "tactful.quality"),
    ("sla/apps.py", "tactful.sla"),
    ("reports/apps.py", "tactful.reports"),
    ("tickets/apps.py", "tactful.tickets"),
    ("teamsettings/apps.py", "tactful.teamsettings"),
    ("webhooks/apps.py", "tactful.webhooks"),
    # The command line: `tactful coach …` must work without Django configured, and
    # `tactful demo` imports the whole desk only once settings are set up.
    ("cli.py", "tactful.coach._cli"),
    ("cli.py", "tactful.desk"),
    ("desk/cli.py", "tactful.desk"),
    ("desk/cli.py", "tactful.importing"),
}


def product_modules() -> list[Path]:
    return sorted(
        path
        for path in SRC.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    )


def function_level_imports(path: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tactful"):
                found.add((str(path.relative_to(SRC)), node.module or ""))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("tactful"):
                        found.add((str(path.relative_to(SRC)), alias.name))
    return found


def test_no_import_hides_in_a_function_body():
    found: set[tuple[str, str]] = set()
    for path in product_modules():
        found |= function_level_imports(path)
    assert found - ALLOWED_FUNCTION_IMPORTS == set(), "import these at the top of the module"
    assert ALLOWED_FUNCTION_IMPORTS - found == set(), "an allowed import is gone: drop it here"


def _writes(path: Path, model: str, methods: set[str]) -> list[int]:
    """Lines where ``<model>.objects.<method>(…)`` is called in ``path``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in methods
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "objects"
            and isinstance(node.func.value.value, ast.Name)
            and node.func.value.value.id == model
        ):
            lines.append(node.lineno)
    return lines


WRITES = {"create", "bulk_create", "get_or_create", "update_or_create"}


def test_the_timeline_has_one_writer():
    writers = {
        str(path.relative_to(SRC)): lines
        for path in product_modules()
        if (lines := _writes(path, "TicketEvent", WRITES))
    }
    assert set(writers) == {"tickets/timeline.py"}


@pytest.mark.parametrize(
    ("attribute", "writer"),
    [("assignee", "tickets/assignment.py")],
)
def test_the_assignee_has_one_writer(attribute: str, writer: str):
    writers = set()
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr == attribute:
                        writers.add(str(path.relative_to(SRC)))
    assert writers == {writer}


def test_replies_have_one_writer():
    """Agents' replies and automatic answers alike go through tickets.services.record_reply."""
    writers = set()
    for path in product_modules():
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and _writes_message(node)):
                continue
            if any(
                isinstance(kw.value, ast.Attribute) and kw.value.attr == "OUTGOING"
                for kw in node.keywords
                if kw.arg == "kind"
            ):
                writers.add(str(path.relative_to(SRC)))
    assert writers == {"tickets/services.py"}


def _writes_message(node: ast.Call) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in WRITES
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "objects"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "Message"
    )


def test_customer_messages_come_in_through_one_door():
    """Only the door creates incoming messages; channels call it."""
    writers = set()
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _writes_message(node):
                kinds = [
                    kw.value.attr
                    for kw in node.keywords
                    if kw.arg == "kind" and isinstance(kw.value, ast.Attribute)
                ]
                if kinds == ["INCOMING"]:
                    writers.add(str(path.relative_to(SRC)))
    assert writers == {"tickets/inbound.py"}


def test_history_is_written_by_the_timeline_the_importer_and_the_seeder_only():
    """Rows that bypass the events (``tickets.history``) are the past: the timeline's own
    history, imports, and the conversations the benchmark seeder dates in the past
    (``desk/testing.py``). Anything happening now goes through the services and is emitted."""
    writers = set()
    for path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "insert_rows"
            ):
                writers.add(str(path.relative_to(SRC)))
    assert writers == {"tickets/timeline.py", "importing/services.py", "desk/testing.py"}
