"""ArbitrageVault settings: one module, every value from the environment (django-environ).

The embedded default (no environment at all) is a developer machine: DEBUG on, SQLite in the
project folder, demo market data, console e-mail. Production sets DEBUG=false and must then
provide SECRET_KEY, or the process refuses to start. gunicorn (wsgi.py) defaults DEBUG to false.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set the SECRET_KEY environment variable "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-arbitragevault-development-only-key-never-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "batches",
    "analyses",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "arbitragevault.urls"
WSGI_APPLICATION = "arbitragevault.wsgi.application"

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
                "arbitragevault.context_processors.market",
            ],
            "builtins": ["arbitragevault.templatetags.vault"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two processes (web + worker)
    # never deadlock upgrading a read lock; WAL lets readers run beside the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters travel separately from the SQL instead of being quoted into it by Python:
        # quoting JSON columns client-side was the largest cost of writing analyses.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("server_side_binding", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (API throttling counts here) -------------------------------------------------------
# The default is per process; with several gunicorn workers or machines, point CACHE_URL at a
# shared cache (e.g. dbcache://arbitragevault_cache after `manage.py createcachetable`) so the
# per-user rate limit is counted once.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://arbitragevault")}

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# ModelBackend looks users up through UserManager.get_by_natural_key: e-mail, case-insensitive.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "batches:batch_list"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- I18N / time --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise; every JS/CSS file is vendored, nothing from a CDN) --------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

# --- Security (production: DEBUG=false) ---------------------------------------------------
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=true so Django trusts
# X-Forwarded-Proto; SECURE_SSL_REDIRECT=false when the proxy already redirects.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^health/ready$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Uploads ------------------------------------------------------------------------------
SHEET_MAX_BYTES = env.int("SHEET_MAX_BYTES", default=20 * 1024 * 1024)
SHEET_MAX_ROWS = env.int("SHEET_MAX_ROWS", default=100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = SHEET_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Market data (Keepa) ------------------------------------------------------------------
KEEPA_API_KEY = env.str("KEEPA_API_KEY", default="")
KEEPA_API_URL = env.str("KEEPA_API_URL", default="https://api.keepa.com")
KEEPA_DOMAIN = env.int("KEEPA_DOMAIN", default=1)
KEEPA_TIMEOUT_CONNECT = env.float("KEEPA_TIMEOUT_CONNECT", default=10.0)
KEEPA_TIMEOUT_READ = env.float("KEEPA_TIMEOUT_READ", default=60.0)
KEEPA_MAX_RETRIES = env.int("KEEPA_MAX_RETRIES", default=4)
KEEPA_MAX_TOKEN_WAIT = env.float("KEEPA_MAX_TOKEN_WAIT", default=300.0)
MARKET_DATA_SOURCE = env.str("MARKET_DATA_SOURCE", default="keepa" if KEEPA_API_KEY else "demo")
if MARKET_DATA_SOURCE not in ("keepa", "demo"):
    raise ImproperlyConfigured("MARKET_DATA_SOURCE must be 'keepa' or 'demo'.")
if MARKET_DATA_SOURCE == "keepa" and not KEEPA_API_KEY:
    raise ImproperlyConfigured("MARKET_DATA_SOURCE=keepa needs KEEPA_API_KEY.")
MARKET_CACHE_TTL = env.int("MARKET_CACHE_TTL", default=24 * 3600)  # seconds

# --- Batches and background work ----------------------------------------------------------
BATCH_CHUNK_SIZE = env.int("BATCH_CHUNK_SIZE", default=100)
BATCH_CHUNK_LEASE_SECONDS = env.int("BATCH_CHUNK_LEASE_SECONDS", default=600)
BATCH_PARALLEL_TASKS = env.int("BATCH_PARALLEL_TASKS", default=1)
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- API ----------------------------------------------------------------------------------
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "arbitragevault.api.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": ["arbitragevault.api.UserThrottle"],
    # Views with a `throttle_scope` (arbitragevault.api.ScopedThrottle): password attempts.
    "DEFAULT_THROTTLE_RATES": {"auth": "20/minute"},
    "EXCEPTION_HANDLER": "arbitragevault.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # A JSON API: only the batch upload (multipart `file`) adds a parser of its own.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "URL_FORMAT_OVERRIDE": None,  # `?format=csv` belongs to the export endpoint
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
HEALTH_TASK_BACKLOG_SECONDS = env.int("HEALTH_TASK_BACKLOG_SECONDS", default=300)
SPECTACULAR_SETTINGS = {
    "TITLE": "ArbitrageVault API",
    "DESCRIPTION": "Book arbitrage analysis: batches of ISBNs in, BUY / REVIEW / SKIP out.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BatchStatusEnum": "batches.models.BatchStatus",
        "ItemStatusEnum": "batches.models.ItemStatus",
        "ConditionEnum": "batches.models.Condition",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "arbitragevault.api.require_bodies_with_required_fields",
        "arbitragevault.api.add_error_responses",
    ],
}

# --- Logging: everything to stdout --------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "urllib3": {"level": "WARNING"},
    },
}
