"""Request metrics (count and latency by route) and a request id on every response and log line."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tactful.monitoring import logs, metrics

_REQUEST_ID = "HTTP_X_REQUEST_ID"


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    # The URL pattern, not the URL: /tickets/<int:ticket_id>/ stays one series.
    return match.route or match.view_name or "unmatched"


class RequestMetricsMiddleware:
    """Times each request and tags its log lines with an id (the proxy's, or a new one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get(_REQUEST_ID, "")
        request_id = given[:64] if given and given.isprintable() else uuid.uuid4().hex
        token = logs.request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            logs.request_id.reset(token)
        route = _route(request)
        metrics.REQUESTS.labels(
            route=route, method=request.method or "", status=f"{response.status_code // 100}xx"
        ).inc()
        metrics.REQUEST_SECONDS.labels(route=route).observe(time.perf_counter() - started)
        response["X-Request-ID"] = request_id
        return response
