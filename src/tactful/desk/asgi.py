"""ASGI entry point (uvicorn workers under gunicorn, ``tactful demo``, daphne): HTTP and chat."""

import os

from django.core.asgi import get_asgi_application

from tactful.desk.cli import WEB_DATABASE_POOL_SIZE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings")
# A web process serves each request on a thread of its own: a bounded pool of database
# connections, not one persistent connection per thread (settings.TACTFUL_DATABASE_POOL_SIZE).
os.environ.setdefault("TACTFUL_DATABASE_POOL_SIZE", str(WEB_DATABASE_POOL_SIZE))
# Django is set up by get_asgi_application(); the routing imports models, so it comes after.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from tactful.livechat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {"http": django_asgi_app, "websocket": URLRouter(websocket_urlpatterns)}
)
