from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "tactful.webhooks"
    label = "webhooks"
    verbose_name = _("Event webhooks")

    def ready(self) -> None:
        # Ticket changes become deliveries (handlers); the cached list of subscriptions is
        # dropped whenever one changes (signals).
        from tactful.webhooks import handlers

        handlers.register()
