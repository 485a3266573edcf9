"""RFC 6750 extraction and challenges, without any framework."""

from __future__ import annotations

import pytest

from jwtguard.errors import (
    ConfigError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidRequestError,
    TokenError,
)
from jwtguard.http.challenges import challenge, error_body, quote
from jwtguard.http.credentials import (
    CSRFError,
    MissingTokenError,
    TokenLocations,
    parse_authorization,
)


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


def test_quote_escapes_and_drops_control_characters() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    assert quote("x\r\nSet-Cookie: y") == '"xSet-Cookie: y"'


def test_challenges() -> None:
    assert challenge("api") == 'Bearer realm="api"'
    assert challenge(None) == "Bearer"
    assert challenge("api", MissingTokenError()) == 'Bearer realm="api"'
    assert challenge(None, ExpiredTokenError("exp", "expired")) == (
        'Bearer error="invalid_token", error_description="The access token expired."'
    )
    scoped = InsufficientScopeError(["read", 'bad"scope'], 'no "quotes" \\ here')
    assert challenge("r", scoped) == (
        'Bearer realm="r", error="insufficient_scope", '
        'error_description="no quotes  here", scope="read badscope"'
    )


def test_error_body() -> None:
    assert error_body(TokenError()) == (
        b'{"error":"invalid_token","error_description":"The access token is invalid."}'
    )
    assert error_body(MissingTokenError()).startswith(b'{"error":"missing_token"')


def test_locations_validate_names() -> None:
    with pytest.raises(ConfigError):
        TokenLocations(header="X Bad")
    with pytest.raises(ConfigError):
        TokenLocations(cookie="a;b")
    with pytest.raises(ConfigError):
        TokenLocations(header="Authorization")


def test_wsgi_and_asgi_agree() -> None:
    locations = TokenLocations(cookie="at", header="X-Token")
    environ = {"HTTP_COOKIE": "at=t1", "HTTP_X_CSRF_TOKEN": "1"}
    headers = [(b"cookie", b"at=t1"), (b"x-csrf-token", b"1")]
    assert locations.from_wsgi(environ, "POST") == "t1"
    assert locations.from_asgi(headers, b"", "POST") == "t1"
    with pytest.raises(CSRFError):
        locations.from_wsgi({"HTTP_COOKIE": "at=t1"}, "POST")
    with pytest.raises(CSRFError):
        locations.from_asgi([(b"cookie", b"at=t1")], b"", "DELETE")
    with pytest.raises(InvalidRequestError):
        locations.from_wsgi({"HTTP_X_TOKEN": "a, b"}, "GET")
    with pytest.raises(InvalidRequestError):
        locations.from_asgi([(b"x-token", b"a"), (b"x-token", b"b")], b"", "GET")
