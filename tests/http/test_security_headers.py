"""SecurityHeaders: OWASP defaults, app headers kept, overrides, Vary merge, validation; and the
standalone ASGI/WSGI middleware (jwtguard/adapters/headers.py) on real framework test clients."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from jwtguard.errors import ConfigError
from jwtguard.http.security_headers import (
    DEFAULT_PERMISSIONS_POLICY,
    SecurityHeaders,
    clear_site_data,
)

DEFAULTS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": DEFAULT_PERMISSIONS_POLICY,
    "x-permitted-cross-domain-policies": "none",
    "x-xss-protection": "0",
}
AUTHENTICATED = {**DEFAULTS, "cache-control": "no-store", "vary": "Authorization"}

Apply = Callable[[SecurityHeaders, list[tuple[str, str]], bool], list[tuple[str, str]]]


def via_asgi(
    policy: SecurityHeaders, existing: list[tuple[str, str]], authenticated: bool
) -> list[tuple[str, str]]:
    raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in existing]
    out = policy.asgi_headers(raw, authenticated=authenticated)
    assert all(isinstance(n, bytes) and isinstance(v, bytes) for n, v in out)
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in out]


def via_wsgi(
    policy: SecurityHeaders, existing: list[tuple[str, str]], authenticated: bool
) -> list[tuple[str, str]]:
    out = policy.wsgi_headers(existing, authenticated=authenticated)
    assert all(isinstance(n, str) and isinstance(v, str) for n, v in out)
    return out


@pytest.fixture(params=[via_asgi, via_wsgi], ids=["asgi", "wsgi"])
def apply(request: pytest.FixtureRequest) -> Apply:
    fn: Apply = request.param
    return fn


def as_dict(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers:
        assert name.lower() not in result, f"{name} sent twice"
        result[name.lower()] = value
    return result


# -- defaults ------------------------------------------------------------------------------


def test_defaults_on_every_response(apply: Apply) -> None:
    assert as_dict(apply(SecurityHeaders(), [], False)) == DEFAULTS


def test_authenticated_responses_are_not_cached_and_vary_on_authorization(apply: Apply) -> None:
    assert as_dict(apply(SecurityHeaders(), [], True)) == AUTHENTICATED


def test_app_headers_come_first_and_are_kept(apply: Apply) -> None:
    existing = [("content-type", "application/json"), ("content-length", "2")]
    out = apply(SecurityHeaders(), existing, False)
    assert out[:2] == existing
    assert as_dict(out) == {**DEFAULTS, "content-type": "application/json", "content-length": "2"}


def test_input_list_is_not_mutated(apply: Apply) -> None:
    existing = [("Vary", "Accept")]
    apply(SecurityHeaders(), existing, True)
    assert existing == [("Vary", "Accept")]


# -- app's own headers, overrides, changes, removal ------------------------------------------


@pytest.mark.parametrize("name", ["X-Frame-Options", "x-frame-options", "X-FRAME-OPTIONS"])
def test_a_header_the_app_set_is_kept_whatever_its_case(apply: Apply, name: str) -> None:
    out = apply(SecurityHeaders(), [(name, "SAMEORIGIN")], False)
    assert as_dict(out)["x-frame-options"] == "SAMEORIGIN"


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
    existing = [("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "origin")]
    out = as_dict(apply(policy, existing, False))
    assert out["x-frame-options"] == "DENY"
    assert out["referrer-policy"] == "origin"


def test_override_star_replaces_every_header_the_policy_sets(apply: Apply) -> None:
    policy = SecurityHeaders(override=("*",))
    existing = [("X-Frame-Options", "SAMEORIGIN"), ("Referrer-Policy", "origin"), ("A", "b")]
    assert as_dict(apply(policy, existing, False)) == {**DEFAULTS, "a": "b"}


def test_each_header_can_be_changed_or_removed(apply: Apply) -> None:
    policy = SecurityHeaders(
        frame_options=None,
        permissions_policy=None,
        referrer_policy="strict-origin-when-cross-origin",
        content_security_policy="default-src 'self'",
        cross_origin_embedder_policy="require-corp",
        cache_control=None,
        vary=(),
        extra=(("X-Robots-Tag", "noindex"),),
    )
    out = as_dict(apply(policy, [], True))
    assert "x-frame-options" not in out
    assert "permissions-policy" not in out
    assert "cache-control" not in out
    assert "vary" not in out
    assert out["referrer-policy"] == "strict-origin-when-cross-origin"
    assert out["content-security-policy"] == "default-src 'self'"
    assert out["cross-origin-embedder-policy"] == "require-corp"
    assert out["x-robots-tag"] == "noindex"


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
def test_hsts(apply: Apply, options: dict[str, Any], expected: str | None) -> None:
    out = as_dict(apply(SecurityHeaders(**options), [], False))
    assert out.get("strict-transport-security") == expected


# -- Vary ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
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
def test_vary_is_merged_never_replaced(
    apply: Apply, existing: list[tuple[str, str]], expected: list[str]
) -> None:
    out = apply(SecurityHeaders(), existing, True)
    assert [v for n, v in out if n.lower() == "vary"] == expected


def test_vary_adds_only_missing_names(apply: Apply) -> None:
    policy = SecurityHeaders(vary=("Authorization", "Cookie"))
    out = apply(policy, [("Vary", "Cookie")], True)
    assert [v for n, v in out if n.lower() == "vary"] == ["Cookie, Authorization"]
    assert as_dict(apply(policy, [], True))["vary"] == "Authorization, Cookie"


def test_vary_untouched_on_anonymous_responses(apply: Apply) -> None:
    out = apply(SecurityHeaders(), [("Vary", "Accept")], False)
    assert [v for n, v in out if n.lower() == "vary"] == ["Accept"]


# -- configuration errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param({"frame_options": "DENY\r\nSet-Cookie: a=b"}, "X-Frame-Options", id="crlf"),
        pytest.param({"referrer_policy": " no-referrer"}, "Referrer-Policy", id="padded"),
        pytest.param({"content_security_policy": "caf\u00e9"}, "Content-Security", id="non-ascii"),
        pytest.param({"extra": (("Bad Name", "x"),)}, "not a valid header name", id="name"),
        pytest.param({"extra": (("Vary", "Cookie"),)}, "Vary is merged", id="vary-in-extra"),
        pytest.param({"extra": (("X-Frame-Options", "x"),)}, "given twice", id="duplicate"),
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
    ],
)
def test_bad_configuration_is_refused(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        SecurityHeaders(**options)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        SecurityHeaders(frame_options="a\nb", hsts_max_age=-5, vary=("x y",))
    assert len(info.value.problems) == 3


def test_policy_is_frozen_and_comparable() -> None:
    policy = SecurityHeaders()
    with pytest.raises(AttributeError):
        policy.frame_options = "SAMEORIGIN"  # type: ignore[misc]
    assert policy == SecurityHeaders()
    assert SecurityHeaders(override=("X-A",)) == SecurityHeaders(override=frozenset({"x-a"}))
    assert policy.headers == tuple((n, v) for n, v in policy.wsgi_headers([], authenticated=False))


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
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.headers import SecurityHeadersMiddleware

    async def home(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True}, headers={"X-Frame-Options": "SAMEORIGIN"})

    app = SecurityHeadersMiddleware(Starlette(routes=[Route("/", home)]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        anonymous = await client.get("/")
        authorised = await client.get("/", headers={"Authorization": "Bearer x"})
    assert anonymous.status_code == 200
    assert anonymous.headers["x-frame-options"] == "SAMEORIGIN"
    assert anonymous.headers["x-content-type-options"] == "nosniff"
    assert anonymous.headers["x-xss-protection"] == "0"
    assert "cache-control" not in anonymous.headers
    assert authorised.headers["cache-control"] == "no-store"
    assert authorised.headers["vary"] == "Authorization"


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
    policy = SecurityHeaders(referrer_policy="same-origin")
    client = Client(SecurityHeadersWSGIMiddleware(flask_app.wsgi_app, policy=policy))
    response = client.get("/", headers={"Authorization": "Bearer x"})
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Vary"] == "Authorization"

    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["jwtguard.claims"] = {"sub": "1"}  # what jwtguard's WSGI middleware leaves
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    response = Client(SecurityHeadersWSGIMiddleware(plain)).get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


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
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "headers.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        exec(compile(block, str(page), "exec"), {"__name__": "docs_headers"})  # noqa: S102
