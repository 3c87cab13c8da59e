from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "tactful.quality"
    label = "quality"
    verbose_name = _("Quality reviews")

    def ready(self) -> None:
        # Every solved conversation is reviewed by the coach (see handlers).
        from tactful.quality import handlers

        handlers.register()
