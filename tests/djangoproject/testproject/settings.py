"""Settings of the test project. ``ROUTING_SECRET`` is the HS256 secret (the e2e suite sets
it); ``TESTPROJECT_DB`` the SQLite file (created by ``migrate``)."""

import os
import tempfile
from pathlib import Path

from jwtguard.adapters import Requirement
from jwtguard.http.security_headers import SecurityHeaders

SECRET_KEY = "tests-only-not-a-secret-" + "k" * 40
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost", "[::1]"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jwtguard.adapters.django.JWTGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "testproject.urls"
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
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("TESTPROJECT_DB")
        or str(Path(tempfile.gettempdir()) / f"jwtguard-testproject-{os.getpid()}.sqlite3"),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

# The admin's pages load their own scripts and styles: a same-origin policy there
# (the API default, default-src 'none', would block them).
PAGES = SecurityHeaders(content_security_policy="default-src 'self'; frame-ancestors 'none'")
STRICT = SecurityHeaders(html_content_security_policy="default-src 'none'")  # browser control

JWTGUARD = {
    "SECRET_KEY": os.environ.get("ROUTING_SECRET", "routing-secret-for-in-process-tests!"),
    "ALGORITHMS": ["HS256"],
    "AUDIENCE": "routing",
    "REVOCATION": "memory",  # one store for access and refresh tokens (token_urls)
    "OPTIONAL": True,
    "EXEMPT": ["/health", "/page", "/styled", "/django-admin/*", "/static/*", "/auth/*"],
    "RULES": {
        "/admin/*": Requirement.build(scopes="admin"),
        "/billing": {"scopes": "billing"},
    },
    "PATH_SECURITY_HEADERS": {"/django-admin/*": PAGES, "/styled": STRICT},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwtguard.adapters.drf.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {"subject": "3/min", "user": "3/min"},
}
