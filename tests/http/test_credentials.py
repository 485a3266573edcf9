"""Where a token is read from (jwtguard/http/credentials.py), without any framework: RFC 6750
extraction, cookies with CSRF, headers, query parameters (the challenges: test_challenges.py)."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard.adapters.asgi import request_from_scope
from jwtguard.adapters.wsgi import request_from_environ
from jwtguard.errors import ConfigError, InvalidRequestError
from jwtguard.http.credentials import CSRFError, TokenLocations, parse_authorization
from jwtguard.http.request import RequestView


@pytest.mark.parametrize(
    ("value", "token"),
    [
        pytest.param("Bearer abc", "abc", id="plain"),
        pytest.param("bearer abc", "abc", id="lower"),
        pytest.param("Bearer   abc  ", "abc", id="extra-spaces"),
        pytest.param("Basic dXNlcg==", None, id="other-scheme"),
        pytest.param('Digest username="bearer", realm="x"', None, id="digest-mentioning-bearer"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_authorization(value: str, token: str | None) -> None:
    assert parse_authorization(value) == token


@pytest.mark.parametrize(
    "value",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer a,b",
        "Bearer\tabc",
        "Basic x, Bearer y",
        "bearer a\tb",
    ],
)
def test_malformed_authorization(value: str) -> None:
    with pytest.raises(InvalidRequestError):
        parse_authorization(value)


def test_locations_validate_names() -> None:
    with pytest.raises(ConfigError):
        TokenLocations(header="X Bad")
    with pytest.raises(ConfigError):
        TokenLocations(cookie="a;b")
    with pytest.raises(ConfigError):
        TokenLocations(header="Authorization")


def asgi(method: str, *headers: tuple[str, str]) -> RequestView:
    scope = {"type": "http", "method": method, "path": "/", "query_string": b""}
    scope["headers"] = [(k.lower().encode(), v.encode()) for k, v in headers]
    return request_from_scope(scope)


def wsgi(method: str, *headers: tuple[str, str]) -> RequestView:
    """As a WSGI server passes headers: one ``HTTP_*`` key each, repeated lines joined."""
    environ: dict[str, str] = {"REQUEST_METHOD": method, "PATH_INFO": "/"}
    for name, value in headers:
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]}, {value}" if key in environ else value
    return request_from_environ(environ)


@pytest.mark.parametrize("build", [asgi, wsgi], ids=["asgi", "wsgi"])
def test_asgi_and_wsgi_requests_agree(build: Any) -> None:
    locations = TokenLocations(cookie="at", header="X-Token")
    assert locations.find(build("POST", ("Cookie", "at=t1"), ("X-CSRF-Token", "1"))) == "t1"
    with pytest.raises(CSRFError):
        locations.find(build("POST", ("Cookie", "at=t1")))
    with pytest.raises(CSRFError):
        locations.find(build("DELETE", ("Cookie", "at=t1")))
    with pytest.raises(InvalidRequestError):
        locations.find(build("GET", ("X-Token", "a"), ("X-Token", "b")))
    with pytest.raises(InvalidRequestError):
        locations.find(build("GET", ("X-Token", "a, b")))
    with pytest.raises(InvalidRequestError):
        locations.find(build("GET", ("Authorization", "Bearer a"), ("Authorization", "Bearer b")))
    assert locations.find(build("GET", ("X-Token", " t2 "))) == "t2"
