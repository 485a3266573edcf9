"""Drive ASGI and WSGI apps in process: prebuilt scope or environ, no sockets, no test client."""

from __future__ import annotations

import asyncio
import gc
import io
import sys
from collections.abc import Callable
from itertools import repeat
from typing import Any

from benchmarks._timing import Runner, clock_ns

__all__ = ["asgi_runner", "asgi_status", "environ", "wsgi_call", "wsgi_runner"]


def _scope(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"bench/1.0"),
            (b"accept", b"*/*"),
            (b"authorization", b"Bearer " + token.encode("ascii")),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


_REQUEST = {"type": "http.request", "body": b"", "more_body": False}


async def _receive() -> dict[str, Any]:
    return _REQUEST


def asgi_status(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> int:
    """Serve one request and return its status code."""
    status = [0]

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    loop.run_until_complete(app(_scope(token), _receive, send))
    return status[0]


def asgi_runner(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> Runner:
    """Serve ``n`` requests in one event-loop run; nanoseconds per request.

    Each request gets its own header list and ``Authorization`` bytes, as a server parses
    them anew: nothing (a cached hash, say) carries over from one request to the next.
    """
    base = _scope(token)
    *others, (name, value) = base["headers"]
    raw = bytearray(value)

    async def send(message: dict[str, Any]) -> None:
        pass

    async def batch(n: int) -> None:
        for _ in repeat(None, n):
            scope = dict(base)
            scope["headers"] = [*others, (name, bytes(raw))]
            await app(scope, _receive, send)

    def run(n: int) -> float:
        gc.disable()
        try:
            start = clock_ns()
            loop.run_until_complete(batch(n))
            return (clock_ns() - start) / n
        finally:
            gc.enable()

    return run


def environ(token: str, path: str = "/") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench/1.0",
        "HTTP_ACCEPT": "*/*",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


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
