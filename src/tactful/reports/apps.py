from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tactful.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The daily figures count replies and customer messages as they happen (handlers);
        # SQLite learns the percentile aggregate PostgreSQL has built in (aggregates).
        from tactful.reports import aggregates, handlers

        handlers.register()
        aggregates.register()
