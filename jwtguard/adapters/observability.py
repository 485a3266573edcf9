"""``/healthz``, ``/readyz`` and ``/metrics`` in front of an ASGI or a WSGI app.

:class:`ASGIEndpoints` and :class:`WSGIEndpoints` answer ``GET``/``HEAD`` on their three
paths (matched on the route path: ``root_path`` / ``SCRIPT_NAME`` removed) and pass
every other request to the app. Put them outside the jwtguard middleware: they never
ask for a token, and answer nothing but a status and fixed labels (no URL, issuer or
other configuration). ``/healthz`` is liveness (the process answers: 200), ``/readyz``
readiness from :meth:`jwtguard.Guard.readiness` (200 ready or degraded, 503 not ready),
``/metrics`` (``GET`` only) the app given as ``metrics`` (e.g. ``exporter.asgi_app()``
of :mod:`jwtguard.observability.prometheus`).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Final, Generic, Literal, TypeVar

from jwtguard.adapters.asgi import ASGIApp, Receive, Scope, Send, route_path
from jwtguard.adapters.wsgi import route_path as wsgi_route_path
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard

if TYPE_CHECKING:
    from _typeshed.wsgi import (
        StartResponse,
        WSGIApplication,  # noqa: F401 - quoted: WSGIEndpoints' base
        WSGIEnvironment,
    )

__all__ = ["ASGIEndpoints", "WSGIEndpoints"]

_METHODS: Final = frozenset({"GET", "HEAD"})
_JSON: Final = "application/json"
_NO_STORE: Final = (("cache-control", "no-store"), ("x-content-type-options", "nosniff"))

Answer = tuple[int, list[tuple[str, str]], bytes]
App = TypeVar("App")


class Delegate(enum.Enum):
    """An answer made by the metrics app given, not by the shell."""

    METRICS = "metrics"


class _Endpoints(Generic[App]):
    """What both shells share: the paths, their start-up checks, the health answers."""

    def __init__(
        self,
        app: App | None,
        guard: Guard,
        *,
        metrics: App | None = None,
        healthz: str | None = "/healthz",
        readyz: str | None = "/readyz",
        metrics_path: str = "/metrics",
    ) -> None:
        if not isinstance(guard, Guard):
            raise ConfigError("guard: must be a jwtguard.Guard")
        paths = [p for p in (healthz, readyz, metrics_path if metrics else None) if p]
        problems = [f"{p!r}: a path starts with /" for p in paths if not p.startswith("/")]
        if len(set(paths)) != len(paths):
            problems.append("healthz, readyz, metrics_path: each a different path")
        if problems:
            raise ConfigError(problems)
        self.app = app
        self.guard = guard
        self._metrics = metrics
        self._healthz, self._readyz = healthz, readyz
        self._metrics_path = metrics_path if metrics is not None else None

    def _answer(self, path: str, method: str) -> Answer | Literal[Delegate.METRICS] | None:
        """The answer for one of the paths, METRICS to call the metrics app, or None when
        ``path`` is none of them."""
        if path == self._metrics_path:
            return Delegate.METRICS if method == "GET" else _not_allowed("GET")
        if path == self._healthz:
            status, body = 200, {"status": "ok"}
        elif path == self._readyz:
            found = self.guard.readiness()
            status, body = (200 if found.ready else 503), found.as_dict()
        else:
            return None if self.app is not None else _not_found()
        if method not in _METHODS:
            return _not_allowed("GET, HEAD")
        text = json.dumps(body).encode()
        headers = [("content-type", _JSON), ("content-length", str(len(text))), *_NO_STORE]
        return status, headers, b"" if method == "HEAD" else text


def _not_allowed(allow: str) -> Answer:
    return 405, [("allow", allow), ("content-length", "0"), *_NO_STORE], b""


def _not_found() -> Answer:
    return 404, [("content-length", "0")], b""


class ASGIEndpoints(_Endpoints[ASGIApp]):
    """ASGI middleware serving ``/healthz``, ``/readyz`` and (given ``metrics``, an ASGI
    app such as ``exporter.asgi_app()``) ``/metrics``; ``app`` serves the rest (None: 404).
    A path of None leaves that endpoint out."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = (
            self._answer(route_path(scope), scope["method"]) if scope["type"] == "http" else None
        )
        if isinstance(answer, tuple):
            await _send(send, answer)
        elif answer is Delegate.METRICS and self._metrics is not None:
            await self._metrics(scope, receive, send)
        elif self.app is not None:
            await self.app(scope, receive, send)


async def _send(send: Send, answer: Answer) -> None:
    status, headers, body = answer
    raw = [(name.encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class WSGIEndpoints(_Endpoints["WSGIApplication"]):
    """:class:`ASGIEndpoints` for WSGI: ``metrics`` is a WSGI app (e.g.
    ``exporter.wsgi_app()``), ``app`` serves the rest (None: 404)."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        answer = self._answer(wsgi_route_path(environ), environ.get("REQUEST_METHOD", "GET"))
        if answer is Delegate.METRICS and self._metrics is not None:
            return self._metrics(environ, start_response)
        if answer is None and self.app is not None:
            return self.app(environ, start_response)
        status, headers, body = answer if isinstance(answer, tuple) else _not_found()
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]
