from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "tactful.satisfaction"
    label = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        # Surveys follow the ticket's status; thank-you messages feed the team's uplifting feed.
        from tactful.satisfaction import handlers

        handlers.register()
