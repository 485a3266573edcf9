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

import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from jwtguard.adapters.asgi import ASGIApp, Receive, Scope, Send, route_path
from jwtguard.adapters.wsgi import route_path as wsgi_route_path
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ASGIEndpoints", "WSGIEndpoints"]

_METHODS: Final = frozenset({"GET", "HEAD"})
_JSON: Final = "application/json"
_NO_STORE: Final = (("cache-control", "no-store"), ("x-content-type-options", "nosniff"))

Answer = tuple[int, list[tuple[str, str]], bytes]


class _Routes:
    """What both shells share: which path is which, and the health answers."""

    def __init__(
        self,
        guard: Guard,
        metrics: object | None,
        healthz: str | None,
        readyz: str | None,
        metrics_path: str,
    ) -> None:
        if not isinstance(guard, Guard):
            raise ConfigError("guard: must be a jwtguard.Guard")
        paths = [p for p in (healthz, readyz, metrics_path if metrics else None) if p]
        problems = [f"{p!r}: a path starts with /" for p in paths if not p.startswith("/")]
        if len(set(paths)) != len(paths):
            problems.append("healthz, readyz, metrics_path: each a different path")
        if problems:
            raise ConfigError(problems)
        self.guard = guard
        self.healthz, self.readyz = healthz, readyz
        self.metrics_path = metrics_path if metrics is not None else None

    def health(self, path: str, method: str) -> Answer | None:
        """The answer for a health path, or None when ``path`` is none of them."""
        if path == self.healthz:
            status, body = 200, {"status": "ok"}
        elif path == self.readyz:
            found = self.guard.readiness()
            status, body = (200 if found.ready else 503), found.as_dict()
        else:
            return None
        if method not in _METHODS:
            return _not_allowed()
        text = json.dumps(body).encode()
        headers = [("content-type", _JSON), ("content-length", str(len(text))), *_NO_STORE]
        return status, headers, b"" if method == "HEAD" else text


def _not_allowed(allow: str = "GET, HEAD") -> Answer:
    return 405, [("allow", allow), ("content-length", "0"), *_NO_STORE], b""


def _not_found() -> Answer:
    return 404, [("content-length", "0")], b""


class ASGIEndpoints:
    """ASGI middleware serving ``/healthz``, ``/readyz`` and (given ``metrics``, an ASGI
    app) ``/metrics``; ``app`` (None: 404) serves the rest. A path of None turns it off."""

    def __init__(
        self,
        app: ASGIApp | None,
        guard: Guard,
        *,
        metrics: ASGIApp | None = None,
        healthz: str | None = "/healthz",
        readyz: str | None = "/readyz",
        metrics_path: str = "/metrics",
    ) -> None:
        self.app = app
        self._routes = _Routes(guard, metrics, healthz, readyz, metrics_path)
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, method = route_path(scope), scope["method"]
            routes = self._routes
            if path == routes.metrics_path and self._metrics is not None:
                if method != "GET":
                    return await _send(send, _not_allowed("GET"))
                return await self._metrics(scope, receive, send)
            answer = routes.health(path, method)
            if answer is not None:
                return await _send(send, answer)
        if self.app is None:
            if scope["type"] == "http":
                await _send(send, _not_found())
            return None
        return await self.app(scope, receive, send)


async def _send(send: Send, answer: Answer) -> None:
    status, headers, body = answer
    raw = [(name.encode(), value.encode()) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class WSGIEndpoints:
    """:class:`ASGIEndpoints` for WSGI: ``metrics`` is a WSGI app (e.g.
    ``exporter.wsgi_app()``), ``app`` (None: 404) serves the rest."""

    def __init__(
        self,
        app: WSGIApplication | None,
        guard: Guard,
        *,
        metrics: WSGIApplication | None = None,
        healthz: str | None = "/healthz",
        readyz: str | None = "/readyz",
        metrics_path: str = "/metrics",
    ) -> None:
        self.app = app
        self._routes = _Routes(guard, metrics, healthz, readyz, metrics_path)
        self._metrics = metrics

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = wsgi_route_path(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        routes = self._routes
        if path == routes.metrics_path and self._metrics is not None:
            if method != "GET":
                return _respond(start_response, _not_allowed("GET"))
            return self._metrics(environ, start_response)
        answer = routes.health(path, method)
        if answer is not None:
            return _respond(start_response, answer)
        if self.app is None:
            return _respond(start_response, _not_found())
        return self.app(environ, start_response)


def _respond(start_response: StartResponse, answer: Answer) -> list[bytes]:
    status, headers, body = answer
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]
