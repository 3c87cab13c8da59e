from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboundConfig(AppConfig):
    name = "tactful.outbound"
    label = "outbound"
    verbose_name = _("Outgoing delivery")

    def ready(self) -> None:
        # Replies on API-fed channels (social, forum, phone, video, api) leave through the
        # channel's outgoing webhook, when one is configured.
        from tactful.outbound import services, webhooks
        from tactful.tickets import events

        webhooks.register_webhook_transports()
        # Every reply recorded on a ticket is delivered after the commit.
        events.subscribe(events.ReplyRecorded)(services.queue_new_reply)
