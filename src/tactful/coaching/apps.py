from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    name = "tactful.coaching"
    label = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        # The coach reads each new customer message (see handlers); rules hear what it read.
        from tactful.coaching import handlers

        handlers.register()
