"""Security headers per kind of response, behind real servers, for every middleware adapter.

Each deployment serves ``header_apps.py`` under a prefix the server handles (uvicorn
``--root-path``, gunicorn ``SCRIPT_NAME``), so ``html_paths`` must match the route path, not
the full one. The expected sets are those docs/headers.md documents: the OWASP
REST set on API responses (``Cache-Control: no-store`` once a token was verified), the
document headers and no CSP on HTML, only the shared ones on a ``304``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from jwtguard import Guard

pytestmark = pytest.mark.e2e

Server = Any  # conftest.Server

SHARED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
API = {**SHARED, "content-security-policy": "default-src 'none'; frame-ancestors 'none'"}
PAGE = {
    **SHARED,
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin-allow-popups",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}
EVERY_NAME = {*API, *PAGE, "cache-control", "permissions-policy", "vary"}


@dataclass(frozen=True)
class Deployment:
    name: str
    kind: str
    factory: str
    prefix: str
    extra: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


DEPLOYMENTS = [
    Deployment(
        "uvicorn-asgi-root-path",
        "uvicorn",
        "header_apps:starlette_kinds",
        "",  # behind a proxy that strips /app: the client's path arrives without it
        ("--root-path", "/app"),
    ),
    Deployment(
        "gunicorn-wsgi-script-name",
        "gunicorn",
        "header_apps:flask_middleware",
        "/app",
        env=(("SCRIPT_NAME", "/app"),),
    ),
    Deployment(
        "gunicorn-flask-extension",
        "gunicorn",
        "header_apps:flask_extension",
        "/app",
        env=(("SCRIPT_NAME", "/app"),),
    ),
]


@pytest.fixture(scope="module", params=DEPLOYMENTS, ids=lambda d: d.name)
def server(request: pytest.FixtureRequest, serve: Callable[..., Server]) -> Server:
    d: Deployment = request.param
    return serve(d.name, d.kind, d.factory, extra=d.extra, env=dict(d.env), prefix=d.prefix)


@pytest.fixture(scope="module")
def token(routing_secret: str) -> str:
    return Guard(routing_secret, algorithms=["HS256"]).issue({"sub": "me"})


def policy_headers(response: Any) -> dict[str, str]:
    """The response's headers that a security-header policy could have set."""
    return {name: value for name, value in response.headers if name in EVERY_NAME}


def get(server: Server, path: str, *headers: tuple[str, str]) -> Any:
    return server.request(server.prefix + path, headers=list(headers))


def test_html_page_gets_the_document_headers_and_no_csp(server: Server) -> None:
    response = get(server, "/page")
    assert response.status == 200
    assert response.header("content-type").startswith("text/html")
    assert policy_headers(response) == PAGE


def test_a_path_in_html_paths_gets_the_document_headers_whatever_its_type(
    server: Server,
) -> None:
    response = get(server, "/report")
    assert response.status == 200
    assert response.header("content-type").startswith("text/plain")
    assert policy_headers(response) == PAGE


def test_an_api_answer_gets_the_owasp_rest_set_and_no_store_once_authenticated(
    server: Server, token: str
) -> None:
    anonymous = get(server, "/health")
    assert anonymous.status == 200
    assert policy_headers(anonymous) == API
    mine = get(server, "/api/me", ("Authorization", f"Bearer {token}"))
    assert mine.status == 200
    assert policy_headers(mine) == {**API, "cache-control": "no-store"}


def test_an_authenticated_page_is_not_stored(server: Server, token: str) -> None:
    response = get(server, "/me/page", ("Authorization", f"Bearer {token}"))
    assert response.status == 200
    assert policy_headers(response) == {**PAGE, "cache-control": "no-store"}


def test_a_304_gets_only_the_shared_headers(server: Server) -> None:
    fresh = get(server, "/etag")
    assert fresh.status == 200
    assert policy_headers(fresh) == API  # text/plain, not in html_paths
    revalidated = get(server, "/etag", ("If-None-Match", fresh.header("etag")))
    assert revalidated.status == 304
    assert policy_headers(revalidated) == SHARED


def test_a_refusal_gets_the_api_set_and_no_store(server: Server) -> None:
    response = get(server, "/me/page")  # an HTML route, refused before it answers
    assert response.status == 401
    assert response.header("www-authenticate").startswith("Bearer")
    assert policy_headers(response) == {**API, "cache-control": "no-store"}
