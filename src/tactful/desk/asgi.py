"""ASGI entry point (uvicorn workers under gunicorn, ``tactful demo``, daphne): HTTP and chat."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings")
# Django is set up by get_asgi_application(); the routing imports models, so it comes after.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from tactful.livechat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)}
)
