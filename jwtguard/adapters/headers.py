"""Security headers as standalone middleware, for apps that do not use jwtguard's auth.

Pure ASGI and pure WSGI (no framework import): wrap any app in one line::

    app = SecurityHeadersMiddleware(app)                  # ASGI: Starlette, FastAPI, ...
    wsgi_app = SecurityHeadersWSGIMiddleware(wsgi_app)    # WSGI: Flask, Django, ...

A response counts as authenticated (``Cache-Control: no-store``, ``Vary:
Authorization``) when the request sent an ``Authorization`` header or a jwtguard
middleware inside this one accepted a token (``scope["jwtguard.claims"]`` /
``environ["jwtguard.claims"]``, or an authenticated ``scope["user"]``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any

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
    if scope.get("jwtguard.claims") is not None:
        return True
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False):
        return True
    return any(name == b"authorization" for name, _ in scope.get("headers", ()))


class SecurityHeadersMiddleware:
    """Pure ASGI middleware adding a :class:`SecurityHeaders` policy to every HTTP response.

    Acts only on ``http.response.start``; websocket and lifespan scopes pass
    through untouched.
    """

    def __init__(self, app: ASGIApp, policy: SecurityHeaders = _DEFAULT) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = policy.asgi_headers(
                    list(message.get("headers", ())), authenticated=_asgi_authenticated(scope)
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecurityHeadersWSGIMiddleware:
    """Pure WSGI middleware adding a :class:`SecurityHeaders` policy to every response."""

    def __init__(self, app: WSGIApplication, policy: SecurityHeaders = _DEFAULT) -> None:
        self.app = app
        self.policy = policy

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        policy = self.policy

        def start_with_headers(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            authenticated = (
                environ.get("jwtguard.claims") is not None or "HTTP_AUTHORIZATION" in environ
            )
            new = policy.wsgi_headers(headers, authenticated=authenticated)
            if exc_info is None:
                return start_response(status, new)
            return start_response(status, new, exc_info)

        return self.app(environ, start_with_headers)
