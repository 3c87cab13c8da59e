"""The project-level app: templates, static files, translations and management commands."""

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "tactful.desk"
    label = "desk"
    verbose_name = "Tactful desk"
