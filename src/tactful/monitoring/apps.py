from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tactful.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        # Counts what happens to tickets (ingest by channel, the coach's latency) and what
        # Celery workers do, for /metrics.
        from tactful.monitoring import handlers

        handlers.register()
