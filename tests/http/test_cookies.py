"""Auth cookies (__Host- prefix, strict attributes, deletion) and the CSRF cookie beside them
(the CSRF tokens themselves: test_csrf.py)."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import pytest

from jwtguard.errors import ConfigError
from jwtguard.http.cookies import MAX_COOKIE_BYTES, AuthCookie
from jwtguard.http.credentials import CSRFError, TokenLocations
from jwtguard.http.csrf import new_csrf_token
from jwtguard.http.request import Headers, RequestView
from jwtguard.testing import TokenFactory

TOKEN = TokenFactory.hs256().issue(sub="42")


def parsed(set_cookie: str) -> tuple[str, str, dict[str, Any]]:
    """Parse a Set-Cookie value with the standard library's cookie parser."""
    jar: SimpleCookie = SimpleCookie()
    jar.load(set_cookie)
    ((name, morsel),) = jar.items()
    return name, morsel.value, {k: v for k, v in morsel.items() if v}


def test_default_auth_cookie_is_host_prefixed_and_strict() -> None:
    cookie = AuthCookie()
    value = cookie.set_cookie(TOKEN)
    assert value == (
        f"__Host-access_token={TOKEN}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=900"
    )
    name, token, attributes = parsed(value)
    assert (name, token) == ("__Host-access_token", TOKEN)
    assert attributes == {
        "path": "/",
        "secure": True,
        "httponly": True,
        "samesite": "Strict",
        "max-age": "900",
    }
    assert cookie.cookie_name == "__Host-access_token"


def test_deletion_cookie_matches_name_and_scope_and_expires_now() -> None:
    cookie = AuthCookie(name="session", host_prefix=False, path="/api", domain="example.com")
    value = cookie.delete_cookie()
    name, token, attributes = parsed(value)
    assert (name, token) == ("session", "")
    assert attributes["max-age"] == "0"
    assert attributes["path"] == "/api"
    assert attributes["domain"] == "example.com"
    assert "1970" in attributes["expires"]


def test_lifetime_per_cookie_and_session_cookies() -> None:
    assert "Max-Age=60" in AuthCookie().set_cookie(TOKEN, max_age=60)
    assert "Max-Age" not in AuthCookie(max_age=None).set_cookie(TOKEN)


def test_without_prefix_domain_and_path_are_allowed() -> None:
    cookie = AuthCookie(host_prefix=False, path="/api", domain="api.example.com", same_site="Lax")
    assert cookie.cookie_name == "access_token"
    _, _, attributes = parsed(cookie.set_cookie(TOKEN))
    assert attributes["domain"] == "api.example.com"
    assert attributes["samesite"] == "Lax"


def test_plain_http_demo_cookie_without_prefix() -> None:
    value = AuthCookie(host_prefix=False, secure=False).set_cookie(TOKEN)
    assert "Secure" not in value
    assert value.startswith("access_token=")


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param({"domain": "example.com"}, "forbids Domain", id="host-domain"),
        pytest.param({"path": "/api"}, "requires Path=/", id="host-path"),
        pytest.param({"secure": False}, "requires Secure", id="host-secure"),
        pytest.param({"name": "__Host-token"}, "without prefix", id="double-prefix"),
        pytest.param({"name": "__secure-token"}, "without prefix", id="secure-prefix"),
        pytest.param({"name": "a b"}, "cookie name", id="name-space"),
        pytest.param({"name": "a;b"}, "cookie name", id="name-semicolon"),
        pytest.param({"name": ""}, "cookie name", id="name-empty"),
        pytest.param({"same_site": "strict"}, "same_site", id="samesite-case"),
        pytest.param(
            {"same_site": "None", "secure": False, "host_prefix": False}, "requires secure", id="sn"
        ),
        pytest.param({"max_age": -1}, "max_age", id="negative-age"),
        pytest.param({"max_age": True}, "max_age", id="bool-age"),
        pytest.param({"max_age": 1.5}, "max_age", id="float-age"),
        pytest.param({"host_prefix": False, "path": "api"}, "path", id="relative-path"),
        pytest.param({"host_prefix": False, "path": "/a;b"}, "path", id="path-semicolon"),
        pytest.param({"host_prefix": False, "domain": "a b"}, "domain", id="domain"),
    ],
)
def test_bad_cookie_configuration(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        AuthCookie(**options)


def test_every_host_prefix_problem_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        AuthCookie(domain="example.com", path="/api", secure=False)
    assert len(info.value.problems) == 3


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("a b", id="space"),
        pytest.param("a;Domain=evil.example", id="attribute-injection"),
        pytest.param("a\r\nSet-Cookie: x=y", id="crlf"),
        pytest.param('"quoted"', id="dquote"),
        pytest.param("a,b", id="comma"),
        pytest.param("caf\u00e9", id="non-ascii"),
    ],
)
def test_values_a_cookie_cannot_carry_are_refused_without_echo(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        AuthCookie().set_cookie(value)
    assert value == "" or value not in str(info.value)


def test_a_value_too_large_for_browsers_is_refused() -> None:
    cookie = AuthCookie()
    room = MAX_COOKIE_BYTES - len(cookie.cookie_name)
    assert cookie.set_cookie("a" * room)
    with pytest.raises(ConfigError, match="4096"):
        cookie.set_cookie("a" * (room + 1))


def test_bad_per_cookie_lifetime() -> None:
    with pytest.raises(ConfigError, match="max_age"):
        AuthCookie().set_cookie(TOKEN, max_age=-1)


# -- CSRF ----------------------------------------------------------------------------------


def test_csrf_cookie_is_readable_by_the_page_and_otherwise_as_strict() -> None:
    csrf = AuthCookie().csrf()
    token = new_csrf_token()
    name, value, attributes = parsed(csrf.set_cookie(token))
    assert (name, value) == ("__Host-csrf", token)
    assert "httponly" not in attributes
    assert attributes["secure"] is True
    assert attributes["samesite"] == "Strict"


def test_cookie_names_fit_the_adapters_double_submit_check() -> None:
    """The cookies this module builds are what jwtguard's adapters read back."""
    auth, csrf = AuthCookie(), AuthCookie().csrf()
    locations = TokenLocations(
        authorization=False, cookie=auth.cookie_name, csrf_cookie=csrf.cookie_name
    )
    csrf_value = new_csrf_token()
    jar = f"{auth.cookie_name}={TOKEN}; {csrf.cookie_name}={csrf_value}"

    def request(method: str, *headers: tuple[str, str]) -> RequestView:
        return RequestView(method, "/", Headers.of([("Cookie", jar), *headers]))

    assert locations.find(request("POST", ("X-CSRF-Token", csrf_value))) == TOKEN
    assert locations.find(request("GET")) == TOKEN
    with pytest.raises(CSRFError):
        locations.find(request("POST", ("X-CSRF-Token", new_csrf_token())))
    with pytest.raises(CSRFError):
        locations.find(request("POST"))
