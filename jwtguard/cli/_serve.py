"""Requests served in process for ``jwtguard bench``: a prebuilt scope or environ, no socket."""

from __future__ import annotations

import asyncio
import io
import sys
import time
from itertools import repeat
from typing import Any

from jwtguard.cli._timing import Runner, calls

__all__ = ["ADAPTERS", "asgi_runner", "asgi_scope", "receive", "wsgi_environ", "wsgi_runner"]

ADAPTERS = {"asgi": "ASGI middleware, cache hit", "wsgi": "WSGI middleware, cache hit"}
"""The adapters a request can go through, in process; neither needs a web framework."""


def asgi_scope(token: str) -> dict[str, Any]:
    """The scope of a ``GET /`` carrying ``token`` as a Bearer token (the benchmarks' too)."""
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
        "state": {},  # uvicorn hands every request a copy of the lifespan state
    }


_REQUEST = {"type": "http.request", "body": b"", "more_body": False}


async def receive() -> dict[str, Any]:
    """The ASGI ``receive`` of a request without a body."""
    return _REQUEST


def wsgi_environ(token: str, path: str = "/") -> dict[str, Any]:
    """The environ of a ``GET`` of ``path`` carrying ``token`` as a Bearer token."""
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


def asgi_runner(app: Any, token: str, loop: asyncio.AbstractEventLoop) -> tuple[Runner, int]:
    """A runner serving ``n`` requests in one event-loop run, and one request's status."""
    scope = asgi_scope(token)
    status = [0]

    async def send(message: Any) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    async def batch(n: int) -> None:
        for _ in repeat(None, n):
            await app({**scope, "state": {}}, receive, send)  # uvicorn's: state per request

    def run(n: int) -> float:
        start = time.perf_counter_ns()
        loop.run_until_complete(batch(n))
        return (time.perf_counter_ns() - start) / n

    run(1)
    return run, status[0]


def wsgi_runner(app: Any, token: str) -> tuple[Runner, int]:
    """A runner serving ``n`` requests, and one request's status."""
    environ = wsgi_environ(token)
    status = [0]

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
        status[0] = int(line[:3])
        return None

    def serve(_: object) -> None:
        body = app(dict(environ), start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()

    serve(None)
    return calls(serve, None), status[0]
