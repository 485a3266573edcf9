"""SecurityHeaders: OWASP defaults, app headers kept, overrides, Vary merge, validation; and the
standalone ASGI/WSGI middleware (jwtguard/adapters/headers.py) on real framework test clients."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from jwtguard.errors import ConfigError
from jwtguard.http.security_headers import (
    DEFAULT_PERMISSIONS_POLICY,
    SecurityHeaders,
    clear_site_data,
)

API = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
"""The OWASP REST Security Cheat Sheet's set, on every response that is not HTML."""
HTML = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin-allow-popups",
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}
"""What an HTML page gets: nothing that limits what it loads or does."""
COMMON = {k: v for k, v in API.items() if k in HTML}
NO_STORE = {"cache-control": "no-store"}
JSON = [("Content-Type", "application/json")]
PAGE = [("Content-Type", "text/html; charset=utf-8")]

Apply = Callable[..., list[tuple[str, str]]]


def via_asgi(
    policy: SecurityHeaders, existing: list[tuple[str, str]], authenticated: bool, **kw: Any
) -> list[tuple[str, str]]:
    raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in existing]
    out = policy.asgi_headers(raw, authenticated=authenticated, **kw)
    assert out == policy.asgi_merge(
        raw, authenticated, kw.get("html", False), kw.get("status", 200)
    )
    merge = policy.asgi_merger(authenticated=authenticated, html=kw.get("html", False))
    assert out == merge(raw, kw.get("status", 200))
    sent: list[dict[str, Any]] = []
    send = policy.asgi_sender(authenticated=authenticated, html=kw.get("html", False))
    start = {"type": "http.response.start", "status": kw.get("status", 200), "headers": raw}
    for _ in range(2):  # the first response teaches the names; the second takes its shortcut
        send(sent.append)(dict(start, headers=list(raw)))
    assert sent[0]["headers"] == out
    assert sent[1]["headers"] == out
    body = {"type": "http.response.body", "body": b"ok"}
    send(sent.append)(body)
    assert sent[2] is body  # other messages pass unchanged
    assert all(isinstance(n, bytes) and isinstance(v, bytes) for n, v in out)
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in out]


def via_wsgi(
    policy: SecurityHeaders, existing: list[tuple[str, str]], authenticated: bool, **kw: Any
) -> list[tuple[str, str]]:
    out = policy.wsgi_headers(existing, authenticated=authenticated, **kw)
    assert out == policy.wsgi_merge(
        existing, authenticated, kw.get("html", False), kw.get("status", 200)
    )
    merge = policy.wsgi_merger(authenticated=authenticated, html=kw.get("html", False))
    assert out == merge(existing, kw.get("status", 200))
    assert all(isinstance(n, str) and isinstance(v, str) for n, v in out)
    assert via_wsgi_app(policy, existing, authenticated, **kw) == out
    return out


def via_wsgi_app(
    policy: SecurityHeaders, existing: list[tuple[str, str]], authenticated: bool, **kw: Any
) -> list[tuple[str, str]]:
    """What ``policy.wsgi_app`` hands to ``start_response``: ``html`` by an ``html_paths``
    route, authenticated by the claims in the environ, the status as a WSGI status line."""
    html, status = kw.get("html", False), kw.get("status", 200)
    line = status if isinstance(status, str) else f"{status} Status"
    routed = dataclasses.replace(policy, html_paths={"/page"}) if html else policy

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response(line, existing)  # as the app hands it over: a list, or not
        return [b"ok"]

    wrapped = routed.wsgi_app(app, authenticated_key="claims", route_path=lambda e: e["PATH_INFO"])
    environ = {"PATH_INFO": "/page" if html else "/api", "claims": {} if authenticated else None}
    started: list[Any] = []
    for _ in range(2):  # the first response teaches the names; the second takes its shortcut
        assert wrapped(environ, lambda s, h, exc_info=None: started.append((s, h))) == [b"ok"]
    assert started[0] == started[1]
    assert started[0][0] == line
    return list(started[0][1])


@pytest.fixture(params=[via_asgi, via_wsgi], ids=["asgi", "wsgi"])
def apply(request: pytest.FixtureRequest) -> Apply:
    fn: Apply = request.param
    return fn


def as_dict(headers: Iterable[tuple[str, str]], *, drop: Iterable[str] = ()) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers:
        assert name.lower() not in result, f"{name} sent twice"
        result[name.lower()] = value
    for name in drop:
        result.pop(name, None)
    return result


def added(out: list[tuple[str, str]], existing: list[tuple[str, str]]) -> dict[str, str]:
    """The headers the policy added (the app's come first, unchanged)."""
    assert out[: len(existing)] == existing
    return as_dict(out[len(existing) :])


# -- the kind of response picks the set -------------------------------------------------------


@pytest.mark.parametrize(
    "existing",
    [
        pytest.param([], id="no-type"),
        pytest.param(JSON, id="json"),
        pytest.param([("content-type", "text/plain")], id="text"),
        pytest.param([("Content-Type", "image/svg+xml")], id="svg"),
        pytest.param([("Content-Type", "application/problem+json")], id="problem"),
    ],
)
def test_api_responses_get_the_owasp_rest_set(apply: Apply, existing: Any) -> None:
    assert added(apply(SecurityHeaders(), existing, False), existing) == API
    assert added(apply(SecurityHeaders(), existing, True), existing) == {**API, **NO_STORE}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "text/html; charset=utf-8",
        "TEXT/HTML; Charset=UTF-8",
        "application/xhtml+xml",
    ],
)
def test_html_responses_get_headers_that_do_not_break_pages(
    apply: Apply, content_type: str
) -> None:
    existing = [("Content-Length", "12"), ("Content-Type", content_type)]
    assert added(apply(SecurityHeaders(), existing, False), existing) == HTML
    assert added(apply(SecurityHeaders(), existing, True), existing) == {**HTML, **NO_STORE}


def test_html_paths_get_the_html_set_whatever_the_type(apply: Apply) -> None:
    out = apply(SecurityHeaders(), JSON, False, html=True)
    assert added(out, JSON) == HTML


@pytest.mark.parametrize("status", [304, "304 Not Modified"])
@pytest.mark.parametrize("existing", [[], PAGE, JSON], ids=["no-type", "html", "json"])
def test_not_modified_gets_only_what_both_kinds_share(
    apply: Apply, status: Any, existing: Any
) -> None:
    # A 304 updates the headers of the cached response, whose kind it does not say: a
    # strict CSP here would end up on a cached HTML page.
    assert added(apply(SecurityHeaders(), existing, False, status=status), existing) == COMMON
    authenticated = apply(SecurityHeaders(), existing, True, status=status)
    assert added(authenticated, existing) == {**COMMON, **NO_STORE}


def test_each_kind_has_its_own_csp(apply: Apply) -> None:
    policy = SecurityHeaders(
        content_security_policy="frame-ancestors 'none'",
        html_content_security_policy="default-src 'self'; frame-ancestors 'self'",
    )
    assert as_dict(apply(policy, JSON, False))["content-security-policy"] == (
        "frame-ancestors 'none'"
    )
    assert as_dict(apply(policy, PAGE, False))["content-security-policy"] == (
        "default-src 'self'; frame-ancestors 'self'"
    )
    assert "content-security-policy" not in as_dict(apply(policy, PAGE, False, status=304))


def test_a_changed_api_csp_also_covers_html_unless_html_has_its_own(apply: Apply) -> None:
    # A 0.1 configuration set content_security_policy for its pages: they keep it.
    mine = SecurityHeaders(content_security_policy="default-src 'self'")
    assert as_dict(apply(mine, PAGE, False))["content-security-policy"] == "default-src 'self'"
    assert as_dict(apply(mine, JSON, False))["content-security-policy"] == "default-src 'self'"
    split = SecurityHeaders(
        content_security_policy="default-src 'self'", html_content_security_policy=None
    )
    assert "content-security-policy" not in as_dict(apply(split, PAGE, False))
    off = SecurityHeaders(content_security_policy=None)
    assert "content-security-policy" not in as_dict(apply(off, PAGE, False))
    assert "content-security-policy" not in as_dict(apply(off, JSON, False))
    assert "content-security-policy" not in as_dict(apply(SecurityHeaders(), PAGE, False))


def test_headers_for_each_kind_are_public() -> None:
    policy = SecurityHeaders()
    assert as_dict(policy.headers) == API
    assert as_dict(policy.authenticated_headers) == {**API, **NO_STORE}
    assert policy.headers_for() == policy.headers
    assert as_dict(policy.headers_for(html=True)) == HTML
    assert as_dict(policy.headers_for(html=True, authenticated=True)) == {**HTML, **NO_STORE}
    assert policy.headers == tuple(policy.wsgi_headers([], authenticated=False))


@pytest.mark.parametrize(
    ("patterns", "inside", "outside"),
    [
        pytest.param(["/docs"], ["/docs"], ["/docs/", "/docsx", "/", "/api/docs"], id="exact"),
        pytest.param(
            ["/static/*"], ["/static", "/static/", "/static/a/b.svg"], ["/staticx", "/"], id="tree"
        ),
        pytest.param(["/*"], ["/", "/anything"], [], id="everything"),
        pytest.param([], [], ["/", "/docs"], id="none"),
    ],
)
def test_html_paths(patterns: list[str], inside: list[str], outside: list[str]) -> None:
    policy = SecurityHeaders(html_paths=patterns)
    assert [p for p in inside if policy.is_html_path(p)] == inside
    assert [p for p in outside if policy.is_html_path(p)] == []
    assert policy.html_paths == frozenset(patterns)


# -- the app's own headers, overrides, changes, removal --------------------------------------


def test_app_headers_come_first_and_are_kept(apply: Apply) -> None:
    existing = [("content-type", "application/json"), ("content-length", "2")]
    out = apply(SecurityHeaders(), existing, False)
    assert out[:2] == existing
    assert as_dict(out) == {**API, "content-type": "application/json", "content-length": "2"}


@pytest.mark.parametrize("existing", [[("Vary", "Accept")], JSON], ids=["careful", "fast"])
def test_input_is_not_changed_and_may_be_a_tuple(apply: Apply, existing: Any) -> None:
    before = list(existing)
    first = apply(SecurityHeaders(), existing, True)
    assert existing == before
    assert apply(SecurityHeaders(), existing, True) == first  # the same answer every time
    raw = tuple((n.encode(), v.encode()) for n, v in existing)
    assert SecurityHeaders().asgi_headers(raw, authenticated=True)[: len(raw)] == list(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["X-Frame-Options", "x-frame-options", "X-FRAME-OPTIONS"])
@pytest.mark.parametrize("kind", [JSON, PAGE], ids=["api", "html"])
def test_a_header_the_app_set_is_kept_whatever_its_case(apply: Apply, name: str, kind: Any) -> None:
    existing = [*kind, (name, "SAMEORIGIN")]
    out = apply(SecurityHeaders(), existing, False)
    assert as_dict(out)["x-frame-options"] == "SAMEORIGIN"
    assert out[: len(existing)] == existing


def test_mixed_case_names_in_asgi_are_understood() -> None:
    # Django's ASGI handler sends the names as the app wrote them, not lower-cased.
    existing = [(b"Content-Type", b"text/html; charset=utf-8"), (b"X-Frame-Options", b"SAMEORIGIN")]
    out = dict(SecurityHeaders().asgi_headers(existing, authenticated=False))
    assert out[b"X-Frame-Options"] == b"SAMEORIGIN" and b"x-frame-options" not in out
    assert out[b"referrer-policy"] == b"strict-origin-when-cross-origin"  # seen as HTML
    assert b"content-security-policy" not in out


def test_an_app_csp_is_kept_on_either_kind(apply: Apply) -> None:
    mine = ("Content-Security-Policy", "default-src 'self'")
    for kind in (JSON, PAGE):
        assert as_dict(apply(SecurityHeaders(), [*kind, mine], True))[
            "content-security-policy"
        ] == ("default-src 'self'")


def test_app_cache_control_is_kept_on_authenticated_responses_unless_overridden(
    apply: Apply,
) -> None:
    existing = [("Cache-Control", "private, max-age=60")]
    assert as_dict(apply(SecurityHeaders(), existing, True))["cache-control"] == (
        "private, max-age=60"
    )
    forced = SecurityHeaders(override=frozenset({"Cache-Control"}))
    assert as_dict(apply(forced, existing, True))["cache-control"] == "no-store"


def test_override_replaces_only_the_named_headers(apply: Apply) -> None:
    policy = SecurityHeaders(override=frozenset({"x-frame-options"}))
    existing = [("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "origin"), *PAGE]
    out = as_dict(apply(policy, existing, False))
    assert out["x-frame-options"] == "DENY"
    assert out["referrer-policy"] == "origin"


def test_override_star_replaces_every_header_the_policy_sets(apply: Apply) -> None:
    policy = SecurityHeaders(override=("*",))
    existing = [("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "origin"), ("A", "b")]
    assert as_dict(apply(policy, existing, False)) == {**API, "a": "b", "referrer-policy": "origin"}
    assert as_dict(apply(policy, [*existing, *PAGE], False), drop=["content-type"]) == {
        **HTML,
        "a": "b",
    }


def test_each_header_can_be_changed_or_removed(apply: Apply) -> None:
    policy = SecurityHeaders(
        frame_options=None,
        referrer_policy="no-referrer",
        cross_origin_opener_policy="same-origin",
        cross_origin_resource_policy="same-site",
        cross_origin_embedder_policy="require-corp",
        permissions_policy=DEFAULT_PERMISSIONS_POLICY,
        permitted_cross_domain_policies=None,
        xss_protection=None,
        cache_control=None,
        vary=(),
        extra=(("X-Robots-Tag", "noindex"),),
    )
    page = as_dict(apply(policy, PAGE, True), drop=["content-type"])
    assert page == {
        "x-content-type-options": "nosniff",
        "strict-transport-security": "max-age=31536000; includeSubDomains",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-site",
        "cross-origin-embedder-policy": "require-corp",
        "permissions-policy": DEFAULT_PERMISSIONS_POLICY,
        "x-robots-tag": "noindex",
    }
    api = as_dict(apply(policy, JSON, True), drop=["content-type"])
    assert api == {
        "x-content-type-options": "nosniff",
        "strict-transport-security": "max-age=31536000; includeSubDomains",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "cross-origin-resource-policy": "same-site",
        "x-robots-tag": "noindex",
    }


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({}, "max-age=31536000; includeSubDomains", id="default"),
        pytest.param(
            {"hsts_preload": True}, "max-age=31536000; includeSubDomains; preload", id="preload"
        ),
        pytest.param({"hsts_include_subdomains": False}, "max-age=31536000", id="host-only"),
        pytest.param({"hsts_max_age": 0}, "max-age=0; includeSubDomains", id="switch-off"),
        pytest.param({"hsts_max_age": None}, None, id="removed"),
    ],
)
@pytest.mark.parametrize("kind", [JSON, PAGE], ids=["api", "html"])
def test_hsts(apply: Apply, options: dict[str, Any], expected: str | None, kind: Any) -> None:
    out = as_dict(apply(SecurityHeaders(**options), kind, False))
    assert out.get("strict-transport-security") == expected


def test_many_distinct_app_header_names_never_blur_the_answer(apply: Apply) -> None:
    # The merge remembers what each header name means, up to a bound: past it, it still
    # answers exactly.
    policy = SecurityHeaders()
    for i in range(700):
        apply(policy, [(f"X-App-{i}", "1"), ("Content-Type", f"text/x-{i}")], False)
    out = apply(policy, [("X-App-699", "1"), ("X-Frame-Options", "SAMEORIGIN"), *PAGE], False)
    assert as_dict(out, drop=["x-app-699", "content-type"]) == {
        **HTML,
        "x-frame-options": "SAMEORIGIN",
    }


SHAPES: list[list[tuple[str, str]]] = [
    [],
    [("Content-Length", "2"), ("Content-Type", "text/plain")],
    [("content-length", "2"), ("content-type", "text/plain")],
    [("CONTENT-TYPE", "TEXT/HTML; charset=utf-8")],
    [("Content-Type", "application/json"), ("Content-Type", "text/html")],
    [("content-type", "text/html"), ("content-type", "application/json")],
    [("Content-Type", "application/xhtml+xml"), ("X-App", "1")],
    [("x-frame-options", "SAMEORIGIN"), ("Content-Type", "text/plain")],
    [("X-Content-Type-Options", "nosniff"), ("Content-Type", "text/html")],
    [("Vary", "Accept"), ("Content-Type", "application/json")],
    [("Cache-Control", "public, max-age=60"), ("X-App", "1")],
    [("cache-control", "no-store"), ("vary", "*")],
    [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "text/html")],
]


@pytest.mark.parametrize(
    "options",
    [{}, {"override": ["X-Frame-Options"]}, {"cache_control": None, "vary": ("A", "B")}],
    ids=["default", "override", "no-cache-control"],
)
def test_what_the_merge_remembers_never_changes_its_answer(
    apply: Apply, options: dict[str, Any]
) -> None:
    # Each answer from a fresh policy (nothing remembered) against one policy answering
    # every case twice, in turn (names, spellings and types remembered as they come).
    cases = [
        (shape, authenticated, html, status)
        for shape in SHAPES
        for authenticated in (False, True)
        for html in (False, True)
        for status in (200, 304, "304 Not Modified", "404 Not Found")
    ]
    expected = [
        apply(SecurityHeaders(**options), shape, authenticated, html=html, status=status)
        for shape, authenticated, html, status in cases
    ]
    shared = SecurityHeaders(**options)
    for _ in range(2):
        for (shape, authenticated, html, status), answer in zip(cases, expected, strict=True):
            assert apply(shared, shape, authenticated, html=html, status=status) == answer


# -- Vary ----------------------------------------------------------------------------------


def test_no_vary_when_the_response_may_not_be_stored(apply: Apply) -> None:
    # Cache-Control: no-store forbids every cache to keep the response: Vary adds nothing.
    assert "vary" not in as_dict(apply(SecurityHeaders(), JSON, True))
    own = [("Cache-Control", "private, no-store")]
    assert "vary" not in as_dict(apply(SecurityHeaders(), own, True))


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        pytest.param([], ["Authorization"], id="added"),
        pytest.param([("Vary", "Accept")], ["Accept, Authorization"], id="appended"),
        pytest.param([("vary", "accept, AUTHORIZATION")], ["accept, AUTHORIZATION"], id="present"),
        pytest.param([("Vary", "*")], ["*"], id="star"),
        pytest.param([("Vary", "")], ["Authorization"], id="empty"),
        pytest.param(
            [("Vary", "Accept"), ("Vary", "Origin")], ["Accept, Authorization", "Origin"], id="two"
        ),
        pytest.param(
            [("Vary", "Accept"), ("Vary", "Authorization")], ["Accept", "Authorization"], id="2nd"
        ),
    ],
)
def test_vary_is_merged_when_the_app_lets_caches_store_the_response(
    apply: Apply, existing: list[tuple[str, str]], expected: list[str]
) -> None:
    storable = [("Cache-Control", "private, max-age=60"), *existing]
    out = apply(SecurityHeaders(), storable, True)
    assert [v for n, v in out if n.lower() == "vary"] == expected
    without_our_cache_control = apply(SecurityHeaders(cache_control=None), existing, True)
    assert [v for n, v in without_our_cache_control if n.lower() == "vary"] == expected


def test_vary_adds_only_missing_names(apply: Apply) -> None:
    policy = SecurityHeaders(vary=("Authorization", "Cookie"))
    storable = [("Cache-Control", "max-age=5"), ("Vary", "Cookie")]
    out = apply(policy, storable, True)
    assert [v for n, v in out if n.lower() == "vary"] == ["Cookie, Authorization"]
    out = apply(policy, [("Cache-Control", "max-age=5")], True)
    assert as_dict(out)["vary"] == "Authorization, Cookie"


def test_vary_untouched_on_anonymous_responses(apply: Apply) -> None:
    out = apply(SecurityHeaders(), [("Vary", "Accept"), ("Cache-Control", "max-age=5")], False)
    assert [v for n, v in out if n.lower() == "vary"] == ["Accept"]


def test_cookie_tokens_get_the_cookie_defaults(factory: Any) -> None:
    from jwtguard.http.pipeline import DEFAULT, Pipeline, resolve_security_headers

    cookie = resolve_security_headers(DEFAULT, Pipeline(factory.guard(), cookie="session"))
    assert cookie is not None and cookie.vary == ("Authorization", "Cookie")
    assert as_dict(cookie.headers)["cross-origin-resource-policy"] == "same-origin"
    plain = resolve_security_headers(DEFAULT, Pipeline(factory.guard()))
    assert plain == SecurityHeaders()
    assert resolve_security_headers(None, Pipeline(factory.guard())) is None


# -- configuration errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param({"frame_options": "DENY\r\nSet-Cookie: a=b"}, "X-Frame-Options", id="crlf"),
        pytest.param({"referrer_policy": " no-referrer"}, "Referrer-Policy", id="padded"),
        pytest.param({"content_security_policy": "caf\u00e9"}, "Content-Security", id="non-ascii"),
        pytest.param(
            {"html_content_security_policy": "a\nb"}, "Content-Security", id="html-csp-newline"
        ),
        pytest.param({"extra": (("Bad Name", "x"),)}, "not a valid header name", id="name"),
        pytest.param({"extra": (("Vary", "Cookie"),)}, "Vary is merged", id="vary-in-extra"),
        pytest.param({"extra": (("X-Frame-Options", "x"),)}, "given twice", id="duplicate"),
        pytest.param({"extra": (("Referrer-Policy", "x"),)}, "given twice", id="duplicate-html"),
        pytest.param({"vary": ("Author ization",)}, "vary", id="vary-name"),
        pytest.param({"hsts_max_age": -1}, "hsts_max_age", id="negative-hsts"),
        pytest.param({"hsts_max_age": True}, "hsts_max_age", id="bool-hsts"),
        pytest.param({"hsts_preload": True, "hsts_max_age": 86400}, "hsts_preload", id="short"),
        pytest.param(
            {"hsts_preload": True, "hsts_include_subdomains": False}, "hsts_preload", id="subdom"
        ),
        pytest.param({"override": "*"}, "override", id="override-string"),
        pytest.param({"extra": ("X-A", "b")}, "pairs", id="extra-not-pairs"),
        pytest.param({"extra": "X-A: b"}, "pairs", id="extra-string"),
        pytest.param({"html_paths": "/docs"}, "html_paths", id="paths-string"),
        pytest.param({"html_paths": ["docs"]}, "html_paths", id="relative"),
        pytest.param({"html_paths": ["/a*"]}, "html_paths", id="star-not-subtree"),
        pytest.param({"html_paths": ["/a/*/b"]}, "html_paths", id="star-inside"),
    ],
)
def test_bad_configuration_is_refused(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        SecurityHeaders(**options)


def test_extra_can_send_a_field_s_header_on_every_response_once_the_field_is_off() -> None:
    policy = SecurityHeaders(referrer_policy=None, extra=(("Referrer-Policy", "no-referrer"),))
    assert dict(policy.headers)["Referrer-Policy"] == "no-referrer"
    assert dict(policy.headers_for(html=True))["Referrer-Policy"] == "no-referrer"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        SecurityHeaders(frame_options="a\nb", hsts_max_age=-5, vary=("x y",), html_paths=["x"])
    assert len(info.value.problems) == 4


def test_policy_is_frozen_and_comparable() -> None:
    policy = SecurityHeaders()
    with pytest.raises(AttributeError):
        policy.frame_options = "SAMEORIGIN"  # type: ignore[misc]
    assert policy == SecurityHeaders()
    assert SecurityHeaders(override=("X-A",)) == SecurityHeaders(override=frozenset({"x-a"}))
    assert SecurityHeaders(html_paths=["/docs"]) == SecurityHeaders(html_paths=("/docs",))
    assert policy != SecurityHeaders(html_paths=["/docs"])


# -- Clear-Site-Data -----------------------------------------------------------------------


def test_clear_site_data_for_logout() -> None:
    assert clear_site_data() == '"cache", "cookies", "storage"'
    assert clear_site_data("cookies") == '"cookies"'
    assert clear_site_data("*") == '"*"'
    with pytest.raises(ConfigError, match="unknown"):
        clear_site_data("cookies", "everything")


# -- standalone middleware on real framework clients -----------------------------------------


async def test_asgi_middleware_on_a_starlette_app() -> None:
    import httpx
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.headers import SecurityHeadersMiddleware

    async def home(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True}, headers={"X-Frame-Options": "SAMEORIGIN"})

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse("<p>hello</p>")

    app = SecurityHeadersMiddleware(
        Starlette(routes=[Route("/", home), Route("/page", page), Route("/docs/x", home)]),
        SecurityHeaders(html_paths=["/docs/*"]),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        anonymous = await client.get("/")
        authorised = await client.get("/", headers={"Authorization": "Bearer x"})
        html = await client.get("/page")
        listed = await client.get("/docs/x")
    assert anonymous.status_code == 200
    assert anonymous.headers["x-frame-options"] == "SAMEORIGIN"
    assert anonymous.headers["x-content-type-options"] == "nosniff"
    assert anonymous.headers["content-security-policy"] == API["content-security-policy"]
    assert "cache-control" not in anonymous.headers
    assert "x-xss-protection" not in anonymous.headers  # a document header: HTML only
    assert authorised.headers["cache-control"] == "no-store"
    assert "vary" not in authorised.headers  # no-store: no cache keeps it, Vary adds nothing
    assert {k: html.headers.get(k) for k in HTML} == HTML
    assert "content-security-policy" not in html.headers
    assert listed.headers["content-type"] == "application/json"
    assert "content-security-policy" not in listed.headers  # an html_paths path


async def test_asgi_middleware_sees_the_claims_jwtguard_verified_inside() -> None:
    from jwtguard.adapters.headers import SecurityHeadersMiddleware

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("state", {})["claims"] = {"sub": "1"}  # what JWTBearer leaves
        await send({"type": "http.response.start", "status": 200, "headers": ()})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/", "headers": [(b"cookie", b"token=x")]}
    await SecurityHeadersMiddleware(app)(scope, None, send)  # type: ignore[arg-type]
    assert (b"cache-control", b"no-store") in sent[0]["headers"]


@pytest.mark.parametrize("kind", ["websocket", "lifespan"])
async def test_asgi_middleware_passes_other_scopes_through_untouched(kind: str) -> None:
    from jwtguard.adapters.headers import SecurityHeadersMiddleware

    seen: list[tuple[Any, Any, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))
        await send({"type": f"{kind}.probe", "headers": []})

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": f"{kind}.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": kind, "headers": [(b"authorization", b"Bearer x")]}
    await SecurityHeadersMiddleware(app)(scope, receive, send)
    assert seen == [(scope, receive, send)]
    assert sent == [{"type": f"{kind}.probe", "headers": []}]


def test_wsgi_middleware_on_flask_and_on_a_plain_app() -> None:
    from flask import Flask
    from werkzeug.test import Client

    from jwtguard.adapters.headers import SecurityHeadersWSGIMiddleware

    flask_app = Flask(__name__)
    flask_app.add_url_rule("/", "home", lambda: {"ok": True})
    flask_app.add_url_rule("/page", "page", lambda: "<p>hello</p>")
    policy = SecurityHeaders(referrer_policy="same-origin")
    client = Client(SecurityHeadersWSGIMiddleware(flask_app.wsgi_app, policy=policy))
    response = client.get("/", headers={"Authorization": "Bearer x"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == API["content-security-policy"]
    assert "Referrer-Policy" not in response.headers
    page = client.get("/page")
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "Content-Security-Policy" not in page.headers
    assert "Cache-Control" not in page.headers
    not_counted = SecurityHeadersWSGIMiddleware(flask_app.wsgi_app, authorization_counts=False)
    assert (
        "Cache-Control" not in Client(not_counted).get("/", headers={"Authorization": "x"}).headers
    )

    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["jwtguard.claims"] = {"sub": "1"}  # what jwtguard's WSGI middleware leaves
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    response = Client(SecurityHeadersWSGIMiddleware(plain)).get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_wsgi_middleware_html_paths_match_the_path_info() -> None:
    from werkzeug.test import Client

    from jwtguard.adapters.headers import SecurityHeadersWSGIMiddleware

    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "image/svg+xml")])
        return [b"<svg/>"]

    app = SecurityHeadersWSGIMiddleware(plain, SecurityHeaders(html_paths=["/static/*"]))
    assert "Content-Security-Policy" not in Client(app).get("/static/icon.svg").headers
    assert "Content-Security-Policy" in Client(app).get("/media/icon.svg").headers


def test_wsgi_middleware_passes_exc_info_through() -> None:
    import sys

    from werkzeug.test import Client

    from jwtguard.adapters.headers import SecurityHeadersWSGIMiddleware

    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"error"]

    # werkzeug's client re-raises the exc_info it is handed: proof that it was passed on
    with pytest.raises(RuntimeError, match="boom"):
        Client(SecurityHeadersWSGIMiddleware(failing)).get("/")


# -- docs/headers.md -------------------------------------------------------------------------


def test_the_examples_in_docs_headers_run() -> None:
    import re
    import warnings
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "headers.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its TestClient
            warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
            exec(compile(block, str(page), "exec"), {"__name__": "docs_headers"})  # noqa: S102
