"""The URL a DPoP proof must name, rebuilt from the request: the server's view, the
configured public origin, or trusted forwarded headers only; the path as received."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jwtguard.errors import ConfigError
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.sender import SenderCheck
from jwtguard.oauth import DPoP, ForwardedHeaders, ResourceServer

FORGED = [
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "evil.example"),
    ("Forwarded", "proto=https;host=evil.example"),
    ("X-Forwarded-Prefix", "/evil"),
]


def _url(request: RequestView, **options: Any) -> str:
    return SenderCheck(ResourceServer(dpop=DPoP(), **options), lambda: 0.0).url(request)


def _request(
    headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    *,
    path: str = "/items",
    raw_path: str | None = None,
    root_path: str = "",
    scheme: str = "http",
) -> RequestView:
    return RequestView(
        "GET",
        path,
        Headers.of([("Host", "internal:8000"), *headers]),
        raw_path=raw_path,
        root_path=root_path,
        scheme=scheme,
    )


def test_by_default_no_forwarded_header_is_trusted() -> None:
    assert _url(_request(FORGED)) == "http://internal:8000/items"


def test_the_public_origin_wins() -> None:
    assert _url(_request(FORGED), origin="https://API.example:443") == "https://api.example/items"


@pytest.mark.parametrize(
    ("trusted", "headers", "url"),
    [
        pytest.param(
            ForwardedHeaders(x_proto=1, x_host=1),
            [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "api.example")],
            "https://api.example/items",
            id="x-forwarded",
        ),
        pytest.param(
            ForwardedHeaders(x_proto=1, x_host=1),
            [
                ("X-Forwarded-Proto", "http, https"),
                ("X-Forwarded-Host", "evil.example, api.example"),
            ],
            "https://api.example/items",
            id="nearest-proxy-value",
        ),
        pytest.param(
            ForwardedHeaders(x_host=2),
            [("X-Forwarded-Host", "api.example, cdn.internal")],
            "http://api.example/items",
            id="two-proxies",
        ),
        pytest.param(
            ForwardedHeaders(x_host=2),
            [("X-Forwarded-Host", "only-one.example")],
            "http://internal:8000/items",
            id="fewer-values-than-proxies",
        ),
        pytest.param(
            ForwardedHeaders(forwarded=1),
            [("Forwarded", 'for=1.2.3.4;proto=https;host="api.example"')],
            "https://api.example/items",
            id="rfc-7239",
        ),
        pytest.param(
            ForwardedHeaders(x_proto=1, x_port=1),
            [("X-Forwarded-Proto", "https"), ("X-Forwarded-Port", "8443")],
            "https://internal:8443/items",
            id="port",
        ),
        pytest.param(
            ForwardedHeaders(x_prefix=1),
            [("X-Forwarded-Prefix", "/api/")],
            "http://internal:8000/api/items",
            id="prefix",
        ),
    ],
)
def test_trusted_headers(
    trusted: ForwardedHeaders, headers: list[tuple[str, str]], url: str
) -> None:
    assert _url(_request(headers), forwarded=trusted) == url


@pytest.mark.parametrize(
    ("request_view", "url"),
    [
        pytest.param(_request(path="/a b"), "http://internal:8000/a%20b", id="decoded-only"),
        pytest.param(
            _request(path="/a/b", raw_path="/a%2Fb"), "http://internal:8000/a%2Fb", id="raw-kept"
        ),
        pytest.param(
            _request(path="/x", raw_path="/api/x", root_path="/api"),
            "http://internal:8000/api/x",
            id="mount-raw-has-root",
        ),
        pytest.param(
            _request(path="/x", raw_path="/x", root_path="/api"),
            "http://internal:8000/api/x",
            id="proxy-stripped-root",
        ),
        pytest.param(
            _request(path="/é", raw_path="/%C3%A9"), "http://internal:8000/%C3%A9", id="utf8"
        ),
        pytest.param(_request(scheme="wss"), "https://internal:8000/items", id="websocket"),
    ],
)
def test_the_path_as_received(request_view: RequestView, url: str) -> None:
    assert _url(request_view) == url


def test_a_host_that_is_no_host_matches_nothing() -> None:
    assert _url(_request([("X-Forwarded-Host", "a b")]), forwarded=ForwardedHeaders(x_host=1)) == ""


def test_one_check_keeps_each_requests_url_apart() -> None:
    """The URLs are remembered by everything they are made of: requests that differ in one
    part (scheme, host, root path, raw path, a trusted forwarded header) never share one."""
    trusted = ForwardedHeaders(x_proto=1, x_host=1, x_prefix=1)
    check = SenderCheck(ResourceServer(dpop=DPoP(), forwarded=trusted), lambda: 0.0)
    cases = [
        (_request(), "http://internal:8000/items"),
        (_request(scheme="https"), "https://internal:8000/items"),
        (_request(root_path="/api"), "http://internal:8000/api/items"),
        (_request(path="/a/b", raw_path="/a%2Fb"), "http://internal:8000/a%2Fb"),
        (_request(path="/a/b"), "http://internal:8000/a/b"),
        (_request([("X-Forwarded-Host", "api.example")]), "http://api.example/items"),
        (_request([("X-Forwarded-Proto", "https")]), "https://internal:8000/items"),
        (_request([("X-Forwarded-Prefix", "/v1")]), "http://internal:8000/v1/items"),
        (RequestView("GET", "/items", Headers.of([("Host", "other:9000")])), "http://other:9000/items"),
    ]  # fmt: skip
    for _ in range(2):  # then from the cache
        assert [check.url(request) for request, _ in cases] == [url for _, url in cases]


def _resource_server(**options: Any) -> object:
    return ResourceServer(**{"dpop": DPoP(), **options})


@pytest.mark.parametrize(
    ("build", "options"),
    [
        pytest.param(_resource_server, {"origin": "https://api.example/path"}, id="origin-path"),
        pytest.param(_resource_server, {"origin": "not a url"}, id="origin-not-url"),
        pytest.param(_resource_server, {"resource": "https://api.example/?q=1"}, id="query"),
        pytest.param(_resource_server, {"resource": "urn:x"}, id="resource-urn"),
        pytest.param(
            _resource_server, {"require_binding": True, "dpop": None}, id="binding-no-dpop"
        ),
        pytest.param(_resource_server, {"authorization_servers": ["not a url"]}, id="as-not-url"),
        pytest.param(ForwardedHeaders, {"x_proto": -1}, id="forwarded-negative"),
        pytest.param(ForwardedHeaders, {"x_host": 11}, id="forwarded-too-many"),
        pytest.param(ForwardedHeaders, {"forwarded": 1, "x_host": 1}, id="forwarded-both"),
    ],
)
def test_bad_configuration(build: Callable[..., object], options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        build(**options)
