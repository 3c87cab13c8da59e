"""Settings for the desk, from the environment (one module; tests override in settings_test)."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
import platformdirs
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from tactful.livechat.layer_config import redis_channel_layer

# Lets the typed code write ``admin.ModelAdmin[Ticket]`` and ``QuerySet[Ticket]`` at run time.
django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/tactful


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, *, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


#: Where the SQLite database, uploaded attachments and the generated secret key live by default.
DATA_DIR = Path(os.environ.get("TACTFUL_DATA_DIR") or platformdirs.user_data_dir("tactful"))


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept in DATA_DIR."""
    configured = os.environ.get("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        return key_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        key_file.write_text(key, encoding="utf-8")
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("TACTFUL_DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default="127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "tactful.desk",
    "tactful.accounts",
    "tactful.customers",
    "tactful.tickets",
    "tactful.coaching",
    "tactful.inbox",
    "tactful.api",
    "tactful.outbound",
    "tactful.mail",
    "tactful.livechat",
    "tactful.webform",
    "tactful.canned",
    "tactful.sla",
    "tactful.automation",
    "tactful.monitoring",
    "tactful.satisfaction",
    "tactful.quality",
    "tactful.reports",
    "tactful.playbooks",
    "tactful.knowledge",
    "tactful.importing",
    "tactful.profiles",
    "tactful.portal",
    "tactful.teamsettings",
    "tactful.webhooks",
]

MIDDLEWARE = [
    # First, so it times everything below and tags every log line with the request id.
    "tactful.monitoring.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Every response gets the Content-Security-Policy; every request its nonce.
    "tactful.desk.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tactful.accounts.middleware.AgentLanguageMiddleware",
    # After the login: agents with a second factor enter its code before the desk opens.
    "tactful.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tactful.desk.urls"
WSGI_APPLICATION = "tactful.desk.wsgi.application"
ASGI_APPLICATION = "tactful.desk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tactful.desk.csp.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'tactful.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
#: Connections each web process may hold, in a pool (0: no pool). ``tactful serve`` and the
#: ASGI entry point turn it on (10) for PostgreSQL: under ASGI every request runs on a thread
#: of its own and Django keeps one connection per thread, so persistent connections piled up —
#: about 50 per web process under the load test, and PostgreSQL's 100 slots were gone (Celery
#: tasks and requests failed with "too many clients"). A bounded pool makes a burst wait for a
#: connection (at most TACTFUL_DATABASE_POOL_TIMEOUT seconds) instead of failing. Celery
#: workers run one task per process at a time and keep their one persistent connection.
TACTFUL_DATABASE_POOL_SIZE = int(os.environ.get("TACTFUL_DATABASE_POOL_SIZE", "0"))
TACTFUL_DATABASE_POOL_TIMEOUT = float(os.environ.get("TACTFUL_DATABASE_POOL_TIMEOUT", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    TACTFUL_DATABASE_POOL_SIZE > 0
):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": TACTFUL_DATABASE_POOL_SIZE,
        "timeout": TACTFUL_DATABASE_POOL_TIMEOUT,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps connections; Django must not
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; a busy timeout instead of "locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.Agent"
LOGIN_URL = "login"
# Django's own password check behind the throttle (tactful.accounts.security, docs/security.md).
AUTHENTICATION_BACKENDS = ["tactful.accounts.backends.ThrottledModelBackend"]
#: Wrong passwords for one username, and from one address (any usernames), within the window
#: before it is locked; wrong API tokens from one address likewise; how long a lock lasts.
TACTFUL_LOGIN_ACCOUNT_FAILURES = int(os.environ.get("TACTFUL_LOGIN_ACCOUNT_FAILURES", "5"))
TACTFUL_LOGIN_ADDRESS_FAILURES = int(os.environ.get("TACTFUL_LOGIN_ADDRESS_FAILURES", "20"))
TACTFUL_TOKEN_ADDRESS_FAILURES = int(os.environ.get("TACTFUL_TOKEN_ADDRESS_FAILURES", "20"))
TACTFUL_LOCKOUT_WINDOW_SECONDS = int(os.environ.get("TACTFUL_LOCKOUT_WINDOW_SECONDS", "900"))
TACTFUL_LOCKOUT_SECONDS = int(os.environ.get("TACTFUL_LOCKOUT_SECONDS", "900"))
#: Admins must set up a second factor (TOTP) before they reach the desk; agents may.
TACTFUL_REQUIRE_2FA_FOR_ADMINS = env_bool("TACTFUL_REQUIRE_2FA_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = "Tactful"
LOGIN_REDIRECT_URL = "inbox:inbox"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("ru", _("Russian"))]
LOCALE_PATHS = [PACKAGE_DIR / "desk" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served from the installed package (WhiteNoise finders): no collectstatic
# needed; set STATIC_ROOT to collect them for a CDN or a front proxy.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or DATA_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Serve straight from the apps' static folders so `tactful demo` needs no collectstatic.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Bad input: requests larger than this are refused before anything is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("TACTFUL_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
#: Largest attachment accepted, in bytes.
TACTFUL_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("TACTFUL_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))
)

# Celery: a broker from the environment; without one, tasks run in-process (the demo needs none).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
#: Seconds before the first retry of a failed coach analysis (doubles each time).
TACTFUL_ANALYSIS_RETRY_DELAY = int(os.environ.get("TACTFUL_ANALYSIS_RETRY_DELAY", "30"))
TACTFUL_ANALYSIS_MAX_RETRIES = int(os.environ.get("TACTFUL_ANALYSIS_MAX_RETRIES", "3"))
#: A reading still pending (or failed) this long after it was queued is queued again by beat.
TACTFUL_ANALYSIS_STUCK_SECONDS = int(os.environ.get("TACTFUL_ANALYSIS_STUCK_SECONDS", "900"))
#: Beat stops queueing a failed reading again after this many attempts (the ticket shows it).
TACTFUL_ANALYSIS_SWEEP_ATTEMPTS = int(os.environ.get("TACTFUL_ANALYSIS_SWEEP_ATTEMPTS", "5"))

# Delivery of replies (tactful.outbound): first retry after this many seconds, doubling.
TACTFUL_DELIVERY_RETRY_DELAY = int(os.environ.get("TACTFUL_DELIVERY_RETRY_DELAY", "60"))
TACTFUL_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("TACTFUL_DELIVERY_MAX_ATTEMPTS", "8"))
#: Seconds a worker may hold a reply "sending"; after that it is marked uncertain (never resent).
TACTFUL_DELIVERY_LEASE = int(os.environ.get("TACTFUL_DELIVERY_LEASE", "600"))

# Periodic work (run `celery -A tactful.desk.celery_app beat` beside the workers).
CELERY_BEAT_SCHEDULE = {
    "sweep-deliveries": {"task": "tactful.outbound.sweep_deliveries", "schedule": 60.0},
    # Event webhooks whose task was lost or whose retry is due (tactful.webhooks).
    "sweep-event-webhooks": {"task": "tactful.webhooks.sweep", "schedule": 60.0},
    # SLA warnings and breaches that came due (tactful.sla).
    "check-sla-deadlines": {"task": "tactful.sla.check_deadlines", "schedule": 60.0},
    # Coach readings left pending by a crash or a broker outage, and failed ones worth a retry.
    "sweep-stuck-analyses": {"task": "tactful.coaching.sweep_stuck_analyses", "schedule": 300.0},
}

# --- e-mail (tactful.mail) ---
#: Replies are sent from the ticket team's address, or from this one.
TACTFUL_MAIL_FROM = os.environ.get("TACTFUL_MAIL_FROM", "support@localhost")
DEFAULT_FROM_EMAIL = TACTFUL_MAIL_FROM
SERVER_EMAIL = TACTFUL_MAIL_FROM
#: Shared secret of the inbound-mail webhook (POST /mail/inbound/); empty: the endpoint is off.
TACTFUL_MAIL_WEBHOOK_SECRET = os.environ.get("TACTFUL_MAIL_WEBHOOK_SECRET", "")
#: Larger e-mails are refused (recorded for the admin, raw kept up to the next limit).
TACTFUL_MAIL_MAX_BYTES = int(os.environ.get("TACTFUL_MAIL_MAX_BYTES", str(50 * 1024 * 1024)))
#: How much of a refused e-mail's raw bytes is kept for the admin.
TACTFUL_MAIL_REFUSED_KEEP_BYTES = int(
    os.environ.get("TACTFUL_MAIL_REFUSED_KEEP_BYTES", str(50 * 1024 * 1024))
)
#: The ticket tag in reply subjects: "[#123]" with the default prefix "#".
TACTFUL_MAIL_TICKET_TAG_PREFIX = os.environ.get("TACTFUL_MAIL_TICKET_TAG_PREFIX", "#")


def smtp_settings_from_url(url: str) -> dict[str, object]:
    """Django e-mail settings from ``smtp://user:pass@host:587?starttls=1`` or ``smtps://…``.

    ``smtp://`` uses STARTTLS only when asked (``?starttls=1``); ``smtps://`` is TLS from the
    first byte (port 465 by default). User and password may be percent-encoded.
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"TACTFUL_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    implicit_tls = parts.scheme == "smtps"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or (465 if implicit_tls else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": implicit_tls,
        "EMAIL_USE_TLS": not implicit_tls
        and query.get("starttls", "").lower() in {"1", "true", "yes", "on"},
        "EMAIL_TIMEOUT": int(query.get("timeout", "30")),
    }


# Outgoing mail: TACTFUL_SMTP_URL points at a real server. Without it, replies are written into
# DATA_DIR/outbox by Django's file backend (a .log file of e-mails per process), so the demo
# "sends" with no server.
if os.environ.get("TACTFUL_SMTP_URL"):
    globals().update(smtp_settings_from_url(os.environ["TACTFUL_SMTP_URL"]))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
    EMAIL_TIMEOUT = 30

# --- e-mail: IMAP polling and mail servers (tactful.mail) ---
#: Seconds between polls of the IMAP mailboxes by Celery beat (or run `tactful manage poll_mail
#: --idle` for mail within seconds; use one or the other for a given mailbox).
CELERY_BEAT_SCHEDULE["poll-mailboxes"] = {
    "task": "tactful.mail.poll_mailboxes",
    "schedule": float(os.environ.get("TACTFUL_MAIL_POLL_SECONDS", "60")),
}

# --- live chat (tactful.livechat) ---
INSTALLED_APPS += ["channels"]
# The in-memory layer reaches only sockets held by the same process: fine for `tactful demo`
# (one uvicorn process, tasks in-process). With several processes (gunicorn workers, Celery
# workers delivering replies) set TACTFUL_CHANNELS_REDIS_URL (or REDIS_URL) for the Redis layer.
_channels_redis_url = os.environ.get("TACTFUL_CHANNELS_REDIS_URL") or os.environ.get("REDIS_URL")
CHANNEL_LAYERS = {
    "default": (
        redis_channel_layer(_channels_redis_url)
        if _channels_redis_url
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}
#: A chat whose visitor left this many minutes ago with an unanswered question (and gave an
#: e-mail address) continues by e-mail.
TACTFUL_CHAT_UNANSWERED_MINUTES = int(os.environ.get("TACTFUL_CHAT_UNANSWERED_MINUTES", "5"))
#: Chat messages one visitor (their e-mail address, else their chat) and one client IP may send
#: per window, across every tab and connection (each connection also has its own burst limit).
TACTFUL_CHAT_RATE_PER_VISITOR = int(os.environ.get("TACTFUL_CHAT_RATE_PER_VISITOR", "30"))
TACTFUL_CHAT_RATE_PER_IP = int(os.environ.get("TACTFUL_CHAT_RATE_PER_IP", "120"))
TACTFUL_CHAT_RATE_WINDOW = int(os.environ.get("TACTFUL_CHAT_RATE_WINDOW", "60"))
CELERY_BEAT_SCHEDULE["convert-unanswered-chats"] = {
    "task": "tactful.livechat.convert_unanswered_chats",
    "schedule": 60.0,
}
# Video calls from the chat (docs/calls.md): STUN/TURN URLs, comma-separated (none: browsers
# use host candidates only, enough on loopback and one LAN); coturn's static-auth-secret for
# per-call TURN credentials, and how long those stay valid (seconds).
TACTFUL_ICE_SERVERS = [
    url for url in re.split(r"[\s,]+", os.environ.get("TACTFUL_ICE_SERVERS", "")) if url
]
TACTFUL_TURN_SECRET = os.environ.get("TACTFUL_TURN_SECRET", "")
TACTFUL_TURN_TTL = int(os.environ.get("TACTFUL_TURN_TTL", str(4 * 3600)))
CELERY_BEAT_SCHEDULE["end-abandoned-calls"] = {
    "task": "tactful.livechat.end_abandoned_calls",
    "schedule": 60.0,
}

# --- contact form (tactful.webform) ---
#: Submissions one client IP may make per window (then a 429 page), and the window in seconds.
TACTFUL_CONTACT_RATE_LIMIT = int(os.environ.get("TACTFUL_CONTACT_RATE_LIMIT", "5"))
TACTFUL_CONTACT_RATE_WINDOW = int(os.environ.get("TACTFUL_CONTACT_RATE_WINDOW", "600"))
#: Submissions one e-mail address may make per window, whatever the IP (then a 429 with the
#: form kept as typed): one sender rotating through addresses cannot flood under one name.
TACTFUL_CONTACT_RATE_PER_ADDRESS = int(os.environ.get("TACTFUL_CONTACT_RATE_PER_ADDRESS", "3"))
#: A form sent sooner than this after the page loaded is asked again (bots are quick).
TACTFUL_CONTACT_MIN_SECONDS = float(os.environ.get("TACTFUL_CONTACT_MIN_SECONDS", "2"))
#: Proxies in front of the desk that append to X-Forwarded-For (0: use the socket address).
TACTFUL_CONTACT_PROXY_HOPS = int(os.environ.get("TACTFUL_CONTACT_PROXY_HOPS", "0"))
#: The same for the login and API-token throttle (tactful.accounts.security).
TACTFUL_PROXY_HOPS = int(os.environ.get("TACTFUL_PROXY_HOPS", str(TACTFUL_CONTACT_PROXY_HOPS)))
# --- help center (tactful.knowledge) ---
#: Article suggestions one client IP may ask for per window while typing (then 429).
TACTFUL_SUGGEST_RATE_LIMIT = int(os.environ.get("TACTFUL_SUGGEST_RATE_LIMIT", "120"))
TACTFUL_SUGGEST_RATE_WINDOW = int(os.environ.get("TACTFUL_SUGGEST_RATE_WINDOW", "60"))
# Outgoing webhooks of API-fed channels (tactful.outbound.webhooks): seconds per request.
TACTFUL_WEBHOOK_TIMEOUT = float(os.environ.get("TACTFUL_WEBHOOK_TIMEOUT", "10"))

# --- coaching UI (tactful.coaching) ---
#: Customer messages whose coach reading each process keeps for the live review (LRU).
TACTFUL_COACH_LIVE_CACHE_SIZE = int(os.environ.get("TACTFUL_COACH_LIVE_CACHE_SIZE", "2048"))

# --- canned responses (tactful.canned) ---

# --- automation and teammate protection (tactful.automation) ---
#: Days of handled conversations an agent's emotional load counts (team load, load-aware).
TACTFUL_EMOTIONAL_LOAD_DAYS = int(os.environ.get("TACTFUL_EMOTIONAL_LOAD_DAYS", "7"))

# --- quality reviews (tactful.quality) ---
#: A function (dotted path) returning each ticket's CSAT as good/neutral/bad (or an object
#: with that ``sentiment``), for sampling to favour low ratings; by default the satisfaction
#: app's current ratings when it is installed, else none (see tactful.quality.csat).
TACTFUL_QUALITY_CSAT_READER = os.environ.get(
    "TACTFUL_QUALITY_CSAT_READER",
    "tactful.satisfaction.selectors.ratings_for"
    if "tactful.satisfaction" in INSTALLED_APPS
    else "",
)
# Monday 06:00: draw last week's conversations for review; every night: review again what an
# older coach version reviewed.
CELERY_BEAT_SCHEDULE["quality-weekly-sample"] = {
    "task": "tactful.quality.draw_weekly_samples",
    "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
}
CELERY_BEAT_SCHEDULE["quality-review-outdated"] = {
    "task": "tactful.quality.review_outdated",
    "schedule": crontab(minute=30, hour=3),
}

# --- data protection (tactful.profiles.erasure) ---
#: Days after which a solved or closed ticket loses its personal data (text, attachments,
#: names; its figures stay). 0: kept for ever (the default).
TACTFUL_RETENTION_CLOSED_TICKETS_DAYS = int(
    os.environ.get("TACTFUL_RETENTION_CLOSED_TICKETS_DAYS", "0")
)
#: Days after which attachments are deleted from storage, whatever the ticket's state. 0: off.
TACTFUL_RETENTION_ATTACHMENTS_DAYS = int(os.environ.get("TACTFUL_RETENTION_ATTACHMENTS_DAYS", "0"))
# Every night at 02:40; with both settings at 0 the pass finds nothing to do.
CELERY_BEAT_SCHEDULE["apply-retention"] = {
    "task": "tactful.profiles.apply_retention",
    "schedule": crontab(minute=40, hour=2),
}


def redis_cache_settings(url: str) -> dict[str, dict[str, object]]:
    """``CACHES`` for a shared Redis cache that the desk can live without for a while.

    Short socket timeouts and :class:`tactful.desk.cache.ResilientRedisCache`: with Redis down
    or unreachable, pages are served as if the cache were empty (see docs/faults.md).
    """
    return {
        "default": {
            "BACKEND": "tactful.desk.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }


CACHES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
if os.environ.get("REDIS_URL"):
    CACHES = redis_cache_settings(os.environ["REDIS_URL"])

# With a shared cache, sessions are cached so most requests skip the session query (a
# per-process cache would let a logged-out session live on in the other processes).
if os.environ.get("REDIS_URL"):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("TACTFUL_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind TLS in production: TACTFUL_SECURE_COOKIES=1, TACTFUL_HSTS_SECONDS=31536000,
# TACTFUL_SSL_REDIRECT=1 (and TACTFUL_BEHIND_PROXY=1 when a proxy terminates TLS) make
# `tactful manage check --deploy` clean.
SECURE_HSTS_SECONDS = int(os.environ.get("TACTFUL_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_SSL_REDIRECT = env_bool("TACTFUL_SSL_REDIRECT", default=False)
if env_bool("TACTFUL_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (tactful.desk.csp, docs/security.md): report-only while trying a
# change, and where browsers should send their reports.
TACTFUL_CSP_REPORT_ONLY = env_bool("TACTFUL_CSP_REPORT_ONLY", default=False)
TACTFUL_CSP_REPORT_URI = os.environ.get("TACTFUL_CSP_REPORT_URI", "")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs: plain lines by default; TACTFUL_LOG_FORMAT=json writes one JSON object per line (time,
# level, logger, message, request id, extra fields) for a log collector.
TACTFUL_LOG_FORMAT = os.environ.get("TACTFUL_LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tactful.monitoring.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "tactful.monitoring.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if TACTFUL_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("TACTFUL_LOG_LEVEL", "WARNING")},
    # With no broker (tasks in-process) kombu still warns that it "reverts to localhost".
    "loggers": {} if CELERY_BROKER_URL else {"kombu.connection": {"level": "ERROR"}},
}

NINJA_PAGINATION_MAX_LIMIT = 100

# Monitoring: /metrics answers a scraper with this bearer token (none set: loopback only).
TACTFUL_METRICS_TOKEN = os.environ.get("TACTFUL_METRICS_TOKEN", "")
#: With several processes, an empty directory they share (the Prometheus client's
#: multiprocess mode); see docs/deploy.md.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# Satisfaction (tactful.satisfaction): links in survey e-mails point at the desk's public
# address; surveys expire and remind hourly; the uplifting feed is posted every minute; the
# monthly CSAT reports are made on the first of each month (and e-mailed to the leads).
TACTFUL_PUBLIC_URL = os.environ.get("TACTFUL_PUBLIC_URL", "http://127.0.0.1:8000")
#: Requests per client address per 10 minutes on the public survey pages.
TACTFUL_SURVEY_RATE_LIMIT = int(os.environ.get("TACTFUL_SURVEY_RATE_LIMIT", "60"))
CELERY_BEAT_SCHEDULE["satisfaction-surveys"] = {
    "task": "tactful.satisfaction.sweep_surveys",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["satisfaction-feed"] = {
    "task": "tactful.satisfaction.post_feed",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["satisfaction-monthly-reports"] = {
    "task": "tactful.satisfaction.monthly_reports",
    "schedule": crontab(minute=15, hour=0, day_of_month=1),
}

# --- customer portal (tactful.portal) ---
#: Minutes an e-mailed login link and code stay valid; hours a portal login lasts.
TACTFUL_PORTAL_CODE_MINUTES = int(os.environ.get("TACTFUL_PORTAL_CODE_MINUTES", "15"))
TACTFUL_PORTAL_SESSION_HOURS = int(os.environ.get("TACTFUL_PORTAL_SESSION_HOURS", "12"))
#: Login e-mails (or code tries) one address, and one client IP, may ask for per window (s).
TACTFUL_PORTAL_RATE_PER_ADDRESS = int(os.environ.get("TACTFUL_PORTAL_RATE_PER_ADDRESS", "3"))
TACTFUL_PORTAL_RATE_PER_IP = int(os.environ.get("TACTFUL_PORTAL_RATE_PER_IP", "20"))
TACTFUL_PORTAL_RATE_WINDOW = int(os.environ.get("TACTFUL_PORTAL_RATE_WINDOW", "900"))
