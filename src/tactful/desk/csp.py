"""Content-Security-Policy on every response, with a fresh nonce per request.

No page runs inline script: every script is a static file from the desk itself, data travels
in ``<script type="application/json">`` blocks (never executed) and behaviour hangs on ``data-``
attributes, so ``script-src`` is ``'self'`` alone. ``style-src`` is ``'self'`` plus the
request's nonce, for the few ``<style>`` blocks and the styles htmx and the chat widget insert. ``style-src-attr 'unsafe-inline'`` is
what remains loose: templates and scripts still set ``style="…"`` attributes, which can change
how a page looks but run nothing. docs/security.md lists the policy and why each part is there.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy(nonce: str) -> str:
    """The policy sent with every page (``nonce`` is the request's own)."""
    parts = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "style-src-attr": "'unsafe-inline'",
        # Attachments and charts are drawn from the desk; data:/blob: for generated images.
        "img-src": "'self' data: blob:",
        "media-src": "'self' blob:",
        "font-src": "'self'",
        # 'self' covers the desk's own ws:/wss: (live chat, the live review).
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if settings.TACTFUL_CSP_REPORT_URI:
        parts["report-uri"] = settings.TACTFUL_CSP_REPORT_URI
    return "; ".join(f"{name} {value}" for name, value in parts.items())


class ContentSecurityPolicyMiddleware:
    """Give each request a nonce (``request.csp_nonce``) and each response the policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.TACTFUL_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        # A view with needs of its own (none today) may set its policy; it is kept.
        if header not in response.headers:
            response.headers[header] = policy(nonce)
        return response


def nonce(request: HttpRequest) -> dict[str, str]:
    """Template context: ``{{ csp_nonce }}`` for ``<style nonce=…>`` and htmx's config."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
