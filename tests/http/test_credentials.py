"""Where a token is read from (jwtguard/http/credentials.py), without any framework: RFC 6750
extraction, cookies with CSRF, headers, query parameters (the challenges: test_challenges.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from jwtguard.adapters.asgi import request_from_scope
from jwtguard.adapters.wsgi import request_from_environ
from jwtguard.errors import ConfigError, InvalidRequestError
from jwtguard.http.credentials import (
    SAFE_METHODS,
    WEBSOCKET,
    CSRFError,
    TokenLocations,
    parse_authorization,
    parse_dpop_authorization,
)
from jwtguard.http.request import Headers, RequestView


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


# -- each rule of where a token is read from ---------------------------------------------------

TWO = "The request carries more than one access token."
MALFORMED = "The Authorization header is malformed."


def view(method: str = "GET", *headers: tuple[str, str], query: str = "") -> RequestView:
    return RequestView(method, "/", Headers.of(list(headers)), query_string=query)


BEARER = parse_authorization
DPOP = parse_dpop_authorization


@pytest.mark.parametrize(
    ("parse", "value", "token"),
    [
        pytest.param(BEARER, "BEARER abc", "abc", id="bearer-upper"),
        pytest.param(BEARER, "Bearer \tabc\t", "abc", id="bearer-tabs-around"),
        pytest.param(BEARER, "Bearerx abc", None, id="bearer-longer-scheme"),
        pytest.param(BEARER, "Token bearer", None, id="bearer-as-a-credential"),
        pytest.param(DPOP, "DPoP tok", "tok", id="dpop-plain"),
        pytest.param(DPOP, "dpop  tok\t", "tok", id="dpop-case-and-blanks"),
        pytest.param(DPOP, "Bearer tok", None, id="dpop-bearer"),
        pytest.param(DPOP, "DPoPx tok", None, id="dpop-longer-scheme"),
    ],
)
def test_parse_authorization_schemes(
    parse: Callable[[str], str | None], value: str, token: str | None
) -> None:
    assert parse(value) == token


@pytest.mark.parametrize(
    ("parse", "value", "description"),
    [
        pytest.param(BEARER, "Bearer", MALFORMED, id="bearer-no-credential"),
        pytest.param(BEARER, "Bearer ", MALFORMED, id="bearer-empty-credential"),
        pytest.param(BEARER, "Bearer a b", MALFORMED, id="bearer-two-parts"),
        pytest.param(BEARER, "Bearer  a\tb", MALFORMED, id="bearer-tab-inside"),
        pytest.param(BEARER, "Bearer a,b", TWO, id="bearer-joined-lines"),
        pytest.param(BEARER, "Bearer  a,b", TWO, id="bearer-joined-lines-spaced"),
        pytest.param(BEARER, "Basic x, Bearer y", TWO, id="bearer-after-another-scheme"),
        pytest.param(BEARER, "Bearer\tx", MALFORMED, id="bearer-tab-after-scheme"),
        pytest.param(DPOP, "DPoP", MALFORMED, id="dpop-no-credential"),
        pytest.param(DPOP, "DPoP a b", MALFORMED, id="dpop-two-parts"),
        pytest.param(DPOP, "DPoP a\tb", MALFORMED, id="dpop-tab-inside"),
        pytest.param(DPOP, "DPoP a,b", TWO, id="dpop-joined-lines"),
    ],
)
def test_malformed_authorization_says_why(
    parse: Callable[[str], str | None], value: str, description: str
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        parse(value)
    assert info.value.description == description


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"header": 5}, "header: not a valid HTTP header name", id="header-type"),
        pytest.param({"header": "X Bad"}, "header: not a valid HTTP header name", id="header"),
        pytest.param(
            {"csrf_header": ""}, "csrf_header: not a valid HTTP header name", id="csrf-header"
        ),
        pytest.param({"cookie": 5}, "cookie: not a valid cookie name", id="cookie-type"),
        pytest.param({"csrf_cookie": "a b"}, "csrf_cookie: not a valid cookie name", id="csrf"),
        pytest.param({"query_param": ""}, "query_param: must be a non-empty string", id="query"),
        pytest.param({"query_param": 5}, "query_param: must be a non-empty string", id="q-type"),
        pytest.param(
            {"header": "authorization"},
            "header: use authorization=True for the Authorization header",
            id="authorization-as-header",
        ),
    ],
)
def test_each_bad_location_is_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        TokenLocations(**options)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("options", "only"),
    [
        pytest.param({}, True, id="default"),
        pytest.param({"cookie": "at"}, False, id="cookie"),
        pytest.param({"header": "X-Token"}, False, id="header"),
        pytest.param({"query_param": "t"}, False, id="query"),
        pytest.param({"more_than_bearer": True}, False, id="resource-server"),
        pytest.param({"authorization": False, "cookie": "at"}, False, id="no-authorization"),
    ],
)
def test_authorization_only(options: dict[str, Any], only: bool) -> None:
    assert TokenLocations(**options).authorization_only is only


def test_the_safe_methods() -> None:
    assert frozenset({"GET", "HEAD", "OPTIONS", "TRACE"}) == SAFE_METHODS


@pytest.mark.parametrize("options", [{}, {"cookie": "at"}], ids=["fast", "full"])
def test_two_authorization_lines_are_two_tokens(options: dict[str, Any]) -> None:
    locations = TokenLocations(**options)
    with pytest.raises(InvalidRequestError) as info:
        locations.find(view("GET", ("Authorization", "Bearer a"), ("Authorization", "Basic b")))
    assert info.value.description == TWO
    assert locations.find(view("GET", ("Authorization", "Basic b"))) is None
    assert locations.find(view("GET")) is None


def test_without_authorization_the_header_is_not_read() -> None:
    locations = TokenLocations(authorization=False, cookie="at")
    assert locations.find(view("GET", ("Authorization", "Bearer a"))) is None
    assert locations.find(view("GET", ("Cookie", "at=c"))) == "c"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        pytest.param([("Authorization", "Bearer a"), ("Cookie", "at=b")], "", id="header-cookie"),
        pytest.param([("Authorization", "Bearer a")], "t=b", id="header-query"),
        pytest.param([("X-Token", "a"), ("Cookie", "at=b")], "", id="custom-cookie"),
        pytest.param([("Cookie", "at=a; at=b")], "", id="two-cookies"),
        pytest.param([], "t=a&t=b", id="two-query"),
    ],
)
def test_two_tokens_anywhere_are_refused(headers: list[tuple[str, str]], query: str) -> None:
    locations = TokenLocations(cookie="at", header="X-Token", query_param="t", csrf=False)
    with pytest.raises(InvalidRequestError) as info:
        locations.find(view("GET", *headers, query=query))
    assert info.value.description == TWO


def test_a_custom_header_holds_one_raw_token() -> None:
    locations = TokenLocations(header="X-Token")
    assert locations.find(view("GET", ("X-Token", " , t ,"))) == "t"
    assert locations.find(view("GET", ("X-Token", " "))) is None
    for value in ("a b", "a\tb"):
        with pytest.raises(InvalidRequestError) as info:
            locations.find(view("GET", ("X-Token", value)))
        assert info.value.description == MALFORMED


def test_a_query_token() -> None:
    locations = TokenLocations(query_param="t")
    assert locations.find(view("GET", query="a=1&t=q")) == "q"
    assert locations.find(view("GET", query="a=1")) is None


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE"])
def test_safe_methods_need_no_csrf_header(method: str) -> None:
    assert TokenLocations(cookie="at").find(view(method, ("Cookie", "at=c"))) == "c"


def test_an_unsafe_method_with_a_cookie_token_needs_the_csrf_header() -> None:
    locations = TokenLocations(cookie="at", csrf_header="X-Guard")
    for headers in ([], [("X-Guard", "  ")], [("X-CSRF-Token", "1")]):
        with pytest.raises(CSRFError):
            locations.find(view("PUT", ("Cookie", "at=c"), *headers))
    assert locations.find(view("PUT", ("Cookie", "at=c"), ("X-Guard", "1"))) == "c"
    assert locations.find(view("PUT", ("Authorization", "Bearer h"))) == "h"  # not a cookie
    off = TokenLocations(cookie="at", csrf=False)
    assert off.find(view("PUT", ("Cookie", "at=c"))) == "c"


def test_double_submit_needs_the_header_to_equal_the_one_csrf_cookie() -> None:
    locations = TokenLocations(cookie="at", csrf_cookie="csrf")
    jar = ("Cookie", "at=c; csrf=secret")
    assert locations.find(view("POST", jar, ("X-CSRF-Token", " secret "))) == "c"
    for headers in (
        [jar, ("X-CSRF-Token", "other")],
        [jar, ("X-CSRF-Token", "secre")],
        [("Cookie", "at=c"), ("X-CSRF-Token", "secret")],
        [("Cookie", "at=c; csrf=secret; csrf=secret"), ("X-CSRF-Token", "secret")],
    ):
        with pytest.raises(CSRFError):
            locations.find(view("POST", *headers))


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        pytest.param([("Host", "api.example")], False, id="no-origin"),
        pytest.param(
            [("Origin", "https://api.example"), ("Host", " API.example ")], True, id="own"
        ),
        pytest.param([("Origin", "https://evil.example"), ("Host", "api.example")], False, id="x"),
        pytest.param([("Origin", "https://api.example")], False, id="no-host"),
        pytest.param([("Origin", "HTTPS://App.Example/ ")], True, id="trusted"),
        pytest.param([("Origin", "http://[::1"), ("Host", "api.example")], False, id="bad-origin"),
    ],
)
def test_a_cookie_websocket_handshake_checks_its_origin(
    headers: list[tuple[str, str]], allowed: bool
) -> None:
    locations = TokenLocations(cookie="at", trusted_origins=["https://app.example/"])
    handshake = view(WEBSOCKET, ("Cookie", "at=c"), *headers)
    if allowed:
        assert locations.find(handshake) == "c"
    else:
        with pytest.raises(CSRFError):
            locations.find(handshake)
    bearer = view(WEBSOCKET, ("Authorization", "Bearer h"), *headers)
    assert locations.find(bearer) == "h"  # a header token needs no origin check


def test_the_default_locations_read_one_bearer_token() -> None:
    assert TokenLocations().find(view("GET", ("Authorization", "Bearer t"))) == "t"
    query = TokenLocations(query_param="q")
    assert query.find(view("GET", ("Authorization", "Bearer t"), query="other=1")) == "t"


def test_locations_are_an_immutable_value_showing_only_what_was_configured() -> None:
    locations = TokenLocations(header="X-Token", trusted_origins=["https://a.example"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        locations.cookie = "at"  # type: ignore[misc]
    shown = repr(locations)
    assert "header='X-Token'" in shown
    for name in ("_header", "_csrf_header", "_origins", "_fast"):
        assert f" {name}=" not in shown and f"({name}=" not in shown


def test_without_a_csrf_header_name_the_default_one_is_read() -> None:
    locations = TokenLocations(cookie="at", csrf_header=None)  # type: ignore[arg-type]
    assert locations.find(view("POST", ("Cookie", "at=c"), ("X-CSRF-Token", "1"))) == "c"


def test_origins_lose_only_their_trailing_slashes() -> None:
    locations = TokenLocations(cookie="at", trusted_origins=["https://WWW.BOX/"])
    for origin in ("https://www.box", "HTTPS://WWW.BOX/"):
        handshake = view(WEBSOCKET, ("Cookie", "at=c"), ("Origin", origin), ("Host", "other"))
        assert locations.find(handshake) == "c"
