"""The ASGI middleware's reading of a scope: the route path the app's router matches,
the client certificate of the TLS extension, and the request view built from both."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from jwtguard.http.request import WEBSOCKET, Headers, RequestView

__all__ = ["client_certificate", "request_from_scope", "route_path"]

Scope = MutableMapping[str, Any]


def route_path(scope: Scope) -> str:
    """The path the app's router matches: ``path`` without ``root_path``, exactly as
    Starlette's ``get_route_path`` computes it (``"/"`` where that is empty)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        if len(path) == len(root):
            return "/"
        if path[len(root)] == "/":
            return path[len(root) :]
    return path or "/"


def client_certificate(scope: Scope) -> str | None:
    """The client certificate (PEM) of the ASGI TLS extension, when the server provides
    it (``extensions["tls"]["client_cert_chain"][0]``; see :mod:`jwtguard.adapters.uvicorn`)."""
    tls = (scope.get("extensions") or {}).get("tls")
    chain = tls.get("client_cert_chain") if isinstance(tls, dict) else None
    return chain[0] if chain and isinstance(chain[0], str) else None


def request_from_scope(scope: Scope) -> RequestView:
    """The :class:`RequestView` of an ``http`` or ``websocket`` scope (the ASGI builder)."""
    raw = scope.get("raw_path")
    root = scope.get("root_path", "")
    return RequestView(
        scope.get("method") or WEBSOCKET,
        route_path(scope) if root else scope["path"] or "/",
        Headers(scope["headers"]),
        scope.get("query_string", b"").decode("latin-1"),
        None if raw is None else raw.decode("latin-1"),
        root,
        scope.get("scheme") or ("ws" if scope["type"] == "websocket" else "http"),
        client_cert=client_certificate(scope) if "extensions" in scope else None,
    )
