"""The desk's Prometheus metrics, defined once.

With several processes (gunicorn workers, Celery workers) set ``PROMETHEUS_MULTIPROC_DIR`` to
an empty directory shared by them: the client then writes each process's samples there and
``/metrics`` adds them up (see docs/deploy.md).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

#: Seconds: fine buckets where the pages and the coach live, coarse ones for slow tasks.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

REQUESTS = Counter(
    "tactful_http_requests_total",
    "HTTP requests answered, by route, method and status class.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "tactful_http_request_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
MESSAGES_RECEIVED = Counter(
    "tactful_messages_received_total",
    "Customer messages stored, by channel (repeats of a delivery are not counted).",
    ["channel", "opened_ticket"],
)
COACH_SECONDS = Histogram(
    "tactful_coach_analysis_seconds",
    "Time the coach took to read one customer message (the model only, not the bookkeeping).",
    buckets=LATENCY_BUCKETS,
)
TASK_SECONDS = Histogram(
    "tactful_task_seconds",
    "Time a Celery task ran, by task and outcome.",
    ["task", "outcome"],
    buckets=LATENCY_BUCKETS,
)
