"""Django settings, all from the environment (nothing secret in the repository).

``CENTRAL_DB`` or ``DATABASE_URL``: a SQLite path (default ``central.db``) or ``postgresql://…``;
``CENTRAL_SECRET_KEY``: signs sessions (a random one per start when unset: logins end at restart);
``CENTRAL_ALLOWED_HOSTS``: comma-separated host names (default ``localhost,127.0.0.1``);
``CENTRAL_REPORT_TOKEN``: the bearer token for ``/v1/reports``; ``CENTRAL_SMTP_HOST``/``_PORT``,
``CENTRAL_ALERT_TO``, ``CENTRAL_MAIL_FROM``: alert e-mail; ``CENTRAL_HTTPS=1`` behind a TLS proxy;
``CENTRAL_PUBLIC_URL``: the address citizens reach the service at (the QR posters' links).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from rating import period

from central.dburl import database_settings

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ.get("CENTRAL_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = os.environ.get("CENTRAL_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("CENTRAL_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()]


def public_url(value: str) -> str:
    """``CENTRAL_PUBLIC_URL`` checked: ``https://host[:port][/path]`` without a trailing slash, or ""
    (unset: links are made from the request's address). A wrong value stops the start, saying why."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"CENTRAL_PUBLIC_URL={value!r}: write the address citizens open, like "
                         "https://danhgia.haiphong.gov.vn (http or https, a host name, no ? or #)")
    return value


# The address printed on the QR posters: an office opening the service at an internal IP must still
# print a link a citizen's phone can reach.
CENTRAL_PUBLIC_URL = public_url(os.environ.get("CENTRAL_PUBLIC_URL", ""))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "central.apps.CentralConfig",
]
MIDDLEWARE = [
    "central.edge.Edge",   # first: it sees every answer (unstorable input refused, faults as 503, headers)
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "central.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "django.template.context_processors.i18n",
    ]},
}]
WSGI_APPLICATION = "central.wsgi.application"

DATABASES = {"default": database_settings(os.environ.get("DATABASE_URL") or os.environ.get("CENTRAL_DB") or "central.db")}
# Which database a request uses is chosen per application instance (tests run SQLite and PostgreSQL
# side by side in one process); in production there is one, "default".
DATABASE_ROUTERS = ["central.runtime.Router"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "central.accounts.NotOnlyWhitespaceValidator"},
]
# A refused form (no CSRF cookie: a phone blocking cookies, an old page) gets a page people understand.
CSRF_FAILURE_VIEW = "central.questionnaires.phone.csrf_failure"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SECURE = os.environ.get("CENTRAL_HTTPS") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = period.TIME_ZONE  # the province's time, defined once in the shared domain
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("CENTRAL_STATIC_ROOT") or None
# Kiosk batches are read by the API view itself (with its own limit and a 413); forms stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

EMAIL_HOST = os.environ.get("CENTRAL_SMTP_HOST", "")
EMAIL_PORT = int(os.environ.get("CENTRAL_SMTP_PORT", "25") or 25)
DEFAULT_FROM_EMAIL = os.environ.get("CENTRAL_MAIL_FROM", "central@localhost")

LOGGING = {
    "version": 1, "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
