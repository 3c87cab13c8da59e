"""Test settings: PostgreSQL when TACTFUL_TEST_DATABASE_URL is set, in-memory SQLite otherwise."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tactful-tests-only-not-secret")
os.environ.setdefault("TACTFUL_DATA_DIR", os.path.join(tempfile.gettempdir(), "tactful-test-data"))
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.pop("DATABASE_URL", None)

import dj_database_url

from tactful.desk.settings import *  # noqa: F403

_test_database_url = os.environ.get("TACTFUL_TEST_DATABASE_URL")
if _test_database_url:
    DATABASES = {"default": dj_database_url.parse(_test_database_url, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "OPTIONS": {"timeout": 20},
        }
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_BROKER_URL = None
CELERY_TASK_ALWAYS_EAGER = True
TACTFUL_ANALYSIS_RETRY_DELAY = 0
ALLOWED_HOSTS = ["*"]
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": False}

# E-mail (tactful.mail): replies go to django.core.mail.outbox; the webhook is off unless a
# test sets a secret.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TACTFUL_MAIL_FROM = "support@tactful.test"
TACTFUL_MAIL_WEBHOOK_SECRET = ""
