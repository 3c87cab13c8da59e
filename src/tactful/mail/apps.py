"""The e-mail channel: ingest (IMAP, webhook) and replies over SMTP."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "tactful.mail"
    label = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from tactful.mail.transport import customer_has_email, send_reply
        from tactful.outbound import transports

        transports.register("email", send_reply)
        # Web-form customers are answered by e-mail (when they left an address).
        transports.register("web", send_reply, applies=customer_has_email)
