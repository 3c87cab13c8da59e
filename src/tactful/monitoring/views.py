"""Health (is the process up?), readiness (can it serve?) and the Prometheus metrics page."""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from tactful.monitoring import selectors

_migrations_applied = False


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage does not make
    the orchestrator restart healthy web processes."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> str:
    global _migrations_applied
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrations_applied:
        # Once applied they stay applied for this process: asked once, not per probe.
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return "migrations not applied"
        _migrations_applied = True
    return "ok"


def _check_cache() -> str:
    ping = getattr(cache, "ping", None)
    if callable(ping):  # the Redis cache that hides outages from pages: ask Redis itself
        ping()
    cache.set("tactful:ready", "1", timeout=5)
    return "ok" if cache.get("tactful:ready") == "1" else "cache does not keep values"


#: Without these the desk still serves (the Redis cache acts empty, replies wait ``queued``
#: for the sweep): reported under ``degraded``, but they do not take the process out of the
#: load balancer — that would turn a Redis outage into a whole-desk outage.
DEGRADED_ONLY = frozenset({"cache", "broker"})


@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers and is migrated (200), else 503 with what failed — for the load balancer to stop sending traffic here. The cache and the Celery
    broker (when there is one) are reported, and listed under ``degraded`` when down, but do
    not make the process unready: the desk serves without them."""
    checks: dict[str, str] = {}
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        try:
            checks[name] = check()
        except Exception as exc:
            checks[name] = f"{type(exc).__name__}: {exc}"[:200]
    broker = selectors.broker_status()
    if broker is not None:
        checks["broker"] = broker
    ok = all(value == "ok" for name, value in checks.items() if name not in DEGRADED_ONLY)
    degraded = [name for name in DEGRADED_ONLY & checks.keys() if checks[name] != "ok"]
    payload: dict[str, Any] = {"ready": ok, "checks": checks}
    if degraded:
        payload["degraded"] = sorted(degraded)
    return HttpResponse(
        json.dumps(payload),
        status=200 if ok else 503,
        content_type="application/json",
    )


class BacklogCollector:
    """Gauges read at scrape time: analyses and deliveries waiting, the broker's queue."""

    def collect(self) -> Any:
        analyses = GaugeMetricFamily(
            "tactful_analyses_waiting",
            "Customer messages the coach has not read.",
            labels=["status"],
        )
        for status, count in selectors.analyses_waiting().items():
            analyses.add_metric([status], count)
        yield analyses
        deliveries = GaugeMetricFamily(
            "tactful_deliveries_waiting", "Replies not delivered yet, by state.", labels=["state"]
        )
        for state, count in selectors.deliveries_waiting().items():
            deliveries.add_metric([state], count)
        yield deliveries
        length = selectors.broker_queue_length()
        if length is not None:
            yield GaugeMetricFamily(
                "tactful_broker_queue_length", "Tasks waiting in the Celery queue.", value=length
            )


def _allowed(request: HttpRequest) -> bool:
    token = settings.TACTFUL_METRICS_TOKEN
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:  # no token configured: the scraper must be on this machine
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; a bearer token (``TACTFUL_METRICS_TOKEN``) or loopback only."""
    if not _allowed(request):
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    registry = CollectorRegistry()
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry)
    backlog = CollectorRegistry()
    backlog.register(BacklogCollector())
    output += generate_latest(backlog)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
