"""Score an archive on a Ray cluster with Ray Data: the same rows and records as ``_batch``.

Ray is an optional extra (``pip install 'tactful[ray]'``); nothing here is imported unless the
user asks for ``--engine ray``. The division of labour:

- **sources** (JSONL, CSV, Parquet, or the rows of a SQL query on the desk's database) are read
  on the driver, streamed, in windows of ``WINDOW`` rows: reading is cheap next to the coach's
  analysis, and one reader keeps ids and error rows identical to the local path's. (Ray Data's
  own Parquet reader left this 2-core test machine's pipelines waiting for ever when the
  scorers held every CPU; the driver-side reader has no such trap.)
- **scoring**: ``map_batches`` over a fixed pool of ``_Scorer`` actors, one per worker CPU, each
  loading the coach's models once in its constructor;
- **results**: streamed back in input order and written by the driver — appended to a JSONL file
  or as new Parquet part files in a folder — so an interrupted run resumes by skipping the ids
  already written, exactly as the local path does.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._batch import _CHUNK, _done_ids, _progress, _row_id, _rows, _score_chunk, open_for_append

#: The column carrying a row, serialised, from the driver to the scorers. Arrow
#: cannot hold heterogeneous rows (an ``id`` that is a number on one line and a string on the
#: next, ``messages`` as a list or as a JSON string), so such rows travel as text.
_ROW_COLUMN = "_tactful_row"


class RayUnavailable(RuntimeError):
    """``--engine ray`` was asked for on a machine without Ray."""


#: Ray reports usage to its authors and queries a Prometheus on localhost by default: a desk
#: scoring its customers' words sends nothing anywhere. Set before Ray starts or is joined.
PRIVATE_RAY_ENVIRONMENT = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_DATA_USAGE_DISABLED": "1"}


def _import_ray() -> Any:
    for name, value in PRIVATE_RAY_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    try:
        import ray
        import ray.data
    except ImportError as error:
        raise RayUnavailable(
            f"the ray engine needs Ray Data: pip install 'tactful[ray]' (import failed: {error})"
        ) from error
    return ray


class _Scorer:
    """One per Ray worker: the coach's models are loaded once, in the constructor."""

    def __init__(self, language: str | None) -> None:
        from ._analyze import analyze_message

        self.language = language
        analyze_message("warm-up", language="en")  # load the encoder and heads now, not per batch
        self.worker = f"{os.uname().nodename}:{os.getpid()}"

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        chunk = [_row_and_id(row) for row in batch.to_pylist()]
        records = _score_chunk(chunk, self.language)
        return {
            "id": [record["id"] for record in records],
            "record": [json.dumps(record, ensure_ascii=False) for record in records],
            "error": [
                f"row {record['id']}: {record['error']}" if "error" in record else None
                for record in records
            ],
            "worker": [self.worker] * len(records),
        }


def _row_and_id(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return str(row["id"]), json.loads(row[_ROW_COLUMN])


def _done_parquet_ids(out: Path) -> set[str]:
    """Ids already written to a Parquet output folder; a part cut short by a crash is set aside."""
    import pyarrow.parquet as pq

    done: set[str] = set()
    if not out.exists():
        return done
    for part in sorted(out.glob("part-*.parquet")):
        try:
            done.update(
                str(value) for value in pq.read_table(part, columns=["id"])["id"].to_pylist()
            )
        except Exception:
            part.rename(part.with_suffix(".broken"))
            print(f"{part}: unreadable (cut short?); its rows are scored again", file=sys.stderr)
    return done


class _JsonlSink:
    def __init__(self, out: Path) -> None:
        self.handle = open_for_append(out)

    def write(self, records: list[str]) -> None:
        self.handle.write("".join(record + "\n" for record in records))
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()


class _ParquetSink:
    """A new part file per run, one row group per batch: earlier parts are never rewritten."""

    def __init__(self, out: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        out.mkdir(parents=True, exist_ok=True)
        number = 1 + max((int(p.stem.split("-")[1]) for p in out.glob("part-*.*")), default=0)
        self.schema = pa.schema(
            [("id", pa.string()), ("error", pa.string()), ("result", pa.string())]
        )
        self.path = out / f"part-{number:05d}.parquet"
        self.writer = pq.ParquetWriter(self.path, self.schema)
        self.pa = pa
        self.rows = 0

    def write(self, records: list[str]) -> None:
        ids, errors, results = [], [], []
        for line in records:
            record = json.loads(line)
            ids.append(str(record.pop("id")))
            errors.append(record.pop("error", None))
            results.append(json.dumps(record, ensure_ascii=False) if record else None)
        table = self.pa.table({"id": ids, "error": errors, "result": results}, schema=self.schema)
        self.writer.write_table(table)
        self.rows += len(ids)

    def close(self) -> None:
        self.writer.close()
        if not self.rows:
            self.path.unlink()


#: Rows handed to the cluster at a time: bounds the driver's memory on a large archive while
#: keeping every worker busy (the scorers of a window load the models once, ~2 s).
WINDOW = 20_000


def score_with_ray(
    source: Path | None,
    out: Path,
    *,
    address: str | None = None,
    workers: int | None = None,
    language: str | None = None,
    sql: str | None = None,
    database_url: str | None = None,
    batch_size: int = _CHUNK,
    window: int = WINDOW,
) -> dict[str, Any]:
    """Score ``source`` (or the rows of ``sql``) into ``out`` on a Ray cluster.

    ``address`` joins a running cluster (``ray start --head`` prints it); without one Ray starts
    a cluster on this machine. ``out`` ending in ``.parquet`` is a folder of part files,
    anything else a JSONL file. Returns counts like ``score_file`` plus the workers that scored.
    """
    ray = _import_ray()
    if (source is None) == (sql is None):
        raise ValueError("give an archive file or --sql, not both")
    if sql is not None and not database_url:
        raise ValueError("--sql needs --database-url (or DATABASE_URL)")
    if source is not None and not source.exists():
        raise FileNotFoundError(f"no such file: {source}")

    parquet_out = out.suffix.lower() == ".parquet"
    done = _done_parquet_ids(out) if parquet_out else _done_ids(out)
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address or "local",  # "local": a new cluster here, never a stale one
            num_cpus=None if address else workers,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    counts = {"scored": 0, "skipped": 0, "failed": 0}
    seen_workers: set[str] = set()
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True  # results come back in input order
        context.enable_progress_bars = False  # the driver draws the one progress bar
        size = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        total = _parquet_rows(source) - len(done) if _is_parquet(source) else None
        sink: _JsonlSink | _ParquetSink = _ParquetSink(out) if parquet_out else _JsonlSink(out)
        started, finished = time.perf_counter(), 0
        try:
            pending = _pending(source, sql, database_url, done, sink, counts)
            for rows in _windows(pending, window):
                scored = ray.data.from_items(
                    rows, override_num_blocks=_blocks(len(rows), size)
                ).map_batches(
                    _Scorer,
                    fn_constructor_kwargs={"language": language},
                    batch_size=batch_size,
                    batch_format="pyarrow",
                    # A fixed pool, one block at a time per scorer: a scorer that is ready first
                    # does not queue the whole window while the others load their models.
                    compute=ray.data.ActorPoolStrategy(size=size, max_tasks_in_flight_per_actor=1),
                    num_cpus=1,
                )
                for batch in scored.iter_batches(batch_size=None, batch_format="pyarrow"):
                    for error in batch.column("error").to_pylist():
                        if error is not None:
                            counts["failed"] += 1
                            print(error, file=sys.stderr)
                    seen_workers.update(batch.column("worker").to_pylist())
                    records = batch.column("record").to_pylist()
                    sink.write(records)
                    finished += len(records)
                    _progress(finished, total, started)
        finally:
            sink.close()
    finally:
        if started_here:
            ray.shutdown()
    counts["scored"] = finished - counts["failed"]
    counts["failed"] += counts.pop("unreadable", 0)
    return {**counts, "workers": len(seen_workers)}


def _is_parquet(source: Path | None) -> bool:
    return source is not None and (source.suffix.lower() == ".parquet" or source.is_dir())


def _pending(
    source: Path | None,
    sql: str | None,
    database_url: str | None,
    done: set[str],
    sink: _JsonlSink | _ParquetSink,
    counts: dict[str, int],
) -> Iterator[dict[str, str]]:
    """Rows still to score, as the scorers take them; done rows are counted, unreadable ones
    written as errors straight away (as the one-machine path does).

    Sources are read here, on the driver, in a stream: reading is cheap next to the coach's
    analysis, and one reader for every source keeps ids and error rows identical to the local
    path's. The cluster does the expensive part.
    """
    for row_id, row, error in _source_rows(source, sql, database_url):
        if row_id in done:
            counts["skipped"] += 1
        elif row is None:
            print(f"{row_id}: {error}", file=sys.stderr)
            sink.write([json.dumps({"id": row_id, "error": error}, ensure_ascii=False)])
            counts["unreadable"] = counts.get("unreadable", 0) + 1
        else:
            yield {"id": row_id, _ROW_COLUMN: json.dumps(row, ensure_ascii=False, default=str)}


def _source_rows(
    source: Path | None, sql: str | None, database_url: str | None
) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
    if sql is not None:
        import psycopg
        from psycopg.rows import dict_row

        # A named (server-side) cursor streams the result instead of loading it whole.
        with (
            psycopg.connect(str(database_url), row_factory=dict_row) as connection,
            connection.cursor(name="tactful_score") as cursor,
        ):
            cursor.execute(sql)
            if cursor.description and "id" not in [c.name for c in cursor.description]:
                raise ValueError("the query must return an 'id' column")
            for result in cursor:
                yield str(result["id"]), _present(result), None
        return
    assert source is not None
    if _is_parquet(source):
        import pyarrow.parquet as pq

        for file in _parquet_files(source):
            parquet = pq.ParquetFile(file)
            if "id" not in parquet.schema_arrow.names:
                raise ValueError(f"{file}: a Parquet archive needs an 'id' column")
            for batch in parquet.iter_batches(batch_size=4096):
                for record in batch.to_pylist():
                    yield str(record["id"]), _present(record), None
        return
    for number, row, error in _rows(source):
        if row is None:
            yield f"line-{number}", None, error
        else:
            yield _row_id(number, row), row, None


def _present(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet or SQL row as an archive row: null columns are absent fields."""
    return {key: value for key, value in row.items() if value is not None}


def _windows(rows: Iterator[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    window: list[dict[str, str]] = []
    for row in rows:
        window.append(row)
        if len(window) == size:
            yield window
            window = []
    if window:
        yield window


def _blocks(rows: int, workers: int) -> int:
    """Enough blocks to keep every worker busy, few enough to keep the overhead small."""
    return max(1, min(-(-rows // _CHUNK), workers * 8))


def _parquet_rows(source: Path | None) -> int:
    """Rows in a Parquet file or folder, from the footers alone."""
    import pyarrow.parquet as pq

    assert source is not None
    return sum(pq.ParquetFile(file).metadata.num_rows for file in _parquet_files(source))


def _parquet_files(source: Path) -> list[Path]:
    """A Parquet file, or every Parquet file under a folder (as Ray and pyarrow write them)."""
    return sorted(source.rglob("*.parquet")) if source.is_dir() else [source]


def iter_records(out: Path) -> Iterator[dict[str, Any]]:
    """The records of an output (JSONL file or Parquet folder), as ``score_file`` writes them."""
    if out.suffix.lower() != ".parquet":
        with out.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)
        return
    import pyarrow.parquet as pq

    for part in sorted(out.glob("part-*.parquet")):
        for row in pq.read_table(part).to_pylist():
            record: dict[str, Any] = {"id": row["id"]}
            if row["error"] is not None:
                record["error"] = row["error"]
            if row["result"] is not None:
                record.update(json.loads(row["result"]))
            yield record
