"""The /healthz, /readyz and /metrics shells: paths, methods, pass-through, start-up checks
(behind real servers: tests/e2e/test_observability.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import pytest

from jwtguard.adapters.observability import ASGIEndpoints, WSGIEndpoints
from jwtguard.errors import ConfigError
from jwtguard.testing import FakeIdentityProvider, TokenFactory
from tests.adapters.conftest import Adapter


def asgi_get(app: Any, path: str, method: str = "GET", root_path: str = "") -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": root_path + path, "root_path": root_path,
             "headers": [], "query_string": b""}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def wsgi_get(app: Any, path: str, method: str = "GET") -> tuple[int, bytes]:
    answer: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        answer.append(status)

    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path}, start_response))
    return int(answer[0].split()[0]), body


async def _inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"inner"})


def _wsgi_inner(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("299 Inner", [])
    return [b"inner"]


def test_asgi_paths_methods_and_the_rest(factory: TokenFactory) -> None:
    app = ASGIEndpoints(_inner, factory.guard(), metrics=_inner, metrics_path="/m")
    assert asgi_get(app, "/healthz") == (200, b'{"status": "ok"}')
    assert json.loads(asgi_get(app, "/readyz")[1]) == {"status": "ready", "reasons": []}
    assert asgi_get(app, "/readyz", "HEAD") == (200, b"")
    assert asgi_get(app, "/healthz", "DELETE")[0] == 405
    assert asgi_get(app, "/m") == (299, b"inner")
    assert asgi_get(app, "/m", "POST")[0] == 405
    assert asgi_get(app, "/other") == (299, b"inner")
    assert asgi_get(app, "/healthz", root_path="/api") == (200, b'{"status": "ok"}')
    assert asgi_get(ASGIEndpoints(None, factory.guard()), "/other")[0] == 404
    assert asgi_get(ASGIEndpoints(_inner, factory.guard(), healthz=None), "/healthz")[0] == 299


def test_wsgi_readyz_is_503_when_not_ready() -> None:
    with FakeIdentityProvider() as idp:
        app = WSGIEndpoints(_wsgi_inner, idp.guard(), metrics=_wsgi_inner)
        status, body = wsgi_get(app, "/readyz")
        assert (status, json.loads(body)["status"]) == (503, "not_ready")
        assert idp.jwks_url.encode() not in body and idp.issuer.encode() not in body
        bare = WSGIEndpoints(None, idp.guard())
    assert wsgi_get(app, "/metrics") == (299, b"inner")
    assert wsgi_get(app, "/metrics", "PUT")[0] == 405
    assert wsgi_get(app, "/x") == (299, b"inner")
    assert wsgi_get(bare, "/x")[0] == 404


def test_bad_configuration_is_refused_at_start_up(factory: TokenFactory) -> None:
    with pytest.raises(ConfigError) as caught:
        ASGIEndpoints(_inner, factory.guard(), healthz="healthz", readyz="/same", metrics=_inner,
                      metrics_path="/same")  # fmt: skip
    assert len(caught.value.problems) == 2  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="guard"):
        WSGIEndpoints(_wsgi_inner, object())  # type: ignore[arg-type]


def test_every_adapter_counts_its_decisions_under_its_name(
    adapter: Adapter, factory: TokenFactory
) -> None:
    guard = factory.guard()
    send = adapter.client(guard, exempt=["/health"])
    authorization = [("Authorization", f"Bearer {factory.issue(sub='42')}")]
    for _ in range(2):
        assert send("GET", "/x", authorization).status == 200
    assert send("GET", "/x").status == 401
    assert send("GET", "/health").status == 200
    name = "django" if adapter.name.startswith(("django", "drf")) else adapter.name
    counts = guard.decisions.snapshot()
    assert counts[(name, "allowed", "", "")] == 2
    assert counts[(name, "refused", "missing_token", "")] == 1
    assert counts[(name, "exempt", "", "")] == 1
    assert {key[0] for key, value in counts.items() if value} == {name}
