"""The desk: the Django project around the coach (settings, URLs, Celery app, command line)."""

from tactful.desk.celery_app import app as celery_app

__all__ = ["celery_app"]
