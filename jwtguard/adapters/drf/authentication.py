"""``JWTAuthentication``: DRF authentication on the same decision as every adapter.

::

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["jwtguard.adapters.drf.JWTAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    }

``authenticate()`` answers ``(user, claims)`` for a verified token (``request.user``
and ``request.auth``), None for an anonymous request the configuration lets through
(``OPTIONAL``, ``EXEMPT``, a rule with ``optional``), and raises :class:`TokenRefused`
for every refusal: the RFC 6750 status, ``WWW-Authenticate`` challenge and JSON body of
the other adapters, through DRF's exception handling (your ``EXCEPTION_HANDLER`` sees
it). ``authenticate_header()`` gives the bare challenge (``Bearer realm="api"``), so
DRF answers a missing login with 401, not 403. Behind :class:`JWTGuardMiddleware` the
middleware's decision is reused, not made twice.
"""

from __future__ import annotations

import json
from typing import Any, Final, NoReturn

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from jwtguard.adapters.django.config import Configuration, configured
from jwtguard.adapters.django.request import decide
from jwtguard.claims import Claims
from jwtguard.errors import MissingTokenError
from jwtguard.http.denial import unknown_user
from jwtguard.http.pipeline import Denial

__all__ = ["JWTAuthentication", "TokenRefused", "refuse", "send_with_answer"]

_SENT_BY_DRF: Final = frozenset({"content-type", "content-length"})


def _detail(denial: Denial) -> Any:
    """The refusal's JSON body as DRF data (a non-JSON body becomes ``{"detail": text}``)."""
    try:
        body = json.loads(denial.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        return body
    return {"detail": denial.body.decode("utf-8", "replace")}


class TokenRefused(APIException):
    """A jwtguard refusal as a DRF exception: ``status_code``, ``detail`` (the RFC 6750
    body), ``auth_header`` (the challenge), ``wait`` (``Retry-After``) and ``denial``."""

    def __init__(self, denial: Denial) -> None:
        self.denial = denial
        self.status_code = denial.status
        headers = {name.lower(): value for name, value in denial.joined_headers().items()}
        self.auth_header = headers.get("www-authenticate")
        retry = headers.get("retry-after")
        self.wait = int(retry) if retry is not None and retry.isdigit() else None
        super().__init__(detail=_detail(denial), code=denial.code)


def send_with_answer(request: Request, denial: Denial) -> None:
    """Put ``denial``'s headers (challenge, ``Cache-Control: no-store``) on the view's
    response headers, which DRF adds to whatever the view answers, its errors included:
    DRF's exception handler sends only ``WWW-Authenticate`` and ``Retry-After`` of an
    exception, and nothing of a failed permission's."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    extra = getattr(view, "headers", None)
    if isinstance(extra, dict):
        joined = denial.joined_headers().items()
        extra.update((n, v) for n, v in joined if n.lower() not in _SENT_BY_DRF)


def refuse(request: Request, denial: Denial) -> NoReturn:
    """Raise :class:`TokenRefused` for ``denial``, its other headers sent along
    (:func:`send_with_answer`)."""
    send_with_answer(request, denial)
    raise TokenRefused(denial)


class JWTAuthentication(BaseAuthentication):
    """DRF authentication with the configuration of ``settings.JWTGUARD``."""

    def authenticate(self, request: Request) -> tuple[Any, Claims] | None:
        http_request = request._request
        configuration = configured()
        if hasattr(http_request, "jwt_claims"):  # the middleware (or a decorator) decided
            claims = http_request.jwt_claims
        else:
            result = decide(configuration.pipeline, http_request)
            if isinstance(result, Denial):
                self._refuse(request, result)
            claims = result
            http_request.jwt_claims = claims  # type: ignore[attr-defined]
        if claims is None:
            return None
        user = configuration.principals.user(claims)
        if user is None:
            self._no_user(request, configuration)
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        """The bare RFC 6750 challenge, so DRF's NotAuthenticated is a 401."""
        denial = configured().pipeline.denial(MissingTokenError())
        return denial.joined_headers().get("WWW-Authenticate", "Bearer")

    @staticmethod
    def _refuse(request: Request, denial: Denial) -> None:
        refuse(request, denial)

    def _no_user(self, request: Request, configuration: Configuration) -> None:
        error = unknown_user()
        configuration.guard.record_reject(error.code)
        self._refuse(request, configuration.pipeline.denial(error))
