"""RFC 3986 normalisation of htu and resource URLs."""

from __future__ import annotations

import pytest

from jwtguard.oauth.urls import normalize_url, origin_of


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        pytest.param("https://api.example/items", "https://api.example/items", id="plain"),
        pytest.param("HTTPS://API.Example/items", "https://api.example/items", id="case"),
        pytest.param("https://api.example:443/x", "https://api.example/x", id="default-port"),
        pytest.param("http://api.example:80/x", "http://api.example/x", id="http-default-port"),
        pytest.param("https://api.example:8443/x", "https://api.example:8443/x", id="other-port"),
        pytest.param("https://api.example", "https://api.example/", id="empty-path"),
        pytest.param("https://api.example/x?a=1#f", "https://api.example/x", id="query-fragment"),
        pytest.param("https://api.example/a/./b/../c", "https://api.example/a/c", id="dots"),
        pytest.param("https://api.example/%7Euser", "https://api.example/~user", id="unreserved"),
        pytest.param("https://api.example/a%2fb", "https://api.example/a%2Fb", id="hex-case"),
        pytest.param("https://api.example/é", "https://api.example/%C3%A9", id="raw-utf8"),
        pytest.param("https://api.example/a b", "https://api.example/a%20b", id="raw-space"),
        pytest.param("http://[::1]:8080/x", "http://[::1]:8080/x", id="ipv6"),
    ],
)
def test_normalisation(url: str, normalised: str) -> None:
    assert normalize_url(url) == normalised


def test_an_encoded_slash_stays_distinct_from_a_slash() -> None:
    assert normalize_url("https://a.example/x%2Fy") != normalize_url("https://a.example/x/y")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/",
        "/relative",
        "https://user@a.example/",
        "https://a.example:99999/",
        "https://a.example:x/",
        "https://a_b.example/",
        "",
    ],
)
def test_what_is_not_an_http_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        normalize_url(url)


def test_origin_of() -> None:
    assert origin_of("HTTPS://A.example:443/path") == "https://a.example"
