"""The app the worker-lifecycle tests serve under gunicorn and uvicorn.

Configured the way users deploy: ``Guard.from_env()`` at import (so with
``gunicorn --preload`` the store is built in the master, then forked), Redis push
mode from ``JWTGUARD_REDIS_URL``. ``/protected`` is behind the middleware;
``/public`` is not (readiness). Every response names its worker (``x-worker``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from jwtguard import Guard

guard = Guard.from_env()


def _plain(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "200 OK",
        [
            ("content-type", "text/plain"),
            ("content-length", "2"),
            ("x-worker", str(os.getpid())),
        ],
    )
    return [b"ok"]


def _make_wsgi() -> Any:
    from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware

    protected = JWTGuardWSGIMiddleware(_plain, guard=guard, security_headers=None)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/public":
            return _plain(environ, start_response)
        return protected(environ, start_response)

    return app


async def _plain_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [
        (b"content-type", b"text/plain"),
        (b"content-length", b"2"),
        (b"x-worker", str(os.getpid()).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def _make_asgi() -> Any:
    from jwtguard.adapters.asgi import JWTGuardMiddleware

    protected = JWTGuardMiddleware(_plain_asgi, guard=guard, security_headers=None)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/public":
            await _plain_asgi(scope, receive, send)
        else:
            await protected(scope, receive, send)

    return app


wsgi = _make_wsgi()
asgi = _make_asgi()
