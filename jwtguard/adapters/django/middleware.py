"""The Django middleware: every request authenticated before the view, sync or async.

::

    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "corsheaders.middleware.CorsMiddleware",            # if you use django-cors-headers
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "jwtguard.adapters.django.JWTGuardMiddleware",
        ...
    ]

It decides before URL resolution, so an unknown path without a token is a 401 like any
other (no route is disclosed), and answers a refusal itself (RFC 6750 status,
challenge, JSON body). On success ``request.jwt_claims`` holds the claims (None for
exempt or anonymous requests) and ``request.user``/``request.auser`` the token's user
(:mod:`jwtguard.adapters.django.users`). Under ``REPORT_ONLY`` a refusal it lets through
is noted as ``request.jwtguard_let_through`` (its code), so ``@jwt_required`` and DRF's
permissions behind it do not count and log the request a second time. The security
headers are added to every response it sees. It supports both of Django's modes
(``sync_capable`` and ``async_capable``): under ASGI it runs as a coroutine and awaits
the pipeline's async decision, so a key fetch never blocks the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from jwtguard.adapters.cors_order import cors_inside, warn_cors_inside
from jwtguard.adapters.django.config import Configuration, configured
from jwtguard.adapters.django.request import add_dpop_nonce, adecide, decide, harden, refusal
from jwtguard.http.pipeline import Denial

__all__ = ["JWTGuardMiddleware", "SecurityHeadersMiddleware"]

GetResponse = Callable[[HttpRequest], Any]


class _Middleware:
    """Both modes, as Django's docs describe: the instance is a coroutine function when
    the rest of the chain is async (``markcoroutinefunction``)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.configuration: Configuration = configured()  # settings checked here, at start-up
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        raise NotImplementedError

    def _finish(
        self, request: HttpRequest, response: HttpResponseBase, authenticated: bool
    ) -> HttpResponseBase:
        path = request.path_info
        policy = self.configuration.headers.for_path(path)
        if policy is not None:
            html = bool(policy.html_paths) and policy.is_html_path(path)
            harden(response, policy, authenticated=authenticated, html=html)
        add_dpop_nonce(request, response)
        return response


class JWTGuardMiddleware(_Middleware):
    """Authenticate every request with the Guard configured in ``settings.JWTGUARD``."""

    def __init__(self, get_response: GetResponse) -> None:
        super().__init__(get_response)
        self.pipeline = self.configuration.pipeline
        self._attach = self.configuration.principals.attach
        warn_cors_inside(
            cors_inside(get_response),
            "jwtguard.adapters.django.JWTGuardMiddleware",
            "list corsheaders.middleware.CorsMiddleware above it in MIDDLEWARE",
        )

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        result = decide(self.pipeline, request)
        if isinstance(result, Denial):
            return refusal(result, self.configuration.headers.for_path(request.path_info))
        self._attach(request, result)
        return self._finish(request, self.get_response(request), result is not None)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        result = await adecide(self.pipeline, request)
        if isinstance(result, Denial):
            return refusal(result, self.configuration.headers.for_path(request.path_info))
        self._attach(request, result)
        response = await self.get_response(request)
        return self._finish(request, response, result is not None)


class SecurityHeadersMiddleware(_Middleware):
    """Only the security headers of ``settings.JWTGUARD`` (``SECURITY_HEADERS``,
    ``PATH_SECURITY_HEADERS``), for projects that authenticate with the DRF classes or
    the decorators instead of :class:`JWTGuardMiddleware`. A response is authenticated
    (``Cache-Control: no-store``, ``Vary: Authorization``) when a token was accepted
    (``request.jwt_claims``) or the request sent ``Authorization``."""

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        return self._finish(request, self.get_response(request), _authenticated(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)
        return self._finish(request, response, _authenticated(request))


def _authenticated(request: HttpRequest) -> bool:
    return getattr(request, "jwt_claims", None) is not None or "HTTP_AUTHORIZATION" in request.META
