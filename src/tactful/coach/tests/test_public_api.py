"""The coach's public surface: an explicit ``__all__`` and no Django anywhere."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tactful.coach as coach

COACH_DIR = Path(coach.__file__).parent


def test_all_names_exist_and_are_public() -> None:
    for name in coach.__all__:
        assert hasattr(coach, name), name
        assert not name.startswith("_")
    assert {
        "analyze_message",
        "review_reply",
        "paraphrase",
        "review_conversation",
        "CoachError",
    } <= set(coach.__all__)


def test_coach_source_imports_nothing_from_django_or_the_desk() -> None:
    offenders = []
    for path in COACH_DIR.rglob("*.py"):
        if "tests" in path.relative_to(COACH_DIR).parts:
            continue  # tests drive the coach through the CLI too
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                if root == "django" or (root == "tactful" and not name.startswith("tactful.coach")):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_using_the_coach_loads_no_django_module() -> None:
    code = (
        "import sys, tactful.coach as c\n"
        "c.review_reply('I have refunded it.', customer_message='I was charged twice!')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'django', 'celery', 'ninja'}]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
