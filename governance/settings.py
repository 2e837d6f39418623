"""Steward settings, read from environment variables only.

With nothing set, Steward runs on the embedded default (DESIGN §7): SQLite under ``var/`` with
append-only triggers and IMMEDIATE transactions, tasks run in-process, keys generated on first use.
With DEBUG off it refuses SQLite and refuses to start without a configured checkpoint key.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = env(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("DEBUG", True)
DATA_DIR = Path(env("STEWARD_DATA_DIR") or BASE_DIR / "var")


def _development_secret_key() -> str:
    """A per-checkout random key, so even a dev instance never runs on a published constant."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
STEWARD_BASE_URL = env("STEWARD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI / ReDoc assets served locally, no CDN
    "django_htmx",
    "governance.api",
    "governance.audit",
    "governance.accounts",
    "governance.inventory",
    "governance.model_cards",
    "governance.evidence",
    "governance.bias_reviews",
    "governance.oversight",
    "lifecycle",
    "governance.reports",
    "governance.integrations",
    "governance.web",
    "governance.embedded",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "governance.web.middleware.RequestIdMiddleware",
    "governance.api.middleware.RequestLimitsMiddleware",  # 413 for oversized bodies, sign-in lockout
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"
ASGI_APPLICATION = "governance.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "governance.web.context_processors.navigation",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "steward.sqlite3"),
            # IMMEDIATE takes SQLite's write lock at BEGIN, so two writers serialise instead of
            # failing with "database is locked" halfway through; it is SQLite's append lock.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
if not DEBUG and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise ImproperlyConfigured(
        "With DEBUG off Steward refuses SQLite: set DATABASE_URL to a PostgreSQL database."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Celery ------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# Without a broker, tasks run in-process (the embedded default); they are still enqueued on commit.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "steward")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "incident-deadline-reminders": {
        "task": "governance.oversight.incidents.tasks.schedule_deadline_reminders_task",
        "schedule": timedelta(minutes=env_int("STEWARD_INCIDENT_REMINDER_SWEEP_MINUTES", 15)),
    },
    "monitoring-evaluate-pending": {
        "task": "lifecycle.monitoring_tasks.evaluate_pending_batches",
        "schedule": timedelta(seconds=env_int("STEWARD_MONITORING_SWEEP_SECONDS", 60)),
    },
    "reconcile-registries": {
        "task": "governance.integrations.tasks.reconcile_registries",
        "schedule": timedelta(minutes=env_int("STEWARD_RECONCILE_MINUTES", 15)),
    },
    "sweep-integrations": {
        "task": "governance.integrations.tasks.sweep_integrations",
        "schedule": timedelta(seconds=env_int("STEWARD_INTEGRATION_SWEEP_SECONDS", 60)),
    },
    "purge-idempotency-keys": {
        "task": "governance.api.tasks.purge_idempotency_keys",
        "schedule": timedelta(hours=1),
    },
    "write-audit-checkpoint": {
        "task": "governance.audit.tasks.write_checkpoint_task",
        "schedule": timedelta(minutes=env_int("STEWARD_CHECKPOINT_INTERVAL_MINUTES", 15)),
    },
    "verify-audit-chain": {
        "task": "governance.audit.tasks.verify_chain_task",
        "schedule": timedelta(hours=env_int("STEWARD_VERIFY_INTERVAL_HOURS", 24)),
    },
    "sweep-predictions-files": {
        "task": "governance.bias_reviews.tasks.sweep_predictions_task",
        "schedule": timedelta(minutes=env_int("STEWARD_PREDICTIONS_SWEEP_MINUTES", 10)),
    },
    "open-due-reviews": {
        "task": "lifecycle.tasks.open_due_reviews_task",
        "schedule": timedelta(minutes=env_int("STEWARD_REVIEW_SWEEP_MINUTES", 60)),
    },
    "approvals-sweep": {
        "task": "lifecycle.tasks.approvals_sweep_task",
        "schedule": timedelta(minutes=env_int("STEWARD_APPROVALS_SWEEP_MINUTES", 15)),
    },
    "sweep-notifications": {
        "task": "lifecycle.tasks.sweep_notifications_task",
        "schedule": timedelta(minutes=10),
    },
    "sweep-stale-audit-reports": {
        "task": "governance.reports.tasks.sweep_stale_reports_task",
        "schedule": timedelta(seconds=env_int("STEWARD_REPORT_SWEEP_SECONDS", 60)),
    },
}

# --- Email (Django 6.1 mailers) -------------------------------------------------------------------
# The console in development; SMTP (EMAIL_HOST…) with DEBUG off, where a console backend would
# silently drop every notification (Django's mail.E001 refuses it in `check --deploy`).
_DEFAULT_EMAIL_BACKEND = "console" if DEBUG else "smtp"
EMAIL_BACKEND_PATH = env("EMAIL_BACKEND", f"django.core.mail.backends.{_DEFAULT_EMAIL_BACKEND}.EmailBackend")
MAILERS: dict[str, dict[str, object]] = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env("EMAIL_HOST_USER"),
        "password": env("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Steward <steward@localhost>")

# --- Audit ledger and checkpoints ----------------------------------------------------------------
# Only the checkpoint writer reads the private key; every other process needs only the public key.
STEWARD_CHECKPOINT_KEY_FILE = env("STEWARD_CHECKPOINT_KEY_FILE")
STEWARD_CHECKPOINT_PUBLIC_KEY_FILE = env("STEWARD_CHECKPOINT_PUBLIC_KEY_FILE")
STEWARD_CHECKPOINT_DIR = env("STEWARD_CHECKPOINT_DIR")
if not STEWARD_CHECKPOINT_KEY_FILE:
    if not DEBUG:
        raise ImproperlyConfigured(
            "STEWARD_CHECKPOINT_KEY_FILE must name the Ed25519 signing key when DEBUG is off "
            "(python manage.py generate_signing_key PATH creates one)."
        )
    STEWARD_CHECKPOINT_KEY_FILE = str(DATA_DIR / "keys" / "checkpoint_ed25519.pem")
STEWARD_CHECKPOINT_PUBLIC_KEY_FILE = (
    STEWARD_CHECKPOINT_PUBLIC_KEY_FILE or STEWARD_CHECKPOINT_KEY_FILE + ".pub"
)
if not DEBUG and not Path(STEWARD_CHECKPOINT_PUBLIC_KEY_FILE).exists():
    raise ImproperlyConfigured(
        f"The checkpoint public key {STEWARD_CHECKPOINT_PUBLIC_KEY_FILE} does not exist "
        "(set STEWARD_CHECKPOINT_PUBLIC_KEY_FILE, or generate the pair with generate_signing_key)."
    )
STEWARD_CHECKPOINT_DIR = STEWARD_CHECKPOINT_DIR or str(DATA_DIR / "checkpoints")

# --- Files -------------------------------------------------------------------------------------
# Uploads live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = Path(env("STEWARD_MEDIA_ROOT") or DATA_DIR / "media")
MEDIA_URL = None  # never served directly
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "governance" / "static"]
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("STEWARD_MAX_REQUEST_BODY_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["governance.api.permissions.TokenScopePermission"],
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.StewardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["governance.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "governance.api.schema.StewardAutoSchema",
    "EXCEPTION_HANDLER": "governance.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": env("STEWARD_AUTH_RATE", "30/min"),
        # Per connection and sender address; MLflow retries a 429 with backoff.
        "webhook": env("STEWARD_WEBHOOK_RATE", "30000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# How many reverse proxies of ours stand before Steward, each appending to X-Forwarded-For; rate
# limits and sign-in lockouts count per client address, so behind a proxy this must be set.
STEWARD_PROXY_HOPS = env_int("STEWARD_PROXY_HOPS", 0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "ModelOps governance: inventory, lifecycle, approvals, documentation, audit trail.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssetStageEnum": "lifecycle.stages.AssetStage",
        "ReportScopeEnum": "governance.reports.models.ReportScope",
        "ReportStatusEnum": "governance.reports.models.ReportStatus",
        "VersionStageEnum": "lifecycle.stages.VersionStage",
        "AssetKindEnum": "governance.inventory.models.AssetKind",
        "DocumentKindEnum": "governance.model_cards.models.DocumentKind",
        "EvidenceKindEnum": "governance.evidence.models.EvidenceKind",
        "BiasVerdictEnum": "governance.bias_reviews.models.Verdict",
        "RevisionSourceEnum": "governance.model_cards.models.RevisionSource",
        "RegistryKindEnum": "governance.integrations.models.RegistryKind",
        "AiActCategoryEnum": "governance.inventory.models.AiActCategory",
        "MaterialityTierEnum": "governance.inventory.models.MaterialityTier",
        "TokenScopeEnum": "governance.accounts.roles.TokenScope",
        "ApprovalPurposeEnum": "lifecycle.models.policies.Purpose",
        "ApprovalRequestStatusEnum": "lifecycle.models.approvals.RequestStatus",
        "ApprovalKindEnum": [("asset", "Asset"), ("version", "Version")],
        "DecisionMeaningEnum": "lifecycle.models.approvals.Meaning",
        "GateEnum": "lifecycle.gates.Gate",
        "RoleEnum": "governance.accounts.roles.Role",
        "FindingStatusEnum": "governance.oversight.models.findings.FindingStatus",
        "FindingSourceEnum": "governance.oversight.models.findings.FindingSource",
        "FindingSeverityEnum": "governance.oversight.models.findings.Severity",
        "IncidentStatusEnum": "governance.oversight.models.incidents.IncidentStatus",
        "IncidentFilePurposeEnum": "governance.oversight.models.incidents.IncidentFilePurpose",
        "ObservationStatusEnum": "governance.oversight.models.monitoring.ObservationStatus",
        "MetricKindEnum": "governance.oversight.models.monitoring.MetricKind",
        "MetricDirectionEnum": "governance.oversight.models.monitoring.Direction",
        "DryRunCheckStatusEnum": [
            ("pass", "pass"),
            ("fail", "fail"),
            ("waived", "waived"),
            ("not_available", "not_available"),
            ("pending", "pending"),
            ("info", "info"),
        ],
    },
}

# --- Caches, sessions, security ---------------------------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env("CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading (hstspreload.org) binds the whole domain for months; its owner opts in, so
        # leaving it off is a deliberate default, not a warning `check --deploy` should fail on.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    if env_bool("STEWARD_BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Steward's own knobs -----------------------------------------------------------------------
STEWARD_TOKEN_DEFAULT_DAYS = env_int("STEWARD_TOKEN_DEFAULT_DAYS", 90)
STEWARD_AUDIT_CSV_MAX_ROWS = env_int("STEWARD_AUDIT_CSV_MAX_ROWS", 1_000_000)

# --- Approvals (lifecycle/approvals) --------------------------------------------------------------
# API signatures: a signing token minted with the password is valid this long, for one decision.
STEWARD_SIGNING_TOKEN_SECONDS = env_int("STEWARD_SIGNING_TOKEN_SECONDS", 300)
STEWARD_WAIVER_MAX_DAYS = env_int("STEWARD_WAIVER_MAX_DAYS", 365)
# Owners are reminded of unresolved findings this many days before their due date.
STEWARD_FINDING_REMINDER_DAYS = env_int("STEWARD_FINDING_REMINDER_DAYS", 7)

# --- Audit reports (governance/reports) ---------------------------------------------------------
# The PDF signing certificate: generated self-signed under the data dir in development (DEBUG on);
# in production point these at a configured certificate and key — with DEBUG off Steward refuses to
# render a report it cannot sign (`check --deploy` notes it, as reports.I001, while they are missing).
STEWARD_REPORT_CERT_FILE = env("STEWARD_REPORT_CERT_FILE") or str(
    DATA_DIR / "keys" / "report-signing-cert.pem"
)
STEWARD_REPORT_KEY_FILE = env("STEWARD_REPORT_KEY_FILE") or str(DATA_DIR / "keys" / "report-signing-key.pem")
STEWARD_REPORT_KEY_PASSPHRASE = env("STEWARD_REPORT_KEY_PASSPHRASE")
STEWARD_REPORT_TABLE_ROW_CAP = env_int("STEWARD_REPORT_TABLE_ROW_CAP", 3000)
STEWARD_REPORT_MAX_EVENTS = env_int("STEWARD_REPORT_MAX_EVENTS", 20_000)
STEWARD_REPORT_LEASE_SECONDS = env_int("STEWARD_REPORT_LEASE_SECONDS", 300)
STEWARD_REPORT_SOFT_TIME_LIMIT = env_int("STEWARD_REPORT_SOFT_TIME_LIMIT", 1500)
STEWARD_REPORT_HARD_TIME_LIMIT = env_int("STEWARD_REPORT_HARD_TIME_LIMIT", 1800)
STEWARD_REPORT_MAX_ATTEMPTS = env_int("STEWARD_REPORT_MAX_ATTEMPTS", 3)

# --- Documentation, evidence and bias reviews (model_cards, evidence, bias_reviews) ---------------
STEWARD_EVIDENCE_MAX_BYTES = env_int("STEWARD_EVIDENCE_MAX_BYTES", 50 * 1024 * 1024)
# MIME types accepted as evidence, as libmagic detects them from the content (names are ignored).
STEWARD_EVIDENCE_ALLOWED_TYPES = env_list(
    "STEWARD_EVIDENCE_ALLOWED_TYPES",
    [
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/json",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    ],
)
STEWARD_PREDICTIONS_MAX_BYTES = env_int("STEWARD_PREDICTIONS_MAX_BYTES", 200 * 1024 * 1024)
# Hours a predictions file (it holds sensitive attributes) is kept after its computation; 0 purges at once.
STEWARD_PREDICTIONS_RETENTION_HOURS = env_int("STEWARD_PREDICTIONS_RETENTION_HOURS", 0)
STEWARD_PREDICTIONS_LEASE_SECONDS = env_int("STEWARD_PREDICTIONS_LEASE_SECONDS", 600)
# Default fairness thresholds, used when no approval policy gives any (empty: not checked).
STEWARD_BIAS_DP_RATIO_MIN = env("STEWARD_BIAS_DP_RATIO_MIN", "0.8")
STEWARD_BIAS_DP_DIFFERENCE_MAX = env("STEWARD_BIAS_DP_DIFFERENCE_MAX", "")
STEWARD_BIAS_EO_DIFFERENCE_MAX = env("STEWARD_BIAS_EO_DIFFERENCE_MAX", "")

# --- Registry integrations and the public API (governance/integrations, governance/api) ----------
# Fernet keys encrypting webhook secrets and registry tokens at rest (comma-separated, first one
# encrypts; any string works, it is stretched with HKDF). Unset: derived from SECRET_KEY.
STEWARD_INTEGRATION_KEYS = env_list("STEWARD_INTEGRATION_KEYS", [])
STEWARD_REGISTRY_TIMEOUT_SECONDS = env_int("STEWARD_REGISTRY_TIMEOUT_SECONDS", 10)
STEWARD_WEBHOOK_TOLERANCE_SECONDS = env_int("STEWARD_WEBHOOK_TOLERANCE_SECONDS", 300)
STEWARD_INBOX_MAX_ATTEMPTS = env_int("STEWARD_INBOX_MAX_ATTEMPTS", 8)
STEWARD_OUTBOX_MAX_ATTEMPTS = env_int("STEWARD_OUTBOX_MAX_ATTEMPTS", 8)
STEWARD_OUTBOX_BACKOFF_SECONDS = env_int("STEWARD_OUTBOX_BACKOFF_SECONDS", 30)
STEWARD_OUTBOX_ECHO_MINUTES = env_int("STEWARD_OUTBOX_ECHO_MINUTES", 15)
STEWARD_TASK_LEASE_SECONDS = env_int("STEWARD_INTEGRATION_LEASE_SECONDS", 300)
STEWARD_SWEEP_GRACE_SECONDS = env_int("STEWARD_INTEGRATION_SWEEP_GRACE_SECONDS", 60)
STEWARD_SWEEP_BATCH = env_int("STEWARD_INTEGRATION_SWEEP_BATCH", 500)
STEWARD_IDEMPOTENCY_TTL_HOURS = env_int("STEWARD_IDEMPOTENCY_TTL_HOURS", 24)
STEWARD_MAX_REQUEST_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
STEWARD_MAX_UPLOAD_BYTES = env_int("STEWARD_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
STEWARD_MAX_WEBHOOK_BODY_BYTES = env_int("STEWARD_MAX_WEBHOOK_BODY_BYTES", 256 * 1024)

# --- Monitoring and incidents ------------------------------------------------------------------
# Deployed versions without an observation for a window ending in the last N days are flagged.
STEWARD_MONITORING_STALE_DAYS = env_int("STEWARD_MONITORING_STALE_DAYS", 7)
# The version page charts each metric over this many days, at most this many points per metric.
STEWARD_MONITORING_CHART_DAYS = env_int("STEWARD_MONITORING_CHART_DAYS", 90)
STEWARD_MONITORING_CHART_POINTS = env_int("STEWARD_MONITORING_CHART_POINTS", 500)
# A stored batch is evaluated (findings, incidents, suspension) by a task queued on commit; the sweeper
# re-queues batches still unevaluated after this many seconds.
STEWARD_MONITORING_EVALUATION_GRACE_SECONDS = env_int("STEWARD_MONITORING_EVALUATION_GRACE_SECONDS", 120)
# Hours before an incident's report deadline at which reminders are emailed (0 = the overdue notice).
STEWARD_INCIDENT_REMINDER_HOURS: list[int] = [
    int(h) for h in env_list("STEWARD_INCIDENT_REMINDER_HOURS", ["72", "24", "0"])
]
