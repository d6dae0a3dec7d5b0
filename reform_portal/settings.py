"""Settings of Reform Portal: one module, configured from the environment.

Local development reads `.env` (written by `make run` with a random key and
DEBUG on). Production sets the same variables in the service's environment and
refuses to start without SECRET_KEY.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is required (make run writes one into .env for local use).")
if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too weak for DEBUG=False: use 50 random characters.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "organizations",
    "indicators",
    "campaigns",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "reform_portal.errors.LongUrlMiddleware",
    "django.middleware.common.CommonMiddleware",
    "organizations.data_version.OneVersionMiddleware",  # every figure of a response of one data version
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: pages speak the user's saved language, else Vietnamese (see the module).
    "organizations.language.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "reform_portal.urls"
CSRF_FAILURE_VIEW = "reform_portal.errors.csrf_failure"
# Longer URLs get the portal's 414 page; gunicorn.conf.py lets request lines up to 8190 bytes reach Django.
URL_MAX_LENGTH = env.int("URL_MAX_LENGTH", default=4000)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.user_roles",
            ],
        },
    },
]

WSGI_APPLICATION = "reform_portal.wsgi.application"

# SQLite in the project folder unless DATABASE_URL says otherwise (CI and production: PostgreSQL).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # The portal logs its own writes (organizations/data_version.py); PostgreSQL logs everyone else's, a fix in
    # psql say, and this is how its triggers tell the two apart (indicators/migrations/0008_database_change_log.py).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c reform.change_log=portal".strip()
# A streaming replica of it (PostgreSQL): dashboards, reports and API reads go there, the rest stays on the
# primary (reform_portal/db_router.py, reform_portal/read_your_writes.py). Unset: one database, as before.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    # A replica that does not answer costs a request two seconds once, then is skipped for a few seconds.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests: the test database is created on the primary and reaches the replica by streaming; the alias
    # only connects to it, under the same name, on the replica's host and port.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["reform_portal.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware"), "reform_portal.read_your_writes.ReadYourWritesMiddleware")
# The values' covering indexes (indicators.models.DataValue) are PostgreSQL's: SQLite builds them on their
# key columns alone, which is what it needs, and would say so on every command.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
# A replica further behind than this is not read (the primary answers); also how long a writer's pin lasts.
REPLICA_MAX_LAG = env.float("REPLICA_MAX_LAG_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking it
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first, English available. Source strings are Vietnamese; locale/en translates.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Django's own `vi` formats lack NUMBER_GROUPING; ours add it (2.213, 85,93).
FORMAT_MODULE_PATH = ["reform_portal.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded evidence ("tài liệu kiểm chứng"): a private folder that no URL serves — files go out only
# through campaigns.views.evidence_download, which applies the unit's access rules. MEDIA_URL is
# deliberately unset. In production an S3-compatible store (django-storages) when EVIDENCE_S3_BUCKET is set.
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "private-media"))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_MB", default=10) * 1024 * 1024
if env("EVIDENCE_S3_BUCKET", default=""):
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("EVIDENCE_S3_BUCKET"),
            "endpoint_url": env("EVIDENCE_S3_ENDPOINT_URL", default=None),
            "region_name": env("EVIDENCE_S3_REGION", default=None),
            "access_key": env("EVIDENCE_S3_ACCESS_KEY"),
            "secret_key": env("EVIDENCE_S3_SECRET_KEY"),
            "location": env("EVIDENCE_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,  # never public URLs; the portal streams the file itself anyway
            "file_overwrite": False,
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Request bodies other than files (form fields, API JSON) up to this size; larger ones get a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BYTES", default=10 * 1024 * 1024)
# An uploaded file above this size is spooled to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# What any uploaded or imported .csv/.xlsx may cost (reform_portal/file_limits.py): its size,
# the .xlsx unpacked, data rows, columns, distinct strings. The upload form refuses a larger file.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=25 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=50)
IMPORT_MAX_SHARED_STRINGS = env.int("IMPORT_MAX_SHARED_STRINGS", default=100_000)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A strict policy on every response (pages, admin, API docs): scripts, styles, fonts and images only from
# the portal itself, nothing inline (data reaches scripts through data attributes and json_script), no
# plugins, no framing, forms post only back here. `data:` images: the admin's and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Behind TLS: redirect plain HTTP and tell browsers to stay on HTTPS (both off by default: many
# intranets terminate TLS elsewhere or not at all — then also set SECURE_COOKIES=false).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
# Only when every subdomain is HTTPS too, and the province wants its domain on the browsers' preload list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Computed roll-ups each worker keeps under the data version (indicators.figure_cache), counted in figures:
# a national roll-up of every indicator is ~150 k figures (~40 MB); 0 turns the cache off.
FIGURE_CACHE_FIGURES = env.int("FIGURE_CACHE_FIGURES", default=1_000_000)
# A kept result of at least this many figures is moved out of the garbage collector's sight once built
# (indicators.figure_cache.collector_paused), weighed as the cache weighs it (figures; units for who has reported):
# the nation's results at national size, not a province's.
FIGURE_CACHE_FREEZE_FROM = env.int("FIGURE_CACHE_FREEZE_FROM", default=20_000)
# A fold of at least this many figures (a nation's) is saved in the database too (indicators.figure_snapshots), so a
# fresh process refreshes it from the change log instead of folding again. 0: never.
FIGURE_SNAPSHOT_FROM = env.int("FIGURE_SNAPSHOT_FROM", default=20_000)

# Mail (password reset, reminders): EMAIL_URL as django-environ reads it, e.g.
# smtp+tls://user:password@mail.example.gov.vn:587 (STARTTLS), smtp+ssl://…:465, smtp://relay:25.
# Local development prints mail on the console; production must say where mail goes.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Reform Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in mail sent without a request (send_reminders): the portal's address as users reach it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
PASSWORD_RESET_TIMEOUT = 24 * 3600  # a reset link lasts a day (the mail says so)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env("API_THROTTLE_RATE", default="6000/hour")},
    "COERCE_DECIMAL_TO_STRING": True,
}
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": None,  # set per token by create_api_token --days
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reform Portal API",
    "DESCRIPTION": "Chỉ tiêu, số liệu theo quý, tổng hợp và báo cáo năm về tuyên truyền CCHC và hiện đại hóa hành chính.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.postprocess"],
    # Enum components get ASCII names a generated client can use as class names.
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "indicators.models.SubmissionStatus",
        "UnitKindEnum": "organizations.models.UnitKind",
        "QuarterEnum": "indicators.periods.Quarter",
        "ActivityKindEnum": "campaigns.models.ActivityKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
