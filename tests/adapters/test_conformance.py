"""The shared behaviour: every case runs through every adapter (see conftest.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from jwtguard.adapters import Requirement
from jwtguard.http.pipeline import DEFAULT
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked

REALM = 'Bearer realm="api"'
INVALID = 'Bearer realm="api", error="invalid_token", error_description='
EXPIRED = INVALID + '"The access token expired."'
TWO = (
    'Bearer realm="api", error="invalid_request", '
    'error_description="The request carries more than one access token."'
)
MALFORMED_HEADER = (
    'Bearer realm="api", error="invalid_request", '
    'error_description="The Authorization header is malformed."'
)


def bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def assert_not_echoed(answer: Any, token: str) -> None:
    assert token not in answer.body.decode("latin-1")
    for name, value in answer.headers:
        assert token not in value, name


# -- token locations -----------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_authorization_scheme_is_case_insensitive(
    adapter: Any, factory: TokenFactory, scheme: str
) -> None:
    send = adapter.client()
    answer = send("GET", "/x", [("Authorization", f"{scheme} {factory.issue(sub='42')}")])
    assert answer.status == 200
    assert answer.json() == {"sub": "42", "authenticated": True}


def test_no_token_is_a_bare_challenge(adapter: Any) -> None:
    answer = adapter.client()("GET", "/x")
    assert answer.status == 401
    assert answer.header("WWW-Authenticate") == REALM
    assert answer.json() == {
        "error": "missing_token",
        "error_description": "An access token is required.",
    }
    assert answer.header("Content-Type") == "application/json"
    assert answer.header("Cache-Control") == "no-store"


def test_other_scheme_counts_as_no_token(adapter: Any) -> None:
    answer = adapter.client()("GET", "/x", [("Authorization", "Basic dXNlcjpwYXNz")])
    assert answer.status == 401
    assert answer.header("WWW-Authenticate") == REALM


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param([("Authorization", "Bearer a.b.c d.e.f")], MALFORMED_HEADER, id="two-parts"),
        pytest.param([("Authorization", "Bearer")], MALFORMED_HEADER, id="empty"),
        pytest.param([("Authorization", "Bearer  ")], MALFORMED_HEADER, id="blank"),
        pytest.param([("Authorization", "Bearer a, Bearer b")], TWO, id="comma-joined"),
        pytest.param(
            [("Authorization", "Bearer a.b.c"), ("Authorization", "Bearer d.e.f")],
            TWO,
            id="two-lines",
        ),
        pytest.param(
            [("Authorization", "Basic eA=="), ("Authorization", "Bearer d.e.f")],
            TWO,
            id="basic+bearer",
        ),
    ],
)
def test_malformed_authorization_is_400(adapter: Any, headers: Any, expected: str) -> None:
    answer = adapter.client()("GET", "/x", headers)
    assert answer.status == 400
    assert answer.header("WWW-Authenticate") == expected
    assert answer.json()["error"] == "invalid_request"


def test_cookie_location(adapter: Any, factory: TokenFactory) -> None:
    token = factory.issue(sub="7")
    send = adapter.client(cookie="access_token")
    ok = send("GET", "/x", [("Cookie", f"theme=dark; access_token={token}")])
    assert (ok.status, ok.json()["sub"]) == (200, "7")
    cleared = send("GET", "/x", [("Cookie", "access_token=")])
    assert cleared.status == 401
    assert cleared.header("WWW-Authenticate") == REALM


def test_cookie_is_not_read_unless_configured(adapter: Any, factory: TokenFactory) -> None:
    answer = adapter.client()("GET", "/x", [("Cookie", f"access_token={factory.issue()}")])
    assert answer.status == 401


def test_two_cookies_of_the_same_name_are_400(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(cookie="at")
    answer = send("GET", "/x", [("Cookie", f"at={factory.issue()}; at={factory.issue()}")])
    assert answer.status == 400


def test_header_and_cookie_together_are_400(adapter: Any, factory: TokenFactory) -> None:
    token = factory.issue()
    send = adapter.client(cookie="at")
    answer = send("GET", "/x", [*bearer(token), ("Cookie", f"at={token}")])
    assert answer.status == 400
    assert answer.header("WWW-Authenticate") == TWO


def test_custom_header_location(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(header="X-Access-Token")
    answer = send("GET", "/x", [("X-Access-Token", factory.issue(sub="9"))])
    assert (answer.status, answer.json()["sub"]) == (200, "9")


def test_query_parameter_is_off_by_default(adapter: Any, factory: TokenFactory) -> None:
    answer = adapter.client()("GET", "/x", query=f"access_token={factory.issue()}")
    assert answer.status == 401


def test_query_parameter_when_enabled(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(query_param="access_token")
    answer = send("GET", "/x", query=f"access_token={factory.issue(sub='q')}&x=1")
    assert (answer.status, answer.json()["sub"]) == (200, "q")
    twice = send("GET", "/x", query=f"access_token={factory.issue()}&access_token=a.b.c")
    assert twice.status == 400


# -- CSRF for cookie-borne tokens ------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_cookie_token_on_unsafe_method_needs_csrf_header(
    adapter: Any, factory: TokenFactory, method: str
) -> None:
    token = factory.issue(sub="c")
    send = adapter.client(cookie="at")
    refused = send(method, "/x", [("Cookie", f"at={token}")])
    assert refused.status == 403
    assert refused.json() == {
        "error": "csrf",
        "error_description": "The request lacks a valid CSRF token.",
    }
    # Forbidden, not a challenge: no other token would answer it (docs/security.md).
    assert refused.header("WWW-Authenticate") is None
    assert refused.header("Cache-Control") == "no-store"
    allowed = send(method, "/x", [("Cookie", f"at={token}"), ("X-CSRF-Token", "1")])
    assert allowed.status == 200
    assert send("GET", "/x", [("Cookie", f"at={token}")]).status == 200


def test_csrf_double_submit(adapter: Any, factory: TokenFactory) -> None:
    token = factory.issue()
    send = adapter.client(cookie="at", csrf_cookie="csrf")
    cookie = ("Cookie", f"at={token}; csrf=r4nd0m")
    assert send("POST", "/x", [cookie, ("X-CSRF-Token", "r4nd0m")]).status == 200
    assert send("POST", "/x", [cookie, ("X-CSRF-Token", "other")]).status == 403
    assert send("POST", "/x", [("Cookie", f"at={token}"), ("X-CSRF-Token", "x")]).status == 403


def test_bearer_header_needs_no_csrf(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(cookie="at")
    assert send("POST", "/x", bearer(factory.issue())).status == 200


def test_csrf_can_be_turned_off(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(cookie="at", csrf=False)
    assert send("POST", "/x", [("Cookie", f"at={factory.issue()}")]).status == 200


# -- exemptions and optional authentication -------------------------------------------


def test_exempt_paths(adapter: Any) -> None:
    send = adapter.client(exempt=["/health", "/public/*"])
    assert send("GET", "/health").json() == {"sub": None, "authenticated": False}
    assert send("GET", "/public/a/b").status == 200
    assert send("GET", "/healthz").status == 401
    assert send("GET", "/x").status == 401


def test_dot_segments_never_match_an_exempt_prefix(adapter: Any) -> None:
    send = adapter.client(exempt=["/public/*"])
    answer = send("GET", "/public/%2e%2e/admin")
    assert answer.status in (400, 401)


def test_exempt_methods(adapter: Any) -> None:
    send = adapter.client(exempt_methods=["HEAD"])
    assert send("HEAD", "/x").status == 200
    assert send("GET", "/x").status == 401


def test_cors_preflight_is_exempt(adapter: Any) -> None:
    send = adapter.client()
    preflight = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")]
    assert send("OPTIONS", "/x", preflight).status == 200
    assert send("OPTIONS", "/x").status == 401  # a plain OPTIONS is not a preflight
    assert adapter.client(allow_preflight=False)("OPTIONS", "/x", preflight).status == 401


def test_optional_authentication(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(optional=True)
    assert send("GET", "/x").json() == {"sub": None, "authenticated": False}
    assert send("GET", "/x", bearer(factory.issue(sub="o"))).json()["sub"] == "o"
    bad = send("GET", "/x", bearer("not-a-token"))
    assert bad.status == 401
    assert bad.header("WWW-Authenticate") == INVALID + '"The access token is malformed."'


# -- requirements -----------------------------------------------------------------------


def test_scopes_from_scope_and_scp(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(scopes="read write")
    assert send("GET", "/x", bearer(factory.issue(scope="write read admin"))).status == 200
    assert send("GET", "/x", bearer(factory.issue(scp=["read", "write"]))).status == 200
    answer = send("GET", "/x", bearer(factory.issue(scope="read")))
    assert answer.status == 403
    assert answer.header("WWW-Authenticate") == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The access token lacks the required scope.", scope="read write"'
    )
    assert answer.json() == {
        "error": "insufficient_scope",
        "error_description": "The access token lacks the required scope.",
    }


def test_roles(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(roles=["admin"])
    assert send("GET", "/x", bearer(factory.issue(roles=["admin", "dev"]))).status == 200
    answer = send("GET", "/x", bearer(factory.issue(roles=["dev"])))
    assert answer.status == 403
    assert answer.json()["error_description"] == "The access token lacks the required role."
    nested = adapter.client(roles="admin", roles_claim="realm_access.roles")
    token = factory.issue(realm_access={"roles": ["admin"]})
    assert nested("GET", "/x", bearer(token)).status == 200


def test_claim_predicate(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(predicate=lambda claims: claims["tenant"] == "acme")
    assert send("GET", "/x", bearer(factory.issue(tenant="acme"))).status == 200
    assert send("GET", "/x", bearer(factory.issue(tenant="evil"))).status == 403
    # A predicate that raises on a hostile claim set is a refusal, not a 500.
    assert send("GET", "/x", bearer(factory.issue())).status == 403


def test_per_path_rules(adapter: Any, factory: TokenFactory) -> None:
    send = adapter.client(
        rules={
            "/admin/*": Requirement.build(roles="admin"),
            "/feed": Requirement.build(optional=True),
        }
    )
    user = bearer(factory.issue(roles=["user"]))
    assert send("GET", "/admin/users", user).status == 403
    assert send("GET", "/admin/users", bearer(factory.issue(roles=["admin"]))).status == 200
    assert send("GET", "/feed").status == 200
    assert send("GET", "/other", user).status == 200


# -- token failures --------------------------------------------------------------------


def test_expired_token(adapter: Any, factory: TokenFactory, clock: FrozenClock) -> None:
    token = factory.issue(ttl=60)
    clock.advance(61)
    answer = adapter.client()("GET", "/x", bearer(token))
    assert answer.status == 401
    assert answer.header("WWW-Authenticate") == EXPIRED
    assert answer.json() == {
        "error": "invalid_token",
        "error_description": "The access token expired.",
    }
    assert_not_echoed(answer, token)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda f: f.issue()[:-4] + "AAAA", id="tampered-signature"),
        pytest.param(lambda f: TokenFactory.hs256(clock=f.clock).issue(), id="other-key"),
        pytest.param(
            lambda f: encode_unchecked({"alg": "none", "typ": "JWT"}, {"sub": "x"}), id="alg-none"
        ),
        pytest.param(lambda f: "a" * 9000, id="huge"),
        pytest.param(lambda f: "e30.e30.", id="empty-objects"),
    ],
)
def test_bad_tokens_are_401_and_never_echoed(
    adapter: Any, factory: TokenFactory, make: Any
) -> None:
    token = make(factory)
    answer = adapter.client()("GET", "/x", bearer(token))
    assert answer.status == 401
    assert answer.header("WWW-Authenticate").startswith(INVALID)
    assert answer.json()["error"] == "invalid_token"
    assert_not_echoed(answer, token)


# -- report-only, counters, logs ---------------------------------------------------------


def test_report_only_lets_everything_through(
    adapter: Any, factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    send = adapter.client(guard, report_only=True, scopes="admin")
    with caplog.at_level(logging.INFO, logger="jwtguard.adapters"):
        assert send("GET", "/x").json() == {"sub": None, "authenticated": False}
        token = factory.issue(sub="r", scope="read")
        # Valid but lacking the scope: the app still sees who it is.
        assert send("GET", "/x", bearer(token)).json() == {"sub": "r", "authenticated": True}
        assert send("GET", "/x", bearer("junk")).status == 200
    rejected = guard.stats().rejected
    assert rejected["missing_token"] == 1
    assert rejected["insufficient_scope"] == 1
    assert rejected["malformed"] == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "jwtguard.adapters"]
    assert len(messages) == 3
    assert all("would reject" in m for m in messages)
    assert all(token not in m for m in messages)


def test_counters_and_one_log_line_per_rejection(
    adapter: Any, factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    send = adapter.client(guard, scopes="read", log_level=logging.WARNING)
    token = factory.issue(sub="s", scope="read")
    bad_token = TokenFactory.hs256(clock=factory.clock).issue()
    with caplog.at_level(logging.WARNING, logger="jwtguard.adapters"):
        send("GET", "/x", bearer(token))
        send("GET", "/x", bearer(token))
        send("GET", "/x", bearer(bad_token))
        send("GET", "/x", bearer(factory.issue()))
        send("GET", "/x", [("Authorization", "Bearer a b")])
    stats = guard.stats()
    assert stats.hits >= 1
    assert stats.misses >= 2
    assert stats.rejected == {"invalid_signature": 1, "insufficient_scope": 1, "invalid_request": 1}
    records = [r for r in caplog.records if r.name == "jwtguard.adapters"]
    assert [r.levelno for r in records] == [logging.WARNING] * 3
    text = "\n".join(r.getMessage() for r in records)
    for code in ("invalid_signature", "insufficient_scope", "invalid_request"):
        assert code in text
    assert bad_token not in text
    assert token not in text


# -- security headers --------------------------------------------------------------------


API_SET = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
SECURITY = {
    *API_SET,
    "cache-control",
    "vary",
    "referrer-policy",
    "permissions-policy",
    "cross-origin-opener-policy",
    "cross-origin-resource-policy",
    "cross-origin-embedder-policy",
    "x-permitted-cross-domain-policies",
    "x-xss-protection",
}


def security_headers(answer: Any) -> dict[str, str]:
    """The security headers of ``answer``, each sent once; a ``Vary`` the framework set
    itself (DRF varies on ``Accept``) only when jwtguard added to it."""
    found = {
        name.lower(): answer.header(name) for name, _ in answer.headers if name.lower() in SECURITY
    }
    if "authorization" not in found.get("vary", "authorization").lower():
        del found["vary"]
    return found


def test_json_responses_get_the_api_set(adapter: Any, factory: TokenFactory) -> None:
    # DEFAULT is every adapter's default; the FastAPI dependency adds no headers itself and
    # gets them from SecurityHeadersMiddleware, as docs/starlette.md shows.
    send = adapter.client(security_headers=DEFAULT)
    ok = send("GET", "/x", bearer(factory.issue()))
    assert ok.status == 200 and ok.header("Content-Type") == "application/json"
    assert security_headers(ok) == {**API_SET, "cache-control": "no-store"}
    refused = send("GET", "/x")
    assert refused.status == 401
    assert security_headers(refused) == {**API_SET, "cache-control": "no-store"}
    forbidden = adapter.client(security_headers=DEFAULT, scopes="admin")(
        "GET", "/x", bearer(factory.issue())
    )
    assert forbidden.status == 403
    assert security_headers(forbidden) == {**API_SET, "cache-control": "no-store"}
    off = adapter.client(security_headers=None)("GET", "/x", bearer(factory.issue()))
    assert security_headers(off) == {}


def test_html_paths_get_the_html_set(adapter: Any, factory: TokenFactory) -> None:
    policy = SecurityHeaders(html_paths=["/docs/*"])
    send = adapter.client(security_headers=policy, exempt=["/docs/*"])
    page = send("GET", "/docs/index")
    assert page.status == 200
    found = security_headers(page)
    assert "content-security-policy" not in found
    assert found["referrer-policy"] == "strict-origin-when-cross-origin"
    assert found["x-frame-options"] == "DENY"
    api = send("GET", "/api", bearer(factory.issue()))
    assert security_headers(api)["content-security-policy"] == API_SET["content-security-policy"]


def test_cookie_tokens_get_the_cookie_defaults(
    hardened_adapter: Any, factory: TokenFactory
) -> None:
    send = hardened_adapter.client(cookie="at")
    answer = send("GET", "/x", [("Cookie", f"at={factory.issue()}")])
    assert answer.status == 200
    assert answer.header("Cache-Control") == "no-store"
    # cookies ride on other origins' <script>/<img> loads: those may not embed the answer
    assert answer.header("Cross-Origin-Resource-Policy") == "same-origin"


def test_anonymous_responses_are_not_marked_private(hardened_adapter: Any) -> None:
    answer = hardened_adapter.client(exempt=["/health"])("GET", "/health")
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert answer.header("Cache-Control") is None


# -- hooks -----------------------------------------------------------------------------


def test_on_deny_hook_customises_refusals(adapter: Any) -> None:
    from jwtguard.adapters import Denial

    def teapot(denial: Denial) -> Denial:
        return Denial.build(418, denial.code, [("Content-Type", "text/plain")], b"no")

    answer = adapter.client(on_deny=teapot)("GET", "/x")
    assert answer.status == 418
    if adapter.renders_denials:  # DRF renders exception data: a text body is its "detail"
        assert answer.json() == {"detail": "no"}
    else:
        assert answer.body == b"no"


def test_revocation_outage_is_503_with_retry_after(adapter: Any, factory: TokenFactory) -> None:
    from jwtguard.errors import RevocationUnavailableError

    class Down:
        def is_revoked(self, claims: Any) -> bool:
            raise RevocationUnavailableError(retry_after=5)

    guard = factory.guard(revocation=Down())
    token = factory.issue()
    answer = adapter.client(guard)("GET", "/x", bearer(token))
    assert answer.status == 503
    assert answer.header("Retry-After") == "5"
    assert answer.header("WWW-Authenticate") is None
    assert answer.json()["error"] == "revocation_unavailable"
    assert guard.stats().rejected == {"revocation_unavailable": 1}
    assert_not_echoed(answer, token)
