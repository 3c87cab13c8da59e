"""The command line and archive scoring, with hostile and malformed input."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tactful.cli import main as tactful_main
from tactful.coach import MessageAnalysis, ReplyReview
from tactful.coach._batch import score_file
from tactful.coach.tests.cases import ANGRY_DOUBLE_CHARGE, BALANCED, LANGUAGES, OVER_APOLOGY


def _field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("language", LANGUAGES)
def test_analyze_json_mirrors_the_dataclass(
    language: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tactful_main(["coach", "analyze", "--json", ANGRY_DOUBLE_CHARGE[language]]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == _field_names(MessageAnalysis)
    assert data["language"] == language
    assert data["company_fault"]["present"] is True


@pytest.mark.parametrize("language", LANGUAGES)
def test_review_json_and_readable_report(language: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["coach", "review", "--customer", ANGRY_DOUBLE_CHARGE[language], OVER_APOLOGY[language]]
    assert tactful_main([*args[:2], "--json", *args[2:]]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == _field_names(ReplyReview)
    assert "over_apology" in {f["kind"] for f in data["findings"]}
    assert tactful_main(args) == 0
    report = capsys.readouterr().out
    assert "[[" in report and "]]" in report  # highlighted spans when not on a terminal
    assert "over_apology" in report


def test_cli_errors_are_clear_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert tactful_main(["coach", "analyze", "   "]) == 2
    assert "E001" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        tactful_main(["coach", "analyze", "--language", "xx", "hello"])
    assert exit_info.value.code == 2
    assert tactful_main(["coach", "score", "/nonexistent.jsonl", "--out", "/tmp/x.jsonl"]) == 2


def _write_archive(path: Path) -> None:
    rows = [
        json.dumps({"id": "m1", "text": ANGRY_DOUBLE_CHARGE["en"]}),
        json.dumps({"id": "m2", "text": ANGRY_DOUBLE_CHARGE["es"]}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "r1", "reply": BALANCED["ru"], "customer": ANGRY_DOUBLE_CHARGE["ru"]}),
        json.dumps(
            {
                "id": "c1",
                "messages": [
                    {"author": "customer", "text": ANGRY_DOUBLE_CHARGE["en"]},
                    {"author": "agent", "text": BALANCED["en"]},
                ],
            }
        ),
        json.dumps({"id": "bad-messages", "messages": "nope"}),
        json.dumps({"id": "nothing"}),
        json.dumps({"id": "number", "text": 12}),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_score_reports_bad_rows_and_keeps_going(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_archive(source)
    summary = score_file(source, out)
    assert summary == {"scored": 4, "skipped": 0, "failed": 6}
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in records}
    assert by_id["m1"]["analysis"]["company_fault"]["present"] is True
    assert "review" in by_id["r1"] and "conversation" in by_id["c1"]
    assert "E001" in by_id["empty"]["error"]
    assert "error" in by_id["line-3"]


def test_score_resumes_without_rescoring(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_archive(source)
    score_file(source, out)
    lines_before = out.read_text(encoding="utf-8").count("\n")
    summary = score_file(source, out)
    assert summary["skipped"] == 10 and summary["scored"] == 0
    assert out.read_text(encoding="utf-8").count("\n") == lines_before


def test_score_resumes_after_a_cut_line(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_archive(source)
    score_file(source, out)
    kept = out.read_text(encoding="utf-8").splitlines()[:2]
    out.write_text("\n".join(kept) + '\n{"id": "m', encoding="utf-8")  # a crash mid-write
    summary = score_file(source, out)
    assert summary["skipped"] == 2
    # The first record written after the crash starts its own line: only the cut line is lost.
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[2] == '{"id": "m'
    full = tmp_path / "full.jsonl"
    score_file(source, full)
    expected = [json.loads(line) for line in full.read_text(encoding="utf-8").splitlines()]
    assert [json.loads(line) for line in lines[:2] + lines[3:]] == expected


def test_score_csv_with_workers(tmp_path: Path) -> None:
    source, out = tmp_path / "in.csv", tmp_path / "out.jsonl"
    lines = (
        ["id,text"]
        + [f'{i},"{ANGRY_DOUBLE_CHARGE[LANGUAGES[i % 3]]}"' for i in range(70)]
        + ['bad,""']
    )
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = score_file(source, out, workers=2)
    assert summary["scored"] == 70 and summary["failed"] == 1
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == sorted([str(i) for i in range(70)] + ["bad"])
