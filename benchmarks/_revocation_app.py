"""The app ``benchmarks.revocation_load`` serves: jwtguard over the Redis store in push mode.

Configured from the environment as users deploy it (``JWTGUARD_SECRET_KEY``,
``JWTGUARD_REDIS_URL``; ``Guard.from_env`` at import, so ``gunicorn --preload``
builds the store before forking). ``/public`` is open, everything else is behind the
middleware; every response names its worker in ``x-worker``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from jwtguard import Guard

__all__: list[str] = []  # servers import asgi_app / wsgi_app by name (see __getattr__)

guard = Guard.from_env()


def _wsgi_app() -> Any:
    from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware

    def plain(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response(
            "200 OK",
            [
                ("content-type", "text/plain"),
                ("content-length", "2"),
                ("x-worker", str(os.getpid())),
            ],
        )
        return [b"ok"]

    protected = JWTGuardWSGIMiddleware(plain, guard=guard, security_headers=None)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/public"):
            return plain(environ, start_response)
        return protected(environ, start_response)

    return app


def _asgi_app() -> Any:
    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def plain(scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"content-type", b"text/plain"),
            (b"content-length", b"2"),
            (b"x-worker", str(os.getpid()).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    protected = JWTGuardMiddleware(plain, guard=guard, security_headers=None)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif scope["path"].startswith("/public"):
            await plain(scope, receive, send)
        else:
            await protected(scope, receive, send)

    return app


def __getattr__(name: str) -> Any:
    if name == "asgi_app":
        return _asgi_app()
    if name == "wsgi_app":
        return _wsgi_app()
    raise AttributeError(name)
