from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "tactful.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        # The clocks follow every change that moves them (see handlers).
        from tactful.sla import handlers

        handlers.register()
