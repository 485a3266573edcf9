"""One app per adapter answering each kind of response, for ``test_header_kinds.py``.

Served by real servers (``uvicorn --root-path``, gunicorn under ``SCRIPT_NAME``): an HTML
page, a text response on a path listed in ``html_paths`` (``/report``: a route path, so the
prefix the server strips does not count), a JSON API response, an authenticated HTML page,
a ``304 Not Modified`` and jwtguard's own 401. ``/page``, ``/report``, ``/etag`` and
``/health`` are exempt; everything else needs a token.
"""

from __future__ import annotations

import os
from typing import Any

from jwtguard import Guard, SecurityHeaders

ETAG = '"v1"'
EXEMPT = ["/page", "/report", "/etag", "/health"]
PAGE = "<!doctype html><title>page</title><p>page</p>"


def _guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"])


def _policy() -> SecurityHeaders:
    return SecurityHeaders(html_paths=["/report"])


def starlette_kinds() -> Any:
    """Starlette behind ``JWTGuardMiddleware``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def report(request: Request) -> Response:
        return PlainTextResponse("report")

    async def etag(request: Request) -> Response:
        if request.headers.get("if-none-match") == ETAG:
            return Response(status_code=304, headers={"ETag": ETAG})
        return PlainTextResponse("tagged", headers={"ETag": ETAG})

    async def me(request: Request) -> Response:
        return JSONResponse({"sub": request.state.claims["sub"]})

    async def my_page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/page", page),
            Route("/report", report),
            Route("/etag", etag),
            Route("/api/me", me),
            Route("/me/page", my_page),
            Route("/health", health),
        ]
    )
    return JWTGuardMiddleware(app, guard=_guard(), exempt=EXEMPT, security_headers=_policy())


def _flask_app(protect: Any) -> Any:
    from flask import Flask, Response, request

    app = Flask("kinds")

    @app.get("/page")
    def page() -> str:
        return PAGE

    @app.get("/report")
    def report() -> Response:
        return Response("report", mimetype="text/plain")

    @app.get("/etag")
    def etag() -> Response:
        if request.headers.get("If-None-Match") == ETAG:
            return Response(status=304, headers={"ETag": ETAG})
        return Response("tagged", mimetype="text/plain", headers={"ETag": ETAG})

    @app.get("/api/me")
    @protect
    def me() -> dict[str, Any]:
        return {"sub": "me"}

    @app.get("/me/page")
    @protect
    def my_page() -> str:
        return PAGE

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def flask_middleware() -> Any:
    """Flask behind ``JWTGuardWSGIMiddleware``."""
    from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware

    return JWTGuardWSGIMiddleware(
        _flask_app(lambda view: view), guard=_guard(), exempt=EXEMPT, security_headers=_policy()
    )


def flask_extension() -> Any:
    """Flask with the ``JWTGuard`` extension and ``@jwt_required``."""
    from jwtguard.adapters.flask import JWTGuard, jwt_required

    app = _flask_app(jwt_required)
    JWTGuard(app, guard=_guard(), security_headers=_policy())
    return app
