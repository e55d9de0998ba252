"""Settings for the interview-loop service, one module driven by environment variables.

Every variable has a default that works on a laptop (SQLite, tasks in-process) except the
production-only secret, which must be set whenever DEBUG is off. DEBUG itself is off unless the
environment says `DEBUG=1` (`make run` does): a forgotten variable must not publish tracebacks with
the cache and broker URLs in them. `.env.example` documents them all.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_optional_int(name: str, *, minimum: int = 0) -> int | None:
    """A whole number, or None when the variable is unset or empty."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return env_int(name, 0, minimum=minimum)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int_list(name: str, default: list[int]) -> list[int]:
    """Whole numbers separated by commas ("5,300,1800")."""
    items = env_list(name, [str(value) for value in default])
    if not items or not all(item.isascii() and item.isdigit() for item in items):
        raise ImproperlyConfigured(
            f"{name} must be whole numbers separated by commas, got {os.environ.get(name)!r}"
        )
    return [int(item) for item in items]


_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not _RATE.match(value):
        raise ImproperlyConfigured(
            f"{name} must look like '1200/min' (count/s|min|hour|day), got {value!r}"
        )
    return value


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be a private value of 32+ characters when DEBUG is off"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin, whose site revokes tokens on its own-password page (core/admin_site.py).
    "core.admin_apps.AdminConfig",
    # manage.py changepassword revoking tokens too; before django.contrib.auth, whose command
    # of the same name it replaces (core/passwords/apps.py).
    "core.passwords",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Hashed, expiring, revocable tokens, several per user; core.ApiToken adds a name and a kind.
    "knox",
    # Failed-login limits on every path that calls authenticate() (token, /api-auth/, /admin/).
    "axes",
    "django_filters",
    "drf_spectacular",
    "core",
    "questionbank",
    "interviews",
    "scoring",
    # Webhooks (Standard Webhooks): subscriptions, deliveries, their log; depends on core only.
    "webhooks",
    # Candidate data protection: export, erasure, retention (reads every app below it).
    "privacy",
    # Feedback reminders and overdue notices by e-mail (reads interviews and scoring).
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a locked-out form login (/api-auth/login/, /admin/login/) into
    # the API's 429 (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

# The axes backend comes first: it refuses a locked-out username and address before the password
# is even checked, on every login path at once.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, defaulting to a SQLite file beside the project.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
except Exception as exc:  # dj-database-url raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Health checks notice a connection dropped by a PostgreSQL restart and replace it instead of
    # failing the next request. DB_POOL turns on psycopg's pool (then CONN_MAX_AGE must be 0).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env_bool("DB_POOL", False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        # CONN_HEALTH_CHECKS makes Django pass the pool a check, so a connection dropped by a
        # restart is replaced before a request gets it.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2, minimum=1),
            "max_size": env_int("DB_POOL_MAX", 10, minimum=1),
            # Seconds a request waits for a connection before its 503. A sync worker uses one
            # connection at a time, so only an unreachable database makes it wait at all: keep
            # it short, or every worker hangs for this long per request during an outage.
            "timeout": env_int("DB_POOL_TIMEOUT", 3, minimum=1),
            # psycopg retries a failed connect with doubling waits (1, 2, 4, 8 s...) for this
            # long, then gives up and the next request starts afresh. Short, so the pool is back
            # within seconds of the database however long it was down
            # (bench/drill_postgres_restart.py).
            "reconnect_timeout": env_int("DB_POOL_RECONNECT_TIMEOUT", 5, minimum=1),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DB_CONNECT_TIMEOUT", 5, minimum=1
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared by rate limits. CACHE_URL (redis://...) in production so every gunicorn worker
# counts the same requests; an in-process cache otherwise.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis:// URL or empty")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Request bodies larger than this get a 413 in the API's error shape.
REQUEST_MAX_BODY_BYTES = env_int("REQUEST_MAX_BODY_BYTES", 1_048_576, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES

THROTTLE_USER_WRITES = env_rate("THROTTLE_USER_WRITES", "1200/min")
# Unknown secrets on the calendar feed URL per client address (core.throttling
# .CalendarFeedMissThrottle); fetches with a right secret are not counted.
THROTTLE_CALENDAR_FEED_MISSES = env_rate("THROTTLE_CALENDAR_FEED_MISSES", "30/min")

# Tokens (django-rest-knox, docs/SECURITY.md "Tokens"): a sign-in token lives TOKEN_TTL_HOURS;
# only its SHA-512 digest is stored.
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 24, minimum=1)
KNOX_TOKEN_MODEL = "core.ApiToken"
# knox's own migrations create its AuthToken table without marking the model swappable, so with
# core.ApiToken in its place they would leave an empty `knox_authtoken` table whose foreign key to
# auth_user blocks TRUNCATE (every transactional test's flush). The model is swapped: no table.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_MODEL": KNOX_TOKEN_MODEL,
}

# Failed logins (django-axes, docs/SECURITY.md "Logins"): after LOGIN_FAILURE_LIMIT failures for
# one username from one address, with no pause of LOGIN_LOCKOUT_MINUTES between them, that pair
# (and only that pair) is refused for LOGIN_LOCKOUT_MINUTES after the last counted failure.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Reverse proxies in front of gunicorn that each append the address they received the request
# from to X-Forwarded-For. 0: the peer address is the client (the header is ignored).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Attempts while locked are refused without being counted, so the lock ends when Retry-After says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "core.login_limits.login_locked_out_response"
AXES_VERBOSE = False
# A right password from the same address starts the count afresh.
AXES_RESET_ON_SUCCESS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserWriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user_writes": THROTTLE_USER_WRITES,
        "calendar_feed_misses": THROTTLE_CALENDAR_FEED_MISSES,
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Interview Loops API",
    "DESCRIPTION": (
        "Question bank, balanced interview loops, blind scorecards and calibration reports that "
        "separate interviewer severity from candidate ability."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
        "core.schema.add_links",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ServiceStatusEnum": ["ok", "unavailable"],
        "LoopStatusEnum": "interviews.models.Loop.Status",
        "ScorecardStatusEnum": "scoring.scorecards.models.Scorecard.Status",
        "CalibrationReportStatusEnum": "scoring.reports.models.CalibrationReport.Status",
        "RecommendationEnum": "scoring.scorecards.models.Recommendation",
        "LoopDecisionEnum": "interviews.models.Loop.Decision",
        "PoolMemberStatusEnum": "interviews.models.PoolMember.Status",
    },
}

# Celery: with no broker configured, tasks run in-process (eagerly) so a laptop needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish while Redis is down must fail fast (the report stays queued and the beat task sends it
# again) instead of holding the HTTP request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
}
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULE = {
    "calibration-reports-requeue-stale": {
        "task": "scoring.tasks.calibration_reports_requeue_stale_task",
        "schedule": env_int("CALIBRATION_REQUEUE_EVERY_SECONDS", 60, minimum=5),
    },
    # docs/PRIVACY.md: candidates with no loop activity for CANDIDATE_RETENTION_DAYS are erased.
    "candidates-erase-expired": {
        "task": "privacy.tasks.candidates_erase_expired_task",
        "schedule": 24 * 60 * 60,
    },
    "idempotency-records-expire": {
        "task": "core.tasks.idempotency_records_expire_task",
        "schedule": 60 * 60,
    },
    # docs/RELIABILITY.md "Feedback reminders": safe with two beats (each e-mail is claimed).
    "feedback-reminders-send": {
        "task": "notifications.tasks.feedback_reminders_send_task",
        "schedule": env_int("FEEDBACK_REMINDER_EVERY_SECONDS", 300, minimum=30),
    },
    # docs/RELIABILITY.md: sends webhook deliveries that are due and not held by a live worker.
    "webhook-deliveries-sweep": {
        "task": "webhooks.tasks.webhook_deliveries_sweep_task",
        "schedule": env_int("WEBHOOK_SWEEP_EVERY_SECONDS", 30, minimum=5),
    },
    # docs/RELIABILITY.md: deletes finished deliveries past WEBHOOK_DELIVERY_RETENTION_DAYS.
    "webhook-deliveries-prune": {
        "task": "webhooks.tasks.webhook_deliveries_prune_task",
        "schedule": 60 * 60,
    },
}
# The right-hand side of calendar event UIDs (`session-<id>@<domain>`): set it once per deployment
# and keep it, or subscribed calendars see every session as a new event.
CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "").strip() or "interview-loops.local"
# Days without loop activity after which a candidate is erased; unset or empty: kept forever.
CANDIDATE_RETENTION_DAYS = env_optional_int("CANDIDATE_RETENTION_DAYS", minimum=1)
# Hours a stored idempotent response (which may hold personal data) is kept for replays.
IDEMPOTENCY_TTL_HOURS = env_int("IDEMPOTENCY_TTL_HOURS", 24, minimum=1)
# A report whose worker has not reported progress for this long is sent again.
CALIBRATION_STALE_AFTER_SECONDS = env_int("CALIBRATION_STALE_AFTER_SECONDS", 300, minimum=5)

# E-mail (README "E-mail"). With EMAIL_HOST set, Django's SMTP backend sends through it; unset,
# mail is printed to the console under DEBUG (a laptop needs no mail server), and with DEBUG off
# the feedback reminders are held back (logged) until EMAIL_HOST is set, so none is lost.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP connect or command may take; a hung server must not hold a worker longer than
# a notice's claim lasts (notifications/services.py: the lease is a multiple of this).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "interview-loops@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# Feedback reminders (API.md additions, Notifications): first reminder this many hours after a
# session ended without the interviewer's submitted scorecard, then one a day, at most
# FEEDBACK_REMINDER_MAX; after FEEDBACK_OVERDUE_AFTER_HOURS the job's hiring managers are told.
FEEDBACK_REMINDER_AFTER_HOURS = env_int("FEEDBACK_REMINDER_AFTER_HOURS", 1)
FEEDBACK_REMINDER_MAX = env_int("FEEDBACK_REMINDER_MAX", 5)
FEEDBACK_OVERDUE_AFTER_HOURS = env_int("FEEDBACK_OVERDUE_AFTER_HOURS", 48)
# Webhooks (docs/SECURITY.md, "Webhook receivers"). Both escapes are on under DEBUG so a laptop can
# post to a receiver on 127.0.0.1 over plain HTTP; cloud metadata addresses stay refused anyway.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", DEBUG)
WEBHOOK_ALLOW_INSECURE = env_bool("WEBHOOK_ALLOW_INSECURE", DEBUG)
# The whole of one delivery attempt (DNS lookup, connect, send, the receiver's status line), not
# per read.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
# The function that resolves a receiver's host name, with socket.getaddrinfo's signature (a
# dotted path). The default is the system resolver; another (a DNS library's, a test's) may be
# put here. Whatever it is, WEBHOOK_TIMEOUT_SECONDS bounds its lookup (webhooks/addresses.py).
WEBHOOK_RESOLVER = os.environ.get("WEBHOOK_RESOLVER", "").strip() or "socket.getaddrinfo"
# Seconds to wait after the 1st, 2nd, ... failed attempt (Standard Webhooks' suggestion), each
# jittered by +-10%: 8 attempts over about 28 hours. A delivery fails after the last one.
WEBHOOK_RETRY_DELAYS_SECONDS = env_int_list(
    "WEBHOOK_RETRY_DELAYS_SECONDS", [5, 300, 1800, 7200, 18000, 36000, 36000]
)
# A claimed delivery is taken over by the sweep this long after its attempt's timeout ran out
# (the worker died mid-delivery).
WEBHOOK_CLAIM_MARGIN_SECONDS = env_int("WEBHOOK_CLAIM_MARGIN_SECONDS", 30, minimum=1)
# The sweep re-sends a due delivery only once it has waited this long (its own message was lost).
WEBHOOK_SWEEP_GRACE_SECONDS = env_int("WEBHOOK_SWEEP_GRACE_SECONDS", 60, minimum=0)
# A subscription whose every attempt failed for this many days (and at least this many attempts
# in a row) is disabled, with the reason in its output.
WEBHOOK_DISABLE_AFTER_DAYS = env_int("WEBHOOK_DISABLE_AFTER_DAYS", 5, minimum=1)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 20, minimum=1)
# Finished deliveries (succeeded, or failed after the last retry) are deleted from the delivery
# log this many days after they were created; pending ones are kept however old.
WEBHOOK_DELIVERY_RETENTION_DAYS = env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 30, minimum=1)

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
    # Health probes from the orchestrator arrive over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Secrets in URL paths (the calendar feed's) are redacted before anything is written
# (core/log_redaction.py): on the loggers that write request paths, and on the console handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "core.log_redaction.SecretPathRedactionFilter"}},
    "formatters": {
        # Django's own format for the development server's request log.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact_secrets"]},
        # Django's own configuration gives the development server's request log a handler of
        # its own and no propagation; naming the logger here replaces that, so say it all again.
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["redact_secrets"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
