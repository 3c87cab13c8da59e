from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "tactful.automation"
    label = "automation"
    verbose_name = _("Automation and protection")

    def ready(self) -> None:
        # Rules run when a ticket opens, the customer writes and the coach has read them.
        from tactful.automation import handlers

        handlers.register()
