"""Security headers as standalone middleware, for apps that do not use jwtguard's auth.

Pure ASGI and pure WSGI (no framework import): wrap any app in one line::

    app = SecurityHeadersMiddleware(app)                  # ASGI: Starlette, FastAPI, ...
    wsgi_app = SecurityHeadersWSGIMiddleware(wsgi_app)    # WSGI: Flask, Django, ...

A response counts as authenticated (``Cache-Control: no-store``) when the request sent an
``Authorization`` header or jwtguard inside this middleware verified a token:
``environ["jwtguard.claims"]``; ``request.state.claims``, as ``JWTGuardMiddleware`` and the
FastAPI ``JWTBearer`` dependency set it; or an authenticated ``scope["user"]``. API
responses get the API headers, HTML responses (by type, or a path in the policy's
``html_paths``) the HTML ones: see docs/headers.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

from jwtguard.adapters.asgi import route_path as asgi_route_path
from jwtguard.adapters.wsgi import CLAIMS_KEY, adding_headers
from jwtguard.adapters.wsgi import route_path as wsgi_route_path
from jwtguard.http.security_headers import SecurityHeaders

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["SecurityHeadersMiddleware", "SecurityHeadersWSGIMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_DEFAULT = SecurityHeaders()


def _asgi_authenticated(scope: Scope) -> bool:
    state = scope.get("state")  # request.state.claims: JWTGuardMiddleware's and JWTBearer's
    if scope.get(CLAIMS_KEY) is not None or (state is not None and state.get("claims") is not None):
        return True
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    # a loop, not any() over a generator: a third of the cost, on every response
    for name, _ in scope.get("headers", ()):  # noqa: SIM110
        if name == b"authorization":
            return True
    return False


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding a :class:`SecurityHeaders` policy to every HTTP response.

    Acts only on ``http.response.start``; websocket and lifespan scopes pass
    through untouched.
    """

    def __init__(self, app: ASGIApp, policy: SecurityHeaders = _DEFAULT) -> None:
        self.app = app
        self.policy = policy
        self._merge = policy.asgi_merge
        self._html_path = policy.is_html_path if policy.html_paths else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        merge = self._merge
        html = self._html_path is not None and self._html_path(asgi_route_path(scope))

        def send_with_headers(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                message["headers"] = merge(
                    message.get("headers", ()),
                    _asgi_authenticated(scope),
                    html,
                    message["status"],
                )
            return send(message)

        await self.app(scope, receive, send_with_headers)


class SecurityHeadersWSGIMiddleware:
    """Pure WSGI middleware adding a :class:`SecurityHeaders` policy to every response.

    Args:
        app: the WSGI app.
        policy: the headers (default: ``SecurityHeaders()``).
        authorization_counts: a request carrying ``Authorization`` counts as
            authenticated (False: only a token a jwtguard layer inside verified counts,
            as in the Flask extension, which wraps ``app.wsgi_app`` in this middleware).
    """

    def __init__(
        self,
        app: WSGIApplication,
        policy: SecurityHeaders = _DEFAULT,
        *,
        authorization_counts: bool = True,
    ) -> None:
        self.app = app
        self.policy = policy
        self._merge = policy.wsgi_merge
        self._html_path = policy.is_html_path if policy.html_paths else None
        self._authorization_counts = authorization_counts

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        html = self._html_path is not None and self._html_path(wsgi_route_path(environ))
        hooked = adding_headers(
            start_response,
            self._merge,
            environ,
            html,
            authorization_counts=self._authorization_counts,
        )
        return self.app(environ, hooked)
