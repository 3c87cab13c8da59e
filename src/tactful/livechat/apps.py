"""Live chat: the embeddable widget, its WebSocket consumers and the ``chat`` transport."""

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class LiveChatConfig(AppConfig):
    name = "tactful.livechat"
    label = "livechat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        # Agents' replies on chat tickets reach the visitor's sockets (or, once the chat became
        # an e-mail conversation, their inbox).
        from tactful.livechat import ice, transport

        transport.register()
        checks.register(ice.check_ice_settings, checks.Tags.compatibility)
