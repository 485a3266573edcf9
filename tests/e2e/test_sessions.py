"""Browser sessions behind real servers: a CSRF refusal is 403 ``csrf`` without a challenge
(the middleware and the refresh routes alike), and logout sends ``Clear-Site-Data`` when
asked (Starlette under uvicorn, Flask under gunicorn)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from .conftest import RawResponse, Server

CSRF_BODY = {
    "error": "csrf",
    "error_description": "The request lacks a valid CSRF token.",
}
SERVERS = {
    "starlette": ("uvicorn", "convention_apps:starlette_sessions", '"cache", "cookies", "storage"'),
    "flask": ("gunicorn", "convention_apps:flask_sessions", '"cache", "storage"'),
}


@pytest.fixture(scope="module")
def servers(serve: Callable[..., Server]) -> dict[str, Server]:
    return {name: serve(f"sessions-{name}", kind, app) for name, (kind, app, _) in SERVERS.items()}


def post(server: Server, path: str, headers: list[tuple[str, str]]) -> RawResponse:
    return server.request(path, method="POST", headers=[*headers, ("Content-Length", "0")])


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_logout_clears_the_site_data_after_the_csrf_check(
    name: str, servers: dict[str, Server]
) -> None:
    api, cleared = servers[name], SERVERS[name][2]
    login = post(api, "/auth/login", [])
    assert login.status == 200
    jar = login.cookies()
    csrf = json.loads(login.body)["csrf_token"]
    cookie = ("Cookie", "; ".join(f"{k}={v}" for k, v in jar.items()))
    refused = post(api, "/auth/logout", [cookie])  # a cross-site form: no CSRF header
    assert refused.status == 403
    assert json.loads(refused.body) == {**CSRF_BODY, "code": "csrf"}
    assert refused.header("www-authenticate") is None
    assert refused.header("clear-site-data") is None
    out = post(api, "/auth/logout", [cookie, ("X-CSRF-Token", csrf)])
    assert out.status == 204
    assert out.header("clear-site-data") == cleared
    assert out.cookies()["__Host-refresh_token"] == ""


def test_a_cookie_token_without_the_csrf_header_is_forbidden(servers: dict[str, Server]) -> None:
    api = servers["starlette"]  # its API reads the access token from the "at" cookie
    login = post(api, "/auth/login", [])
    access = json.loads(login.body)["access_token"]
    cookie = ("Cookie", f"at={access}")
    assert json.loads(api.request("/orders", headers=[cookie]).body) == {"sub": "browser"}
    refused = post(api, "/orders", [cookie])
    assert refused.status == 403
    assert json.loads(refused.body) == CSRF_BODY
    assert refused.header("www-authenticate") is None
    assert post(api, "/orders", [cookie, ("X-CSRF-Token", "1")]).status == 200
