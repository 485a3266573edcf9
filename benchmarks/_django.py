"""The Django rows of the middleware benchmark, in a process of their own.

Django's settings are global to a process, so ``benchmarks.middleware`` runs this module
as ``python -m benchmarks._django`` with ``{"secret", "token", "rounds", "batch_ms"}`` on
stdin and reads the summarised rows from stdout. Django's WSGI handlers are called
directly with a prebuilt environ (as the other WSGI rows are), each with its own
middleware list, and side by side in one :func:`~benchmarks._timing.compare` run.

Rows: a bare Django view; the same behind ``JWTGuardMiddleware`` (cache hit; headers
off, then on); a bare DRF ``APIView``; the same with jwtguard's ``JWTAuthentication``
and with djangorestframework-simplejwt's ``JWTAuthentication`` (which loads the user
from the database on every request, here an in-memory SQLite) and its
``JWTStatelessUserAuthentication`` (no database), all with ``IsAuthenticated``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from benchmarks._drive import environ, wsgi_call, wsgi_runner
from benchmarks._material import AUDIENCE, ISSUER, tamper
from benchmarks._timing import Plan, compare, summarise

__all__ = ["BASES", "CONFIGURATION", "main"]

BASES = {"Django": "Django bare", "DRF": "DRF bare"}
CONFIGURATION = {
    "Django bare": "Django's WSGIHandler, MIDDLEWARE=[], one function view returning "
    "HttpResponse('ok')",
    "Django + jwtguard middleware": "MIDDLEWARE=['jwtguard.adapters.django.JWTGuardMiddleware'] "
    "with settings.JWTGUARD = {GUARD: Guard(secret, algorithms=['HS256'], audience, issuer), "
    "SECURITY_HEADERS: False}; cache hit",
    "Django + jwtguard middleware + headers": "as above with the default security headers",
    "DRF bare": "a DRF APIView with authentication_classes=() and permission_classes=(), "
    "returning HttpResponse('ok')",
    "DRF + jwtguard JWTAuthentication": "the APIView with jwtguard.adapters.drf."
    "JWTAuthentication and IsAuthenticated, the same settings.JWTGUARD; cache hit",
    "DRF + simplejwt JWTAuthentication": "djangorestframework-simplejwt's JWTAuthentication "
    "(SIGNING_KEY, ALGORITHM='HS256', AUDIENCE, ISSUER) and IsAuthenticated: verifies with "
    "PyJWT and loads the user from the database (in-memory SQLite) on every request",
    "DRF + simplejwt stateless": "simplejwt's JWTStatelessUserAuthentication (no database) "
    "and IsAuthenticated",
}

USER_ID = 7


def _configure(secret: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmarks-" + "x" * 40,
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "rest_framework_simplejwt",
        ],
        MIDDLEWARE=[],
        ROOT_URLCONF=__name__,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        JWTGUARD={"SECRET_KEY": secret, "ALGORITHMS": ["HS256"], "AUDIENCE": AUDIENCE,
                  "ISSUER": ISSUER, "SECURITY_HEADERS": False},
        SIMPLE_JWT={"SIGNING_KEY": secret, "ALGORITHM": "HS256", "AUDIENCE": AUDIENCE,
                    "ISSUER": ISSUER, "USER_ID_CLAIM": "user_id"},
        REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": [],
                        "DEFAULT_PERMISSION_CLASSES": [], "UNAUTHENTICATED_USER": None},
    )  # fmt: skip
    django.setup()


urlpatterns: list[Any] = []  # filled by _routes(), once Django is set up


def _routes() -> None:
    from django.http import HttpResponse
    from django.urls import path
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.views import APIView
    from rest_framework_simplejwt.authentication import (
        JWTAuthentication as SimpleJWTAuthentication,
    )
    from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

    from jwtguard.adapters.drf import JWTAuthentication

    def bare(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    def api(*authentication: Any) -> Any:
        class Endpoint(APIView):
            authentication_classes = authentication
            permission_classes = (IsAuthenticated,) if authentication else ()

            def get(self, request: Any) -> HttpResponse:
                return HttpResponse("ok")

        return Endpoint.as_view()

    urlpatterns.extend(
        [
            path("bare", bare),
            path("drf", api()),
            path("drf-jwtguard", api(JWTAuthentication)),
            path("drf-simplejwt", api(SimpleJWTAuthentication)),
            path("drf-stateless", api(JWTStatelessUserAuthentication)),
        ]
    )


def _handler(middleware: list[str], headers: bool = False) -> Any:
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    setting = {**settings.JWTGUARD, "SECURITY_HEADERS": headers}
    with override_settings(MIDDLEWARE=middleware, JWTGUARD=setting):
        return WSGIHandler()  # the middleware chain (and its configuration) is built here


def apps() -> dict[str, tuple[Any, str]]:
    """Row name -> (WSGI handler, path)."""
    ours = ["jwtguard.adapters.django.JWTGuardMiddleware"]
    plain = _handler([])
    return {
        "Django bare": (plain, "/bare"),
        "Django + jwtguard middleware": (_handler(ours), "/bare"),
        "Django + jwtguard middleware + headers": (_handler(ours, headers=True), "/bare"),
        "DRF bare": (plain, "/drf"),
        "DRF + jwtguard JWTAuthentication": (plain, "/drf-jwtguard"),
        "DRF + simplejwt JWTAuthentication": (plain, "/drf-simplejwt"),
        "DRF + simplejwt stateless": (plain, "/drf-stateless"),
    }


def _base_of(name: str) -> str:
    return BASES["DRF"] if name.startswith("DRF") else BASES["Django"]


def main() -> int:
    job = json.load(sys.stdin)
    _configure(job["secret"])
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
    User.objects.create_user(id=USER_ID, username="bench", password=None)
    _routes()
    token = job["token"]
    runners = {}
    for name, (handler, route) in apps().items():
        good, bad = environ(token, route), environ(tamper(token), route)
        ok, refused = wsgi_call(handler, good), wsgi_call(handler, bad)
        protected = name not in BASES.values()
        if ok != 200 or (protected and not 400 <= refused < 500):
            raise AssertionError(f"{name}: valid token gave {ok}, tampered token gave {refused}")
        runners[name] = wsgi_runner(handler, token, route)
    plan = Plan(rounds=job["rounds"], batch_ms=job["batch_ms"])
    json.dump(summarise(compare(runners, plan), _base_of), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
