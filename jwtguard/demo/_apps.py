"""The demo's apps, served on loopback by :mod:`jwtguard.demo._servers` (used by
:mod:`jwtguard.demo` and its tests).

One set of routes, served three ways: a Starlette app behind
``JWTGuardMiddleware`` under uvicorn, a plain WSGI app behind
``JWTGuardWSGIMiddleware`` and a Flask app using the ``JWTGuard`` extension
(``@jwt_required``, ``current_claims``), both under ``wsgiref``. Web frameworks are imported only
when the matching variant is built.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from jwtguard.adapters import Requirement
from jwtguard.demo._servers import LOOPBACK, RunningServer, check_host, serve_asgi, serve_wsgi
from jwtguard.guard import Guard
from jwtguard.jose import b64url_decode, b64url_encode

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["LOOPBACK", "VARIANTS", "DemoTokens", "RunningServer", "start_server"]

VARIANTS: Final = ("asgi", "wsgi", "flask")
AUDIENCE: Final = "jwtguard-demo"


def protection() -> dict[str, Any]:
    """The middleware options every variant uses: which routes are open, which need a scope."""
    return {
        "realm": AUDIENCE,
        "exempt": ["/", "/public", "/health"],
        "rules": {"/admin": Requirement.build(scopes="admin")},
    }


@dataclass(frozen=True)
class DemoTokens:
    """An ephemeral HS256 guard and the tokens the demo hands out."""

    guard: Guard
    token: str  # scope "read admin"
    reader: str  # scope "read": refused on /admin (403)
    expired: str
    tampered: str  # the reader token with "admin" added to its payload, signature kept

    @classmethod
    def create(cls) -> DemoTokens:
        """A fresh random key and tokens; nothing is stored anywhere."""
        guard = Guard(
            secrets.token_bytes(32),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=AUDIENCE,
            access_ttl=3600,
        )
        now = int(time.time())
        expired = {"sub": "demo-user", "scope": "read admin", "exp": now - 3600}
        expired |= {"iat": now - 7200, "nbf": now - 7200}
        reader = guard.issue({"sub": "demo-reader", "scope": "read"})
        header, payload, signature = reader.split(".")
        forged = json.loads(b64url_decode(payload))
        forged["scope"] = "read admin"
        tampered = ".".join((header, b64url_encode(json.dumps(forged).encode()), signature))
        return cls(
            guard=guard,
            token=guard.issue({"sub": "demo-user", "scope": "read admin"}),
            reader=reader,
            expired=guard.issue(expired),
            tampered=tampered,
        )


def _body(path: str, claims: Any) -> dict[str, Any] | None:
    """The JSON answer of each route, shared by every variant (None: not found)."""
    if path == "/":
        return {"routes": {"/public": "open", "/me": "any valid token", "/admin": "scope admin"}}
    if path == "/public":
        return {"message": "public: no token needed"}
    if path == "/health":
        return {"status": "ok"}
    if path in ("/me", "/admin") and claims is not None:
        scopes = sorted(claims.scopes)
        return {"path": path, "sub": claims.subject, "scopes": scopes}
    return None


def asgi_app(guard: Guard) -> Any:
    """A Starlette app protected by ``JWTGuardMiddleware``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def endpoint(request: Request) -> JSONResponse:
        claims = getattr(request.state, "claims", None)
        return JSONResponse(_body(request.url.path, claims))

    routes = [Route(path, endpoint) for path in ("/", "/public", "/health", "/me", "/admin")]
    return JWTGuardMiddleware(Starlette(routes=routes), guard=guard, **protection())


def _plain_wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    body = _body(environ.get("PATH_INFO") or "/", environ.get("jwtguard.claims"))
    status = "200 OK" if body is not None else "404 Not Found"
    data = json.dumps(body if body is not None else {"error": "not_found"}).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def flask_app(guard: Guard) -> WSGIApplication:
    """A Flask app protected per view by the extension: ``@jwt_required`` and ``current_claims``."""
    from flask import Flask, request

    from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required

    app = Flask("jwtguard-demo")
    JWTGuard(app, guard=guard, realm=AUDIENCE)

    def open_route() -> dict[str, Any]:
        return _body(request.path, None) or {}

    def me() -> dict[str, Any]:
        return _body("/me", current_claims) or {}

    def admin() -> dict[str, Any]:
        return _body("/admin", current_claims) or {}

    for path in ("/", "/public", "/health"):
        app.add_url_rule(path, path, open_route)
    app.add_url_rule("/me", "me", jwt_required(me))
    app.add_url_rule("/admin", "admin", jwt_required(scopes=["admin"])(admin))
    return app


def wsgi_app(guard: Guard, *, flask: bool = False) -> WSGIApplication:
    """A plain WSGI app behind ``JWTGuardWSGIMiddleware``, or the Flask app (``flask=True``)."""
    if flask:
        return flask_app(guard)
    from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware

    return JWTGuardWSGIMiddleware(_plain_wsgi, guard=guard, **protection())


def start_server(
    variant: str, tokens: DemoTokens, *, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Build the ``variant`` app and serve it on ``host:port`` (0: a free port) until stopped.

    Raises ImportError when the variant's web extras are missing, OSError when
    the port is taken, ValueError for a host that is not loopback.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant: one of {', '.join(VARIANTS)}")
    host = check_host(host)
    guard = tokens.guard
    if variant == "asgi":
        return serve_asgi(with_endpoints(asgi_app(guard), guard, asgi=True), host, port)
    app = wsgi_app(guard, flask=variant == "flask")
    return serve_wsgi(with_endpoints(app, guard, asgi=False), host, port)


def with_endpoints(app: Any, guard: Guard, *, asgi: bool) -> Any:
    """``app`` behind ``/healthz``, ``/readyz`` and ``/metrics`` (Prometheus, its own
    registry), outside jwtguard: they need no token (docs/observability.md)."""
    from prometheus_client import CollectorRegistry

    from jwtguard.adapters.observability import ASGIEndpoints, WSGIEndpoints
    from jwtguard.observability.prometheus import register

    exporter = register(guard, CollectorRegistry())
    if asgi:
        return ASGIEndpoints(app, guard, metrics=exporter.asgi_app())
    return WSGIEndpoints(app, guard, metrics=exporter.wsgi_app())
