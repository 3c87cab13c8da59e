from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportingConfig(AppConfig):
    name = "tactful.importing"
    label = "importing"
    verbose_name = _("Import and export")
