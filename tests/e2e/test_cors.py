"""CORS in front of jwtguard behind real servers: a page on one origin calls an API on another.

The API runs under uvicorn (Starlette's CORSMiddleware outside jwtguard, or inside it) and
gunicorn (the Flask extension with flask-cors). Each is driven twice: by a raw preflight and
request as a browser sends them, and by headless chromium loading a page served from
another origin whose script fetches the API with an ``Authorization`` header (so the
browser itself makes the preflight and enforces CORS on the answers it hands the script).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from .conftest import Server, chromium_console

APPS = "convention_apps"
AUDIENCE = "conventions"


@pytest.fixture(scope="module")
def page(serve: Callable[..., Server]) -> Server:
    return serve("cors-page", "uvicorn", f"{APPS}:cors_page")


def _api(serve: Callable[..., Server], page: Server, name: str, kind: str, order: str) -> Server:
    factory = {"uvicorn": "starlette_cors", "gunicorn": "flask_cors_extension"}[kind]
    return serve(
        f"cors-{name}",
        kind,
        f"{APPS}:{factory}",
        env={"ALLOWED_ORIGIN": page.url, "CORS_ORDER": order},
    )


@pytest.fixture(scope="module")
def apis(serve: Callable[..., Server], page: Server) -> dict[str, Server]:
    return {
        "starlette-outside": _api(serve, page, "starlette-outside", "uvicorn", "outside"),
        "starlette-inside": _api(serve, page, "starlette-inside", "uvicorn", "inside"),
        "flask": _api(serve, page, "flask", "gunicorn", "outside"),
    }


def token(secret: str, sub: str = "browser") -> str:
    from jwtguard import Guard

    return Guard(secret, algorithms=["HS256"], audience=AUDIENCE).issue({"sub": sub})


READABLE = ["starlette-outside", "flask"]


@pytest.mark.parametrize("name", READABLE)
def test_preflight_then_refusal_as_a_browser_sends_them(
    name: str, apis: dict[str, Server], page: Server
) -> None:
    api = apis[name]
    preflight = api.request(
        "/items",
        method="OPTIONS",
        headers=[
            ("Origin", page.url),
            ("Access-Control-Request-Method", "GET"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    )
    assert preflight.status == 200
    assert preflight.header("access-control-allow-origin") == page.url
    assert "authorization" in (preflight.header("access-control-allow-headers") or "").lower()
    refused = api.request(
        "/items", headers=[("Origin", page.url), ("Authorization", "Bearer not-a-token")]
    )
    assert refused.status == 401
    assert refused.header("access-control-allow-origin") == page.url
    assert "www-authenticate" in (refused.header("access-control-expose-headers") or "").lower()
    assert json.loads(refused.body)["error"] == "invalid_token"


def test_cors_inside_jwtguard_leaves_the_refusal_bare_and_says_so(
    apis: dict[str, Server], page: Server
) -> None:
    api = apis["starlette-inside"]
    refused = api.request(
        "/items", headers=[("Origin", page.url), ("Authorization", "Bearer not-a-token")]
    )
    assert refused.status == 401
    assert refused.header("access-control-allow-origin") is None
    log = api.log.read_text()
    assert "sits inside JWTGuardMiddleware" in log  # the start-up warning, in the server's log


def _browse(page: Server, api: Server, secret: str, profile: Path) -> dict[str, Any]:
    query = urlencode({"api": api.url, "token": token(secret)})
    shown = chromium_console(f"{page.url}/page?{query}", profile)
    start = shown.index('<pre id="result">') + len('<pre id="result">')
    text = shown[start : shown.index("</pre>", start)]
    assert text != "pending", shown[-2000:]
    result: dict[str, Any] = json.loads(text.replace("&quot;", '"'))
    return result


@pytest.mark.parametrize("name", READABLE)
def test_a_page_on_another_origin_reads_the_refusal(
    name: str, apis: dict[str, Server], page: Server, routing_secret: str, tmp_path: Path
) -> None:
    result = _browse(page, apis[name], routing_secret, tmp_path)
    refused = result["refused"]
    assert refused["status"] == 401
    assert refused["challenge"].startswith('Bearer realm="api", error="invalid_token"')
    assert refused["body"]["error"] == "invalid_token"
    assert result["allowed"] == {"status": 200, "challenge": None, "body": {"sub": "browser"}}


def test_with_cors_inside_the_page_sees_only_a_network_error(
    apis: dict[str, Server], page: Server, routing_secret: str, tmp_path: Path
) -> None:
    result = _browse(page, apis["starlette-inside"], routing_secret, tmp_path)
    assert result["refused"] == {"error": "TypeError"}  # fetch's "Failed to fetch"
    assert result["allowed"]["status"] == 200  # what passes jwtguard gets CORS headers inside
