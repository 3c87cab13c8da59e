"""Archive scoring on a real Ray cluster of two worker nodes started by the test.

The Ray path must give exactly the records the single-machine path gives, use every worker,
resume without doubling, and read Parquet and SQL sources as well as JSONL.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tactful.cli import main as tactful_main
from tactful.coach._batch import score_file
from tactful.coach.tests.cases import ANGRY_DOUBLE_CHARGE, BALANCED, LANGUAGES, OVER_APOLOGY

ray = pytest.importorskip("ray", reason="the ray extra is part of the test extras")

pytestmark = [
    pytest.mark.slow,
    # Ray and its Arrow/pandas stack warn about their own internals; the project's code does not.
    pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning", "ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def two_workers() -> Iterator[str]:
    """A local cluster: a head node and one more node, one CPU each (so one scorer per node)."""
    from ray.cluster_utils import Cluster

    from tactful.coach._ray import PRIVATE_RAY_ENVIRONMENT

    os.environ.update(PRIVATE_RAY_ENVIRONMENT)
    store = 80 * 1024 * 1024
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": store, "include_dashboard": False},
    )
    cluster.add_node(num_cpus=1, object_store_memory=store)
    # The workers import tactful the way this process does.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    cluster.wait_for_nodes()
    try:
        yield cluster.address
    finally:
        ray.shutdown()
        cluster.shutdown()  # type: ignore[no-untyped-call]


def _archive(path: Path, copies: int = 30) -> None:
    """Messages, replies and conversations in three languages, and the malformed rows."""
    lines: list[dict[str, Any]] = []
    for copy in range(copies):
        for language in LANGUAGES:
            lines.append({"id": f"m-{language}-{copy}", "text": ANGRY_DOUBLE_CHARGE[language]})
            lines.append(
                {
                    "id": f"r-{language}-{copy}",
                    "reply": OVER_APOLOGY[language] if copy % 2 else BALANCED[language],
                    "customer": ANGRY_DOUBLE_CHARGE[language],
                }
            )
        lines.append(
            {
                "id": copy,  # a number here, a string elsewhere: heterogeneous ids survive
                "messages": json.dumps(
                    [
                        {"author": "customer", "text": ANGRY_DOUBLE_CHARGE["en"]},
                        {"author": "agent", "text": BALANCED["en"]},
                    ]
                ),
            }
        )
    rendered = [json.dumps(line, ensure_ascii=False) for line in lines]
    rendered[5:5] = ["{not json", json.dumps(["a", "list"]), json.dumps({"id": "x", "text": 7})]
    rendered.append(json.dumps({"text": "   "}))  # no id and no text: an error row, line-N
    path.write_text("\n".join(rendered) + "\n", encoding="utf-8")


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_ray_gives_the_local_records_on_both_workers(two_workers: str, tmp_path: Path) -> None:
    from tactful.coach._ray import score_with_ray

    archive = tmp_path / "archive.jsonl"
    _archive(archive)
    local = score_file(archive, tmp_path / "local.jsonl", workers=1)
    summary = score_with_ray(archive, tmp_path / "ray.jsonl", address=two_workers)

    assert _records(tmp_path / "ray.jsonl") == _records(tmp_path / "local.jsonl")
    assert summary["workers"] == 2  # one scorer on each node did real work
    assert {k: summary[k] for k in ("scored", "skipped", "failed")} == local
    assert local["failed"] == 4 and local["scored"] > 200


def test_an_interrupted_ray_run_resumes_without_doubling(two_workers: str, tmp_path: Path) -> None:
    from tactful.coach._ray import score_with_ray

    archive = tmp_path / "archive.jsonl"
    _archive(archive, copies=10)
    out = tmp_path / "ray.jsonl"
    score_with_ray(archive, out, address=two_workers)
    complete = _records(out)
    # A crash: only the first 40 records made it, the 41st was cut mid-line.
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:40]) + lines[40][:25], encoding="utf-8")

    summary = score_with_ray(archive, out, address=two_workers)

    assert summary["skipped"] == 40
    resumed = [json.loads(line) for line in out.read_text().splitlines() if line.endswith("}")]
    by_id = {str(r["id"]): r for r in resumed}
    assert len(by_id) == len(complete)  # every row once, the cut one scored again
    assert by_id == {str(r["id"]): r for r in complete}


def test_parquet_in_and_out(two_workers: str, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tactful.coach._ray import iter_records, score_with_ray

    rows = [
        {"id": f"{language}-{n}", "text": ANGRY_DOUBLE_CHARGE[language]}
        for language in LANGUAGES
        for n in range(40)
    ]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    score_file(tmp_path / "in.jsonl", tmp_path / "local.jsonl")

    out = tmp_path / "scores.parquet"
    summary = score_with_ray(tmp_path / "in.parquet", out, address=two_workers)
    again = score_with_ray(tmp_path / "in.parquet", out, address=two_workers)

    assert summary["scored"] == 120
    assert (again["scored"], again["skipped"]) == (0, 120)
    assert list(iter_records(out)) == _records(tmp_path / "local.jsonl")


@pytest.mark.postgres
def test_the_desks_own_rows_through_sql(two_workers: str, tmp_path: Path) -> None:
    import psycopg

    url = os.environ["TACTFUL_TEST_DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS ray_score_source")
        connection.execute("CREATE TABLE ray_score_source (id integer primary key, text text)")
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO ray_score_source VALUES (%s, %s)",
                [(n, ANGRY_DOUBLE_CHARGE[LANGUAGES[n % 3]]) for n in range(90)],
            )
    try:
        jsonl = tmp_path / "in.jsonl"
        jsonl.write_text(
            "".join(
                json.dumps({"id": n, "text": ANGRY_DOUBLE_CHARGE[LANGUAGES[n % 3]]}) + "\n"
                for n in range(90)
            )
        )
        score_file(jsonl, tmp_path / "local.jsonl")
        out = tmp_path / "sql.jsonl"
        code = tactful_main(
            [
                "coach", "score", "--engine", "ray", "--address", two_workers,
                "--sql", "SELECT id, text FROM ray_score_source ORDER BY id",
                "--database-url", url, "--out", str(out),
            ]
        )  # fmt: skip
        assert code == 0
        assert _records(out) == _records(tmp_path / "local.jsonl")
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("DROP TABLE ray_score_source")


def test_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = str(tmp_path / "o.jsonl")
    assert tactful_main(["coach", "score", "--sql", "SELECT 1", "--out", out]) == 2
    assert "--engine ray" in capsys.readouterr().err
    assert tactful_main(["coach", "score", "--engine", "ray", "--out", out]) == 2
    assert "not both" in capsys.readouterr().err
    # A machine without Ray: the message says how to get it.
    monkeypatch.setitem(sys.modules, "ray", None)
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "hi"}\n')
    code = tactful_main(
        ["coach", "score", "--engine", "ray", str(tmp_path / "a.jsonl"), "--out", out]
    )
    assert code == 2
    assert "pip install 'tactful[ray]'" in capsys.readouterr().err
