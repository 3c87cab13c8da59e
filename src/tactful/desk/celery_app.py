"""The Celery application; with no broker configured every task runs in-process (eager)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tactful.desk.settings")

app = Celery("tactful")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
