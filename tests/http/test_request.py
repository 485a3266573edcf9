"""The request view the decision reads (jwtguard.http.request)."""

from __future__ import annotations

import pytest

from jwtguard.errors import InvalidRequestError
from jwtguard.http.request import WEBSOCKET, Headers, RequestView, cookie_values

HEADERS = Headers(
    [
        (b"host", b"api.example:8443"),
        (b"cookie", b'a=1; b="two"'),
        (b"cookie", b"a=3"),
        (b"x-caf\xc3\xa9", b"caf\xe9"),
        (b"authorization", b"Bearer t"),
    ]
)


def test_headers_are_case_insensitive_and_keep_repeated_lines() -> None:
    assert HEADERS.get("Host") == "api.example:8443"
    assert HEADERS.get("COOKIE") == 'a=1; b="two"'
    assert HEADERS.get_all("cookie") == ['a=1; b="two"', "a=3"]
    assert HEADERS.get("missing") is None
    assert HEADERS.get_all("missing") == []
    assert "Authorization" in HEADERS
    assert "missing" not in HEADERS
    assert 42 not in HEADERS
    assert ("x-caf\xc3\xa9", "caf\xe9") in list(HEADERS)  # latin-1 both ways, as HTTP defines


def test_headers_from_text_pairs() -> None:
    headers = Headers.of([("X-Token", "abc"), ("x-token", "def")])
    assert headers.get_all("X-TOKEN") == ["abc", "def"]


def test_reprs_never_show_values() -> None:
    request = RequestView("GET", "/me", HEADERS, "access_token=secret")
    assert "Bearer" not in repr(HEADERS) and "authorization" in repr(HEADERS)
    assert repr(request) == "RequestView('GET', '/me')"


def test_cookies() -> None:
    request = RequestView("GET", "/", HEADERS)
    assert request.cookie_header == 'a=1; b="two"; a=3'
    assert request.cookies("a") == ["1", "3"]
    assert request.cookies("b") == ["two"]
    assert request.cookies("c") == []
    assert RequestView("GET", "/", Headers()).cookies("a") == []
    assert cookie_values("x=; y = 2 ;z", "y") == ["2"]
    assert cookie_values("x=", "x") == []


def test_query() -> None:
    request = RequestView("GET", "/", Headers(), "a=1&b=&a=%20two&c")
    assert request.query("a") == ["1", " two"]
    assert request.query("b") == []
    assert RequestView("GET", "/", Headers()).query("a") == []
    flood = RequestView("GET", "/", Headers(), "&".join(f"k{i}=v" for i in range(500)))
    with pytest.raises(InvalidRequestError):
        flood.query("k1")


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("OPTIONS", [("Origin", "https://a"), ("Access-Control-Request-Method", "POST")], True),
        ("OPTIONS", [("Origin", "https://a")], False),
        ("OPTIONS", [], False),
        ("GET", [("Origin", "https://a"), ("Access-Control-Request-Method", "POST")], False),
    ],
)
def test_preflight(method: str, headers: list[tuple[str, str]], expected: bool) -> None:
    assert RequestView(method, "/", Headers.of(headers)).preflight is expected


def test_where_the_request_was_sent() -> None:
    request = RequestView("GET", "/admin", HEADERS, "x=1", "/api/admin", "/api", "https")
    assert request.host == "api.example:8443"
    assert request.full_path == "/api/admin"
    assert request.origin == "https://api.example:8443"
    assert request.url == "https://api.example:8443/api/admin"
    assert not request.websocket
    told = RequestView(WEBSOCKET, "/ws", Headers(), scheme="wss", host="h:1")
    assert told.websocket
    assert told.url == "wss://h:1/ws"
    assert RequestView("GET", "/", Headers()).host == ""


def test_a_preflight_needs_both_cors_headers() -> None:
    only_method = Headers.of([("Access-Control-Request-Method", "POST")])
    assert RequestView("OPTIONS", "/", only_method).preflight is False


def test_the_query_string_may_hold_200_fields_and_no_more() -> None:
    fields = "&".join(f"k{i}=v{i}" for i in range(200))
    assert RequestView("GET", "/", Headers(), fields).query("k199") == ["v199"]
    with pytest.raises(InvalidRequestError):
        RequestView("GET", "/", Headers(), fields + "&k200=v").query("k0")


@pytest.mark.parametrize(
    ("header", "values"),
    [
        pytest.param('t="quoted"', ["quoted"], id="quotes-removed"),
        pytest.param('t=""', [], id="empty-quotes-skipped"),
        pytest.param('t="', ['"'], id="one-quote-kept"),
        pytest.param('t="a', ['"a'], id="unbalanced-kept"),
        pytest.param('t=ab"', ['ab"'], id="closing-quote-only-kept"),
        pytest.param(" t = spaced ", ["spaced"], id="spaces"),
        pytest.param("t=a=b", ["a=b"], id="equals-in-value"),
        pytest.param("tt=1; t=2; t", ["2"], id="other-names-and-no-value"),
    ],
)
def test_cookie_values(header: str, values: list[str]) -> None:
    assert cookie_values(header, "t") == values


def test_defaults_and_the_host_header() -> None:
    request = RequestView("GET", "/p", Headers.of([("Host", " h.example:80 ")]))
    assert (request.query_string, request.raw_path, request.root_path) == ("", None, "")
    assert request.host == "h.example:80"
    assert request.full_path == "/p"
    assert request.url == "http://h.example:80/p"


def test_headers_repr_lists_sorted_names_once() -> None:
    headers = Headers.of([("X-B", "1"), ("x-a", "2"), ("X-B", "3")])
    assert repr(headers) == "Headers(['x-a', 'x-b'])"
    assert list(headers) == [("x-b", "1"), ("x-a", "2"), ("x-b", "3")]


def test_header_names_are_matched_case_insensitively_beyond_the_name_memo() -> None:
    headers = Headers.of([(f"X-H{i}", str(i)) for i in range(300)])
    assert [headers.get(f"x-h{i}") for i in (0, 150, 299)] == ["0", "150", "299"]
    assert [headers.get(f"X-H{i}") for i in (0, 150, 299)] == ["0", "150", "299"]


def test_a_websocket_handshake_is_a_method_of_its_own() -> None:
    assert WEBSOCKET == "WEBSOCKET"  # what builders set and exempt_methods may name
    assert RequestView("WEBSOCKET", "/ws", Headers()).websocket
    assert not RequestView("GET", "/ws", Headers([(b"upgrade", b"websocket")])).websocket
