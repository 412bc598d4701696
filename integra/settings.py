"""Integra settings: one module, driven by environment variables.

DATABASE_URL         PostgreSQL URL of the application's role; unset → embedded PostgreSQL in
                     ./var (see embedded_db.py), with both roles created
DATABASE_OWNER_URL   PostgreSQL URL of the owner's role, used by `manage.py migrate`
AUDIT_*              access-log chains and checkpoints (see the audit block below)
SECRET_KEY           required when DEBUG is off (manage.py on the embedded database excepted)
DEBUG                "1"/"true" to enable; never in production
ALLOWED_HOSTS        comma-separated host names the site answers to
CSRF_TRUSTED_ORIGINS comma-separated origins (https://integra.example.it) behind a proxy
TRUSTED_PROXY_COUNT  reverse proxies in front of the app (X-Forwarded-For, X-Forwarded-Proto)
SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SECURE_COOKIES
                     secure by default outside DEBUG; see "Serving securely" below
PORT                 port of the development server (used by the Makefile)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("INTEGRA_ALLOW_INSECURE_KEY") != "1":
        raise RuntimeError(
            "SECRET_KEY must be set when DEBUG is off. In production set it in the environment "
            "(README, 'Running in production'); for a development database on a server, "
            "INTEGRA_ALLOW_INSECURE_KEY=1 allows the development key."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "csp",  # Content-Security-Policy header; its system checks catch outdated settings
    "ninja",  # serves the API docs (Swagger UI) from our static files, not a CDN
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "django_tasks",
    "django_tasks_db",
    "bootstrap_italia_template",
    "integra.core",
    "integra.accounts",
    "integra.organizations",
    "integra.people",
    "integra.intake",
    "integra.assessments",
    "integra.programs",
    "integra.careplans",
    "integra.notices",
    "integra.audit",
    "integra.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "integra.audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "integra.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "integra.core.security.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "integra.accounts.middleware.ActingMembershipMiddleware",
    "integra.accounts.middleware.SecondFactorMiddleware",
    "integra.audit.middleware.AuditContextMiddleware",
    # Emergency accesses grant reads only (safe methods): integra/people/emergency.py.
    "integra.people.emergency.EmergencyReadsMiddleware",
    "integra.core.middleware.PermissionRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "integra.urls"
WSGI_APPLICATION = "integra.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "integra" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "integra.accounts.context_processors.acting_membership",
                "integra.notices.context_processors.notices",
            ],
        },
    },
]

# Two roles (README, "Database roles"): the application connects as DATABASE_URL, a role that
# owns nothing and may only read and append to the audit tables; `manage.py migrate` connects
# as DATABASE_OWNER_URL (same database), the owner of every table, and then grants the
# application its privileges. Without DATABASE_OWNER_URL one role does both (a scratch database).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
if not DATABASE_URL:
    from integra.embedded_db import embedded_database_urls

    DATABASE_URL, DATABASE_OWNER_URL = embedded_database_urls(BASE_DIR)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"].setdefault("TEST", {})


# JIT off for the web workload: its queries are short, and on a list over a large registry
# PostgreSQL's cost estimate crosses jit_above_cost and compiles for about a second (measured at
# one million persons: Inlining 196 + Optimization 454 + Emission 298 ms) to save milliseconds
# of execution. A URL that sets jit itself (?options=-c jit=on) keeps its own choice.
def _without_jit(database: Any) -> None:
    options = database.setdefault("OPTIONS", {})
    if "jit" not in options.get("options", ""):
        options["options"] = (options.get("options", "") + " -c jit=off").strip()


_without_jit(DATABASES["default"])
# Server-side prepared statements only where the code asks for them (``prepare=True``, the hot
# statements of integra/core/prepared.py): the ORM's client-side-binding cursors never prepare,
# and psycopg's automatic preparation after N runs is left off (a threshold no count reaches).
# Django's default (None) would disable even the explicit ones.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
# The owner's connection settings, used by `migrate` in place of the application's.
DATABASE_OWNER = dj_database_url.parse(DATABASE_OWNER_URL or DATABASE_URL)
_without_jit(DATABASE_OWNER)
if DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]:
    raise RuntimeError("DATABASE_URL and DATABASE_OWNER_URL must name the same database")
# The role `migrate` grants the application's privileges to ("" when one role does both).
DATABASE_APP_ROLE = (
    DATABASES["default"]["USER"] if DATABASES["default"]["USER"] != DATABASE_OWNER["USER"] else ""
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an account+address after repeated failures (ASVS V2.2.1).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Integra"

LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "integra" / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "integra" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "media"
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "private"  # person documents: never served by URL
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}

# E-mail (task reminders): Django's mail backend, configured from the environment. The demo
# (DEBUG) prints mails on the console; production sends through EMAIL_HOST.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "integra@localhost")
# The address operators open Integra at: links in e-mails.
INTEGRA_BASE_URL = os.environ.get("INTEGRA_BASE_URL", "http://localhost:8000").rstrip("/")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
# Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted for the
# client address recorded in the access log (0: use REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Kinds of organisation (organizations.OrganizationKind values, comma-separated) whose staff may
# hold the roles with health permissions (doctor, nurse). Unset: ASL/ASST, ATS, hospitals and
# general practice (integra/accounts/access.py, health_care_kinds).
INTEGRA_HEALTH_CARE_KINDS = [
    kind.strip()
    for kind in os.environ.get("INTEGRA_HEALTH_CARE_KINDS", "").split(",")
    if kind.strip()
] or None


# Audit trail (README, "Database roles" and "Audit"). The access log is written in
# AUDIT_LOG_SHARDS hash chains, each with its own lock (1 = a single chain, one writer at a
# time). The chains' heads and the history tables' counts are checkpointed, with an HMAC keyed
# by AUDIT_CHECKPOINT_KEY, to an append-only file outside the database (AUDIT_CHECKPOINT_FILE;
# empty: var/audit/checkpoints-<database>.jsonl) every AUDIT_CHECKPOINT_INTERVAL seconds by the
# process that writes the log (0: only `manage.py audit_checkpoint`). Without a key, one is
# generated once into AUDIT_CHECKPOINT_KEY_FILE (demo and development; set the key in
# production, out of the database administrators' reach).
AUDIT_LOG_SHARDS = int(os.environ.get("AUDIT_LOG_SHARDS", "16"))
AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", "")
AUDIT_CHECKPOINT_KEY_FILE = Path(
    os.environ.get("AUDIT_CHECKPOINT_KEY_FILE", str(BASE_DIR / "var" / "audit" / "checkpoint.key"))
)
AUDIT_CHECKPOINT_FILE = os.environ.get("AUDIT_CHECKPOINT_FILE", "")
AUDIT_CHECKPOINT_INTERVAL = float(os.environ.get("AUDIT_CHECKPOINT_INTERVAL", "60"))

# --- Serving securely -------------------------------------------------------------------------
# Outside DEBUG every default is the secure one, so a production that forgets a variable is
# still safe; `manage.py check --deploy` passes with them (tests/core/test_deploy_settings.py).
# The demo (DEBUG=1, plain http on 127.0.0.1) and the test suite (tests/settings.py) turn them
# off. Behind a reverse proxy that terminates TLS (TRUSTED_PROXY_COUNT >= 1) Django learns that
# the request came over https from X-Forwarded-Proto, which the proxy must set, overwriting
# whatever the client sent.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe the app directly over http
if TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# One year, subdomains included (the service's own host name only: never its parent domain).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Content-Security-Policy (django-csp; Django 6's built-in CSP follows the same model). Scripts
# only from our own static files: no inline <script>, no on...= attributes, no eval. Styles
# likewise: our templates use classes, never style="..." (the scripts of Bootstrap Italia and
# Chart.js set styles through the CSSOM, which the policy allows; video.js's injected <style>
# is switched off by integra/js/bootstrap-italia-csp.js). Bootstrap Italia's CSS draws icons as
# data: images and embeds the video.js icon font as a data: font, hence data: for img and font,
# which can neither run code nor send data out. 'report-sample' puts the first characters of a
# blocked inline script or style in the browser's report (the browser tests print them). The
# API docs (/api/v1/docs: Swagger UI from django-ninja's static files, its settings in a JSON
# block) work under this same policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'report-sample'"],
        "style-src": ["'self'", "'report-sample'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Emergency access to a record (break-the-glass, integra/people/emergency.py): the longest it
# lasts, in hours; the operator may choose less.
EMERGENCY_ACCESS_MAX_HOURS = int(os.environ.get("EMERGENCY_ACCESS_MAX_HOURS", "4"))
