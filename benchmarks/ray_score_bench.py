"""Archive scoring: the multiprocessing path against Ray Data on 1 and 2 workers, in one run.

    python benchmarks/ray_score_bench.py [--rows 2000]

Writes a JSONL archive of customer messages in en/es/ru (from the coach benchmark's sentences),
then scores it with ``score_file`` on 1 and 2 processes and with ``score_with_ray`` on a local
cluster of 1 node and of 2 nodes (one CPU each, so one scorer per node), timing each from the
call to the last record written (start-up and model loading included, as a user would wait).
Prints rows/s and each figure's ratio to the multiprocessing path with as many workers. Asserts
nothing. Needs the ray extra (``pip install -e '.[ray]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coach_bench import CUSTOMER_SENTENCES

from tactful.coach._batch import score_file
from tactful.coach._ray import PRIVATE_RAY_ENVIRONMENT, score_with_ray


def _archive(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(rows):
            language = ("en", "es", "ru")[number % 3]
            text = " ".join(rng.sample(CUSTOMER_SENTENCES[language], 3))
            handle.write(json.dumps({"id": number, "text": text}, ensure_ascii=False) + "\n")


def _ray(archive: Path, out: Path, nodes: int) -> float:
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(
        initialize_head=True,
        head_node_args={
            "num_cpus": 1,
            "object_store_memory": 200 * 2**20,
            "include_dashboard": False,
        },
    )
    for _ in range(nodes - 1):
        cluster.add_node(num_cpus=1, object_store_memory=200 * 2**20)
    ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
    cluster.wait_for_nodes()
    try:
        started = time.perf_counter()
        summary = score_with_ray(archive, out, address=cluster.address, workers=nodes)
        elapsed = time.perf_counter() - started
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert summary["workers"] == nodes, summary
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    os.environ.update(PRIVATE_RAY_ENVIRONMENT)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    folder = Path(tempfile.mkdtemp(prefix="tactful-ray-bench-"))
    archive = folder / "archive.jsonl"
    _archive(archive, args.rows)

    results: dict[str, float] = {}
    for workers in (1, 2):
        started = time.perf_counter()
        score_file(archive, folder / f"local-{workers}.jsonl", workers=workers)
        results[f"multiprocessing, {workers} process(es)"] = time.perf_counter() - started
        results[f"Ray Data, {workers} node(s)"] = _ray(
            archive, folder / f"ray-{workers}.jsonl", workers
        )

    same = all(
        (folder / f"ray-{w}.jsonl").read_text() == (folder / f"local-{w}.jsonl").read_text()
        for w in (1, 2)
    )
    print(f"{args.rows} messages, load average {os.getloadavg()[0]:.1f}, same records: {same}")
    print(f"{'path':36} {'seconds':>8} {'rows/s':>8} {'vs multiprocessing':>19}")
    for name, seconds in results.items():
        workers = name.split(", ")[1][0]
        base = results[f"multiprocessing, {workers} process(es)"]
        print(f"{name:36} {seconds:8.1f} {args.rows / seconds:8.0f} {base / seconds:18.2f}×")


if __name__ == "__main__":
    main()
