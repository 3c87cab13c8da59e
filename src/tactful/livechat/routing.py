"""WebSocket routes: the widget's socket (any origin) and the agent pane's (origin-checked)."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from tactful.livechat.consumers import AgentConsumer, VisitorConsumer


class DeskOriginValidator(OriginValidator):
    """Only pages of the desk itself may open an agent socket (cross-site WebSocket hijacking).

    Like channels' ``AllowedHostsOriginValidator`` — ALLOWED_HOSTS, plus CSRF_TRUSTED_ORIGINS —
    but read at connection time, so settings changed after import (tests, a reload) apply.
    """

    def __init__(self, application: Any) -> None:
        super().__init__(application, [])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        self.allowed_origins = [*settings.ALLOWED_HOSTS, *settings.CSRF_TRUSTED_ORIGINS]
        if settings.DEBUG and not settings.ALLOWED_HOSTS:
            self.allowed_origins += ["localhost", "127.0.0.1", "[::1]"]
        return await super().__call__(scope, receive, send)


websocket_urlpatterns = [
    # The widget runs on customers' own sites: any origin, no cookies, a session token instead.
    path("chat/ws/visitor/", VisitorConsumer.as_asgi()),
    path(
        "chat/ws/agent/<int:ticket_id>/",
        DeskOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi())),
    ),
]
