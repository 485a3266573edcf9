"""Drive ASGI and WSGI apps in process: prebuilt scope or environ, no sockets, no test client.

The requests are the ones ``jwtguard bench`` serves (:mod:`jwtguard.cli._serve`, which
ships; benchmarks/ does not).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from itertools import repeat
from typing import Any

from benchmarks._timing import Runner, clock_ns
from jwtguard.cli._serve import asgi_scope, receive, wsgi_environ

__all__ = ["asgi_runner", "asgi_status", "environ", "wsgi_call", "wsgi_runner"]

environ = wsgi_environ
"""The request the WSGI benchmarks serve (the CLI's ``jwtguard bench`` serves the same)."""


def asgi_status(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> int:
    """Serve one request and return its status code."""
    status = [0]

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    loop.run_until_complete(app(asgi_scope(token), receive, send))
    return status[0]


def asgi_runner(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> Runner:
    """Serve ``n`` requests in one event-loop run; nanoseconds per request.

    Each request gets its own header list and ``Authorization`` bytes, as a server parses
    them anew: nothing (a cached hash, say) carries over from one request to the next; and
    its own ``state`` dict, as uvicorn copies the lifespan state into every request's scope.
    """
    base = asgi_scope(token)
    *others, (name, value) = base["headers"]
    raw = bytearray(value)

    async def send(message: dict[str, Any]) -> None:
        pass

    async def batch(n: int) -> None:
        for _ in repeat(None, n):
            scope = dict(base)
            scope["headers"] = [*others, (name, bytes(raw))]
            scope["state"] = {}  # as uvicorn's: a fresh copy of the lifespan state
            await app(scope, receive, send)

    def run(n: int) -> float:
        gc.disable()
        try:
            start = clock_ns()
            loop.run_until_complete(batch(n))
            return (clock_ns() - start) / n
        finally:
            gc.enable()

    return run


def wsgi_call(app: Any, environ: dict[str, Any]) -> int:
    """Serve one request (body consumed, iterable closed) and return its status code."""
    status = [0]

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Callable[..., Any]:
        status[0] = int(line[:3])
        return _ignore

    body = app(dict(environ), start_response)
    try:
        for _ in body:
            pass
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return status[0]


def _ignore(*_args: Any) -> None:
    pass


def wsgi_runner(app: Any, token: str, path: str = "/") -> Runner:
    """Serve ``n`` requests (to ``path``); nanoseconds per request (a fresh
    ``HTTP_AUTHORIZATION`` string each, as a server decodes it anew)."""
    base = environ(token, path)
    raw = base["HTTP_AUTHORIZATION"].encode("latin-1")

    def run(n: int) -> float:
        gc.disable()
        try:
            start = clock_ns()
            for _ in repeat(None, n):
                base["HTTP_AUTHORIZATION"] = raw.decode("latin-1")
                wsgi_call(app, base)
            return (clock_ns() - start) / n
        finally:
            gc.enable()

    return run
