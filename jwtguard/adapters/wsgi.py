"""Pure WSGI middleware (any WSGI app: Flask, Django, Pyramid, Bottle, ...).

::

    app.wsgi_app = JWTGuardWSGIMiddleware(app.wsgi_app, guard=guard, exempt=["/health"])

Trust model: only the token is trusted. Every request is authenticated before
the app sees it; a refusal is answered here (RFC 6750 status, challenge and JSON
body) and the app is not called. On success the verified claims are in
``environ["jwtguard.claims"]`` (``None`` for exempt or anonymous requests). In
report-only mode the would-be refusal is logged and counted, and the request goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from jwtguard.guard import Guard
from jwtguard.http.pipeline import DEFAULT, Denial, Pipeline, resolve_security_headers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["CLAIMS_KEY", "JWTGuardWSGIMiddleware"]

CLAIMS_KEY = "jwtguard.claims"
"""The environ key holding the verified :class:`jwtguard.Claims` (or ``None``)."""

_STATUS_LINES = {
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    429: "429 Too Many Requests",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


def status_line(status: int) -> str:
    """``"401 Unauthorized"`` for 401 (``"<n> Error"`` for a code not listed)."""
    return _STATUS_LINES.get(status) or f"{status} Error"


class JWTGuardWSGIMiddleware:
    """Authenticate every request to a WSGI app with a :class:`Guard`.

    Args:
        app: the WSGI app to protect.
        guard: verifies tokens.
        security_headers: a :class:`jwtguard.SecurityHeaders` applied to every
            response (default: the OWASP defaults; ``None``: off).
        **options: see :class:`jwtguard.adapters.Pipeline`.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        guard: Guard,
        security_headers: Any = DEFAULT,
        **options: Any,
    ) -> None:
        self.app = app
        self.pipeline = Pipeline(guard, **options)
        self.security_headers = resolve_security_headers(security_headers, self.pipeline)
        self._decide = self.pipeline.decide_wsgi

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        result = self._decide(environ)
        policy = self.security_headers
        if type(result) is Denial:
            headers = list(result.headers)
            if policy is not None:
                headers = policy.wsgi_headers(headers, authenticated=False)
            start_response(status_line(result.status), headers)
            return [result.body]
        environ[CLAIMS_KEY] = result
        if policy is None:
            return self.app(environ, start_response)
        authenticated = result is not None

        def start_with_headers(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            return start_response(
                status, policy.wsgi_headers(headers, authenticated=authenticated), exc_info
            )

        return self.app(environ, start_with_headers)
