"""Pipeline: the one decision every adapter shares, on a request view and on primitives.

Each routing case runs through :meth:`Pipeline.decide`, :meth:`Pipeline.adecide` and the
adapters' hot path (:meth:`Pipeline.route` then :meth:`Pipeline.decide_on_headers`), so a
regression in any one of them fails here, not only behind a server.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any

import pytest

from jwtguard import Claims, ConfigError, Guard, Key, KeySet, MemoryRevocationStore, Tenant
from jwtguard.errors import (
    InsufficientScopeError,
    InvalidRequestError,
    RevocationUnavailableError,
    UseDPoPNonceError,
)
from jwtguard.http.pipeline import (
    DEFAULT,
    Denial,
    Pending,
    Pipeline,
    Requirement,
    let_through,
    resolve_security_headers,
)
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.routing import PathRules
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.oauth import MTLS, DPoP, ResourceServer
from jwtguard.testing import TokenFactory

ADMIN = Requirement.build(scopes="admin")


def bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def request(
    method: str = "GET",
    path: str = "/",
    headers: Sequence[tuple[str, str]] = (),
    raw_path: str | None = None,
) -> RequestView:
    return RequestView(method, path, Headers.of(list(headers)), raw_path=raw_path)


def outcome(decision: Any) -> Any:
    """'claims', None (allowed without a token) or (status, code) of a Denial."""
    if isinstance(decision, Claims):
        return "claims"
    if isinstance(decision, Denial):
        return decision.status, decision.code
    assert decision is None, decision
    return None


def decide_every_way(pipeline: Pipeline, req: RequestView) -> Any:
    """The outcome through decide and adecide, and the hot path when it applies; all equal."""
    outcomes = {outcome(pipeline.decide(req)), outcome(asyncio.run(pipeline.adecide(req)))}
    if pipeline.locations.authorization_only and not req.preflight:
        routed = pipeline.route(req.method, req.path, req.raw_path)
        pairs = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in req.headers]
        fast = (
            pipeline.decide_on_headers(req.method, req.path, pairs, routed, wait=True)
            if isinstance(routed, Requirement)
            else routed
        )
        outcomes.add(outcome(fast))
    assert len(outcomes) == 1, outcomes
    return outcomes.pop()


@pytest.fixture
def tokens(factory: TokenFactory) -> dict[str, str]:
    return {"user": factory.issue(sub="u"), "admin": factory.issue(sub="a", scope="admin")}


@pytest.fixture(params=["authorization", "cookie-too"])
def make(request: pytest.FixtureRequest, factory: TokenFactory) -> Any:
    """Pipelines reading only Authorization (the hot path) or also a cookie (the full one)."""

    def build(**options: Any) -> Pipeline:
        if request.param == "cookie-too":
            options.setdefault("cookie", "session")
        return Pipeline(factory.guard(), **options)

    return build


# -- routing --------------------------------------------------------------------------------

ROUTED: dict[str, Any] = {
    "exempt": ["/health", "/public/*"],
    "rules": {"/admin/*": ADMIN, "/exact": Requirement()},
}


@pytest.mark.parametrize(
    ("path", "who", "expected"),
    [
        pytest.param("/health", None, None, id="exempt-exact"),
        pytest.param("/health/x", None, (401, "missing_token"), id="exempt-exact-only"),
        pytest.param("/public/a", None, None, id="exempt-subtree"),
        pytest.param("/public", None, (401, "missing_token"), id="exempt-subtree-not-its-root"),
        pytest.param("/publicity", None, (401, "missing_token"), id="exempt-prefix-boundary"),
        pytest.param("/admin/x", "user", (403, "insufficient_scope"), id="rule-subtree"),
        pytest.param("/admin", "user", (403, "insufficient_scope"), id="rule-covers-its-root"),
        pytest.param("/admin/x", "admin", "claims", id="rule-met"),
        pytest.param("/administrator", "user", "claims", id="rule-prefix-boundary"),
        pytest.param("/exact", None, (401, "missing_token"), id="exact-rule-needs-a-token"),
        pytest.param("/exact", "user", "claims", id="exact-rule-met"),
        pytest.param("/other", "user", "claims", id="default"),
        pytest.param("/other", None, (401, "missing_token"), id="default-needs-a-token"),
        pytest.param("/a/../admin/x", "admin", (400, "invalid_request"), id="dot-segments"),
        pytest.param("/.well-known/jwks.json", "user", "claims", id="dot-file-is-no-dot-segment"),
        pytest.param("//admin/x", "user", (400, "invalid_request"), id="ambiguous-slashes"),
        pytest.param("/ADMIN/x", "user", (400, "invalid_request"), id="ambiguous-case"),
    ],
)
def test_paths(
    make: Any, tokens: dict[str, str], path: str, who: str | None, expected: Any
) -> None:
    headers = bearer(tokens[who]) if who else []
    assert decide_every_way(make(**ROUTED), request(path=path, headers=headers)) == expected


@pytest.mark.parametrize(
    ("options", "path"),
    [
        pytest.param({"rules": {"/admin/*": ADMIN}}, "/admin/x", id="prefix-rules-only"),
        pytest.param({"rules": {"/admin": ADMIN}}, "/admin", id="exact-rules-only"),
        pytest.param({"scopes": "admin"}, "/x", id="default-requirement-only"),
    ],
)
def test_rules_alone_still_check_the_claims(
    make: Any, tokens: dict[str, str], options: dict[str, Any], path: str
) -> None:
    pipeline = make(**options)
    assert decide_every_way(pipeline, request(path=path, headers=bearer(tokens["user"]))) == (
        403,
        "insufficient_scope",
    )
    assert decide_every_way(pipeline, request(path=path, headers=bearer(tokens["admin"]))) == (
        "claims"
    )


def test_without_patterns_the_path_decides_nothing(make: Any, tokens: dict[str, str]) -> None:
    pipeline = make()
    for path in ("/a/../b", "//x", "/X;y"):
        assert decide_every_way(pipeline, request(path=path, headers=bearer(tokens["user"]))) == (
            "claims"
        )


def test_an_encoded_slash_is_refused_where_patterns_apply(
    make: Any, tokens: dict[str, str]
) -> None:
    req = request(path="/admin/x", headers=bearer(tokens["admin"]), raw_path="/admin%2Fx")
    assert decide_every_way(make(**ROUTED), req) == (400, "invalid_request")


def test_a_bare_string_is_one_exempt_path(make: Any) -> None:
    pipeline = make(exempt="/health")
    assert decide_every_way(pipeline, request(path="/health")) is None
    assert decide_every_way(pipeline, request(path="/h")) == (401, "missing_token")


# -- methods, preflights, optional -------------------------------------------------------------

CORS = [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")]


@pytest.mark.parametrize(
    ("options", "method", "headers", "expected"),
    [
        pytest.param({}, "OPTIONS", CORS, None, id="preflight"),
        pytest.param({}, "OPTIONS", CORS[:1], (401, "missing_token"), id="origin-only"),
        pytest.param({}, "OPTIONS", CORS[1:], (401, "missing_token"), id="method-only"),
        pytest.param({"allow_preflight": False}, "OPTIONS", CORS, (401, "missing_token")),
        pytest.param({"exempt_methods": "options"}, "OPTIONS", [], None, id="exempt-method-str"),
        pytest.param({"exempt_methods": ["GET", "head"]}, "HEAD", [], None, id="exempt-methods"),
        pytest.param({"exempt_methods": ["GET"]}, "POST", [], (401, "missing_token")),
    ],
)
def test_methods_and_preflights(
    make: Any, options: dict[str, Any], method: str, headers: Any, expected: Any
) -> None:
    pipeline = make(**{**options, "rules": {"/admin/*": ADMIN}})
    assert decide_every_way(pipeline, request(method, "/admin/x", headers)) == expected


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        pytest.param("/other", [], None, id="anonymous"),
        pytest.param("/other", bearer("junk"), (401, "malformed"), id="a-bad-token-is-refused"),
        pytest.param("/admin/x", [], (401, "missing_token"), id="a-rule-is-not-optional"),
    ],
)
def test_an_optional_default(make: Any, path: str, headers: Any, expected: Any) -> None:
    pipeline = make(optional=True, rules={"/admin/*": ADMIN})
    assert decide_every_way(pipeline, request("GET", path, headers)) == expected


def test_requirement_for_a_request(make: Any) -> None:
    pipeline = make(exempt_methods=["HEAD"], **ROUTED)
    assert pipeline.requirement_for(request("HEAD", "/admin/x")) is None
    assert pipeline.requirement_for(request("OPTIONS", "/admin/x", CORS)) is None
    assert pipeline.requirement_for(request("GET", "/admin/x")) is ADMIN
    assert pipeline.requirement_for(request("OPTIONS", "/admin/x")) is ADMIN
    assert pipeline.requirement_for(request("GET", "/health")) is None
    with pytest.raises(InvalidRequestError):
        pipeline.requirement_for(request("GET", "//admin/x"))


def test_a_route_requirement_replaces_the_paths(make: Any, tokens: dict[str, str]) -> None:
    pipeline = make(**ROUTED)
    req = request(path="/health", headers=bearer(tokens["user"]))
    assert outcome(pipeline.decide(req, ADMIN)) == (403, "insufficient_scope")
    assert outcome(asyncio.run(pipeline.adecide(req, ADMIN))) == (403, "insufficient_scope")
    assert outcome(pipeline.decide(request(path="/health"), Requirement(optional=True))) is None


# -- the hot path's own rules ------------------------------------------------------------------


def test_header_only_is_true_only_when_nothing_but_authorization_is_read(
    factory: TokenFactory,
) -> None:
    guard = factory.guard()
    assert Pipeline(guard).header_only is True
    assert Pipeline(guard, exempt=["/h"]).header_only is False
    assert Pipeline(guard, rules={"/a": ADMIN}).header_only is False
    assert Pipeline(guard, exempt_methods=["HEAD"]).header_only is False
    assert Pipeline(guard, cookie="session").header_only is False
    plain, routed = Pipeline(guard), Pipeline(guard, exempt=["/h"])
    assert (plain.headers_decide("GET"), plain.headers_decide("OPTIONS")) == (True, False)
    assert (routed.headers_decide("GET"), routed.headers_decide("GET", ADMIN)) == (False, True)
    cookie = Pipeline(guard, cookie="session")
    assert cookie.headers_decide("GET", ADMIN) is False
    # a route's own requirement: an OPTIONS may be a preflight, which _route lets through
    assert routed.headers_decide("OPTIONS", ADMIN) is False
    no_preflight = Pipeline(guard, exempt=["/h"], allow_preflight=False)
    assert no_preflight.headers_decide("OPTIONS", ADMIN) is True
    assert no_preflight.headers_decide("OPTIONS") is False


@pytest.mark.parametrize(
    "resource_server",
    [ResourceServer(dpop=DPoP()), ResourceServer(mtls=MTLS()), ResourceServer()],
    ids=["dpop", "mtls", "metadata-only"],
)
def test_a_resource_server_takes_the_authorization_only_path_for_bearer_tokens(
    factory: TokenFactory, resource_server: ResourceServer
) -> None:
    """A DPoP proof, a client certificate or the metadata path are read beside
    ``Authorization``, but only for what the hot path hands back (Pending.AWAIT, see
    tests/http/test_pipeline_resource_server.py); with require_binding every request
    needs them."""
    pipeline = Pipeline(factory.guard(), resource_server=resource_server)
    assert pipeline.locations.authorization_only is True
    assert pipeline.header_only is True
    assert (pipeline.headers_decide("GET"), pipeline.headers_decide("GET", ADMIN)) == (True, True)
    strict = ResourceServer(dpop=DPoP(), require_binding=True)
    pipeline = Pipeline(factory.guard(), resource_server=strict)
    assert pipeline.locations.authorization_only is False
    assert pipeline.header_only is False
    assert (pipeline.headers_decide("GET"), pipeline.headers_decide("GET", ADMIN)) == (False, False)


def test_two_authorization_headers_are_refused(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard())
    token = factory.issue(sub="u")
    pairs = [(b"authorization", f"Bearer {token}".encode())] * 2
    denial = pipeline.decide_on_headers("GET", "/", pairs)
    assert outcome(denial) == (400, "invalid_request")
    assert b"more than one access token" in denial.body  # type: ignore[union-attr]
    assert outcome(pipeline.decide_on_authorization("GET", "/", f"Bearer {token}, Bearer x")) == (
        400,
        "invalid_request",
    )
    assert outcome(pipeline.decide_on_authorization("GET", "/", None)) == (401, "missing_token")
    assert outcome(pipeline.decide_on_authorization("GET", "/", "Basic dXNlcjpwdw==")) == (
        401,
        "missing_token",
    )
    assert pipeline.guard.stats().rejected == {"invalid_request": 2, "missing_token": 2}


def test_a_remembered_header_gives_the_same_answer(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard())
    token = factory.issue(sub="u")
    first = pipeline.decide_on_authorization("GET", "/", f"Bearer {token}")
    again = pipeline.decide_on_authorization("GET", "/", f"Bearer {token}")
    assert isinstance(first, Claims) and again is first
    assert pipeline.guard.stats().hits == 1


def test_only_verified_headers_are_remembered_and_the_memory_is_bounded(
    factory: TokenFactory,
) -> None:
    pipeline = Pipeline(factory.guard())
    for n in range(20):
        pipeline.decide_on_authorization("GET", "/", f"Bearer junk{n}")
    # a memory bound has no other observable than the (private) table it bounds
    assert len(pipeline._parsed) == 0
    for n in range(2):
        pipeline.decide_on_authorization("GET", "/", f"Bearer {factory.issue(sub=str(n))}")
    assert len(pipeline._parsed) == 2
    for n in range(2, 4097):
        pipeline.decide_on_authorization("GET", "/", f"Bearer {factory.issue(sub=str(n))}")
    assert len(pipeline._parsed) == 1  # cleared when full, then the new one


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, True),
        ({"cookie": "session", "exempt": ["/x"], "report_only": True}, True),
        ({"optional": True}, True),
        ({"scopes": "admin"}, False),
        ({"roles": "admin"}, False),
        ({"predicate": lambda claims: True}, False),
    ],
)
def test_decides_remembered_only_where_the_claims_need_no_check(
    factory: TokenFactory, options: dict[str, Any], expected: bool
) -> None:
    assert Pipeline(factory.guard(), **options).decides_remembered is expected
    server = ResourceServer(resource="https://api.example", dpop=DPoP())
    guard = factory.guard(audience="https://api.example")
    assert Pipeline(guard, resource_server=server).decides_remembered is False


def test_a_remembered_header_is_answered_again_from_the_cache(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard(), adapter="unit")
    remembered = pipeline.remembered_claims
    assert remembered is not None
    token = factory.issue(sub="u", ttl=60)
    for header in (f"Bearer {token}", f"Bearer {token}".encode()):
        assert remembered(header) is None  # not yet seen: nothing counted
        first = pipeline.decide_on_authorization("GET", "/", header)
        assert isinstance(first, Claims)
        assert remembered(header) is first
    assert remembered(f"bearer {token}") is None  # another spelling: not remembered
    assert counts(pipeline) == {("unit", "allowed", "", ""): 4}
    assert pipeline.guard.stats().hits == 3
    factory.clock.advance(60)  # expires exactly now: no longer answered from the cache
    assert remembered(f"Bearer {token}") is None
    assert counts(pipeline) == {("unit", "allowed", "", ""): 4}  # nothing counted
    assert pipeline.guard.stats().hits == 3
    expired = pipeline.decide_on_authorization("GET", "/", f"Bearer {token}")
    assert outcome(expired) == (401, "expired")  # the usual way refuses, counted once
    assert counts(pipeline)[("unit", "refused", "expired", "")] == 1
    assert pipeline.guard.stats().rejected == {"expired": 1}


def test_a_hit_on_a_remembered_header_keeps_its_cache_entry_fresh(factory: TokenFactory) -> None:
    guard = factory.guard(cache_size=4)
    pipeline = Pipeline(guard)
    remembered = pipeline.remembered_claims
    assert remembered is not None
    header = f"Bearer {factory.issue(sub='kept')}"
    assert isinstance(pipeline.decide_on_authorization("GET", "/", header), Claims)
    for n in range(12):  # others fill the cache; the remembered one is hit in between
        assert isinstance(guard.verify(factory.issue(sub=f"other-{n}")), Claims)
        assert isinstance(remembered(header), Claims), n


@pytest.mark.parametrize(
    "make",
    [
        # the guard offers no cache-only look-up (its cases: tests/test_guard.py)
        pytest.param(lambda f: Pipeline(f.guard(revocation=MemoryRevocationStore())), id="guard"),
        pytest.param(lambda f: tenant_pipeline(f), id="tenants"),  # counted per tenant
    ],
)
def test_nothing_is_answered_from_the_cache_alone_where_verify_must_run(
    factory: TokenFactory, make: Any
) -> None:
    assert make(factory).remembered_claims is None


def test_a_remembered_header_is_counted_under_its_tenant(factory: TokenFactory) -> None:
    pipeline = tenant_pipeline(factory)
    header = f"Bearer {factory.issue(sub='u', iss=B)}"
    for _ in range(2):
        assert isinstance(pipeline.decide_on_authorization("GET", "/", header), Claims)
    assert counts(pipeline) == {("unit", "allowed", "", B): 2}


class AsyncOnlyKeys(KeySet):
    """A key source whose keys are only found by awaiting (as a remote set before its fetch)."""

    def find(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        return ()

    async def afind(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        return super().find(kid, algorithm)


def test_a_verification_that_may_wait_is_handed_to_adecide(factory: TokenFactory) -> None:
    guard = Guard(AsyncOnlyKeys([factory.key]), algorithms=["HS256"], clock=factory.clock)
    pipeline = Pipeline(guard)
    token = factory.issue(sub="u")
    header = f"Bearer {token}"
    assert pipeline.decide_on_authorization("GET", "/", header) is Pending.AWAIT
    assert outcome(pipeline.decide_on_authorization("GET", "/", header, wait=True)) == (
        401,
        "unknown_key",
    )
    assert outcome(pipeline.decide(request(headers=bearer(token)))) == (401, "unknown_key")
    assert outcome(asyncio.run(pipeline.adecide(request(headers=bearer(token))))) == "claims"
    assert isinstance(pipeline.decide_on_authorization("GET", "/", header), Claims)  # cached
    remembered = pipeline.remembered_claims
    assert remembered is not None
    assert isinstance(remembered(header), Claims)
    guard.clear_cache()  # no longer cached: not answered, and the usual way may wait
    assert remembered(header) is None
    assert pipeline.decide_on_authorization("GET", "/", header) is Pending.AWAIT
    cookie = Pipeline(guard, cookie="session")
    fresh = factory.issue(sub="v")
    assert outcome(asyncio.run(cookie.adecide(request(headers=bearer(fresh))))) == "claims"


# -- refusals: counted once, logged safely, cached ---------------------------------------------


def test_each_refusal_is_counted_once(make: Any, tokens: dict[str, str]) -> None:
    pipeline = make(**ROUTED)
    pipeline.decide(request(path="/other"))
    pipeline.decide(request(path="/other", headers=bearer("junk")))
    pipeline.decide(request(path="/admin/x", headers=bearer(tokens["user"])))
    pipeline.decide(request(path="//admin"))
    assert pipeline.guard.stats().rejected == {
        "missing_token": 1,
        "malformed": 1,
        "insufficient_scope": 1,
        "invalid_request": 1,
    }


def test_the_refusal_log_line(make: Any, caplog: pytest.LogCaptureFixture) -> None:
    pipeline = make(log_level=logging.WARNING)
    with caplog.at_level(logging.INFO, logger="jwtguard.adapters"):
        pipeline.decide(request("GET", "/me"))
        pipeline.decide(request("GE\r\nT", "/me"))
        pipeline.decide(request("A" * 20, "/" + "p" * 300))
    lines = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
    assert lines == [
        ("jwtguard.adapters", logging.WARNING, "jwtguard: rejected GET '/me': 401 missing_token"),
        ("jwtguard.adapters", logging.WARNING, "jwtguard: rejected ? '/me': 401 missing_token"),
        (
            "jwtguard.adapters",
            logging.WARNING,
            f"jwtguard: rejected {'A' * 16} {'/' + 'p' * 199!r}: 401 missing_token",
        ),
    ]


def test_no_log_line_below_the_loggers_level(make: Any, caplog: pytest.LogCaptureFixture) -> None:
    pipeline = make(log_level=logging.DEBUG)
    with caplog.at_level(logging.INFO, logger="jwtguard.adapters"):
        assert outcome(pipeline.decide(request())) == (401, "missing_token")
    assert caplog.records == []


def test_report_only_decides_logs_and_counts_but_lets_everything_through(
    make: Any, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = make(report_only=True, **ROUTED)
    with caplog.at_level(logging.INFO, logger="jwtguard.adapters"):
        assert decide_every_way(pipeline, request(path="/other")) is None
        user = request(path="/admin/x", headers=bearer(tokens["user"]))
        assert outcome(pipeline.decide(user)) == "claims"
    messages = {(r.levelno, r.getMessage()) for r in caplog.records}  # INFO by default
    assert messages == {
        (logging.INFO, "jwtguard: would reject GET '/other': 401 missing_token"),
        (logging.INFO, "jwtguard: would reject GET '/admin/x': 403 insufficient_scope"),
    }
    assert pipeline.guard.stats().rejected["insufficient_scope"] == 1


@pytest.mark.parametrize("report_only", [False, True], ids=["enforcing", "report-only"])
def test_judge_counts_a_refusal_once_and_let_through_names_what_passed(
    make: Any, factory: TokenFactory, report_only: bool
) -> None:
    pipeline = make(report_only=report_only)
    let_through()  # nothing from an earlier test
    claims = pipeline.guard.verify(factory.issue(scope="read"))
    decisions = pipeline.guard.decisions.snapshot()
    assert pipeline.judge(claims, Requirement.build(scopes="read"), "GET", "/") is None
    assert pipeline.guard.decisions.snapshot() == decisions  # allowed: counted by the first
    assert let_through() is None
    lacking = pipeline.judge(claims, Requirement.build(scopes="write"), "GET", "/")
    if report_only:
        assert lacking is None
        assert let_through() == "insufficient_scope"
    else:
        assert outcome(lacking) == (403, "insufficient_scope")
    assert let_through() is None  # read once
    anonymous = pipeline.decide(request())
    assert (anonymous is None) if report_only else outcome(anonymous) == (401, "missing_token")
    assert let_through() == ("missing_token" if report_only else None)
    assert pipeline.guard.stats().rejected == {"insufficient_scope": 1, "missing_token": 1}
    assert pipeline.guard.stats().misses == 1  # judging verifies nothing


def test_denials_are_prepared_once_per_error_and_the_table_is_bounded(make: Any) -> None:
    pipeline = make()
    first = pipeline.denial(InsufficientScopeError(["s0"]))
    assert pipeline.denial(InsufficientScopeError(["s0"])) is first
    assert pipeline.denial(InsufficientScopeError(["s1"])) is not first
    for n in range(2, 256):
        pipeline.denial(InsufficientScopeError([f"s{n}"]))
    assert pipeline.denial(InsufficientScopeError(["s0"])) is first  # 256 kept
    pipeline.denial(InsufficientScopeError(["s256"]))  # the 257th clears the table
    again = pipeline.denial(InsufficientScopeError(["s0"]))
    assert again == first and again is not first


def test_each_retry_after_gets_its_own_denial(make: Any) -> None:
    pipeline = make()
    five = pipeline.denial(RevocationUnavailableError(retry_after=5))
    seven = pipeline.denial(RevocationUnavailableError(retry_after=7))
    assert ("Retry-After", "5") in five.headers
    assert ("Retry-After", "7") in seven.headers
    assert (five.status, five.code) == (503, "revocation_unavailable")


def test_each_dpop_nonce_gets_its_own_denial(make: Any) -> None:
    pipeline = make()
    first = pipeline.denial(UseDPoPNonceError("n-1"))
    second = pipeline.denial(UseDPoPNonceError("n-2"))
    assert ("DPoP-Nonce", "n-1") in first.headers
    assert ("DPoP-Nonce", "n-2") in second.headers


def test_on_deny_customises_each_denial_once(make: Any) -> None:
    seen: list[str] = []

    def teapot(denial: Denial) -> Denial:
        seen.append(denial.code)
        return Denial.build(418, denial.code, [("X-Why", denial.code)], b"{}")

    pipeline = make(on_deny=teapot)
    for _ in range(3):
        assert outcome(pipeline.decide(request())) == (418, "missing_token")
    assert seen == ["missing_token"]


@pytest.mark.parametrize(
    ("realm", "challenge"),
    [("api", 'Bearer realm="api"'), (None, "Bearer"), (" ", 'Bearer realm=" "')],
)
def test_the_challenge_names_the_realm(make: Any, realm: str | None, challenge: str) -> None:
    denial = make(realm=realm).decide(request())
    assert ("WWW-Authenticate", challenge) in denial.headers


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        pytest.param({"guard": "not a guard"}, "guard", id="guard"),
        pytest.param({"realm": "caf\u00e9"}, "realm", id="realm-non-ascii"),
        pytest.param({"realm": "a\x7fb"}, "realm", id="realm-del"),
        pytest.param({"realm": "a\x1fb"}, "realm", id="realm-control"),
        pytest.param({"realm": 5}, "realm", id="realm-not-text"),
        pytest.param({"roles_claim": ""}, "roles_claim", id="roles-claim-empty"),
        pytest.param({"roles_claim": 5}, "roles_claim", id="roles-claim-not-text"),
        pytest.param({"log_level": "INFO"}, "log_level", id="log-level-name"),
        pytest.param({"on_deny": "not callable"}, "on_deny", id="on-deny"),
        pytest.param({"rules": {"/a": "admin"}}, "rules", id="rule-not-a-requirement"),
    ],
)
def test_bad_options_are_refused_at_start_up(
    factory: TokenFactory, options: dict[str, Any], field: str
) -> None:
    guard = options.pop("guard", factory.guard())
    with pytest.raises(ConfigError) as info:
        Pipeline(guard, **options)
    assert str(info.value).startswith(f"{field}:")


@pytest.mark.parametrize("realm", [" ", "~", "api v2", None])
def test_printable_ascii_realms_are_accepted(factory: TokenFactory, realm: str | None) -> None:
    assert Pipeline(factory.guard(), realm=realm).realm == realm


def test_roles_claim_walks_into_objects(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard(), roles="admin", roles_claim="realm_access.roles")
    nested = factory.issue(sub="u", realm_access={"roles": ["admin"]})
    flat = factory.issue(sub="u", roles=["admin"])
    assert outcome(pipeline.decide(request(headers=bearer(nested)))) == "claims"
    assert outcome(pipeline.decide(request(headers=bearer(flat)))) == (403, "insufficient_scope")


def test_security_headers_option(factory: TokenFactory) -> None:
    guard = factory.guard()
    mine = SecurityHeaders(vary=("Authorization", "Accept"))
    plain, cookie = Pipeline(guard), Pipeline(guard, cookie="session")
    assert resolve_security_headers(mine, cookie) is mine
    assert resolve_security_headers(None, plain) is None
    assert resolve_security_headers(DEFAULT, plain) == SecurityHeaders()
    assert resolve_security_headers(DEFAULT, cookie) == SecurityHeaders(
        vary=("Authorization", "Cookie"), cross_origin_resource_policy="same-origin"
    )


def test_the_pipeline_routes_with_its_path_rules(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard(), **ROUTED)
    assert isinstance(pipeline.paths, PathRules)
    assert pipeline.paths.lookup("/health") is None
    assert pipeline.default == Requirement()


def test_defaults(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard(), roles="admin", cookie="session")
    assert pipeline.realm == "api"
    assert (pipeline.locations.csrf, pipeline.locations.csrf_header) == (True, "X-CSRF-Token")
    with_roles = factory.issue(sub="u", roles=["admin"])
    assert outcome(pipeline.decide(request(headers=bearer(with_roles)))) == "claims"
    denial = Pipeline(factory.guard()).decide(request())
    assert ("WWW-Authenticate", 'Bearer realm="api"') in denial.headers  # type: ignore[union-attr]


def test_a_cookie_pipeline_reads_the_cookie(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard(), cookie="session")
    req = request(headers=[("Cookie", f"session={factory.issue(sub='c')}")])
    assert outcome(pipeline.decide(req)) == "claims"
    assert outcome(asyncio.run(pipeline.adecide(req))) == "claims"


def test_adecide_counts_each_refusal_once(make: Any, tokens: dict[str, str]) -> None:
    pipeline = make(**ROUTED)

    async def run() -> None:
        await pipeline.adecide(request(path="/other"))
        await pipeline.adecide(request(path="/other", headers=bearer("junk")))
        await pipeline.adecide(request(path="/other", headers=[("Authorization", "Bearer a b")]))
        await pipeline.adecide(request(path="/admin/x", headers=bearer(tokens["user"])))

    asyncio.run(run())
    assert pipeline.guard.stats().rejected == {
        "missing_token": 1,
        "malformed": 1,
        "invalid_request": 1,
        "insufficient_scope": 1,
    }


def test_decide_on_headers_reads_only_authorization_and_does_not_wait_by_default(
    factory: TokenFactory,
) -> None:
    token = factory.issue(sub="u")
    pairs = [(b"host", b"api"), (b"authorization", f"Bearer {token}".encode()), (b"x", b"y")]
    assert isinstance(Pipeline(factory.guard()).decide_on_headers("GET", "/", pairs), Claims)
    waiting = Pipeline(Guard(AsyncOnlyKeys([factory.key]), algorithms=["HS256"]))
    assert waiting.decide_on_headers("GET", "/", pairs) is Pending.AWAIT


@pytest.mark.parametrize("carrier", ["authorization", "cookie"])
def test_a_sender_constrained_token_is_refused_without_a_resource_server(
    make: Any, factory: TokenFactory, carrier: str
) -> None:
    pipeline = make(cookie="session") if carrier == "cookie" else make()
    token = factory.issue(sub="u", cnf={"jkt": "0" * 43})
    headers = [("Cookie", f"session={token}")] if carrier == "cookie" else bearer(token)
    req = request(headers=headers)
    if carrier == "authorization":
        assert decide_every_way(pipeline, req) == (401, "token_binding")
    for decide in (pipeline.decide, lambda r: asyncio.run(pipeline.adecide(r))):
        before = pipeline.guard.stats().rejected.get("token_binding", 0)
        denial = decide(req)
        assert outcome(denial) == (401, "token_binding")
        assert json.loads(denial.body)["error_description"] == (
            "A sender-constrained access token must be sent with its proof."
        )
        assert pipeline.guard.stats().rejected["token_binding"] == before + 1


# -- decisions counted by outcome, under the adapter's name -----------------------------------


@pytest.mark.parametrize("adapter", ["", "two words", "a-b", 5])
def test_the_adapter_name_is_an_identifier(factory: TokenFactory, adapter: Any) -> None:
    with pytest.raises(ConfigError) as info:
        Pipeline(factory.guard(), adapter=adapter)
    assert str(info.value) == "adapter: a name made of letters, digits and underscores"
    assert Pipeline(factory.guard()).adapter == "custom"


def counts(pipeline: Pipeline) -> dict[tuple[str, ...], int]:
    return {k: n for k, n in pipeline.guard.decisions.snapshot().items() if n}


COUNTED: dict[str, Any] = {
    "exempt": ["/health"],
    "exempt_methods": ["HEAD"],
    "rules": {"/open": Requirement(optional=True), "/admin/*": ADMIN},
}


@pytest.mark.parametrize(
    ("req", "counted"),
    [
        pytest.param(lambda t: request(path="/health"), ("exempt", ""), id="exempt-path"),
        pytest.param(lambda t: request("HEAD", "/x"), ("exempt", ""), id="exempt-method"),
        pytest.param(
            lambda t: request(
                "OPTIONS", "/x", [("Origin", "o"), ("Access-Control-Request-Method", "GET")]
            ),
            ("exempt", ""),
            id="preflight",
        ),
        pytest.param(lambda t: request(path="/open"), ("anonymous", ""), id="anonymous"),
        pytest.param(lambda t: request(headers=bearer(t)), ("allowed", ""), id="allowed"),
        pytest.param(
            lambda t: request(path="/open", headers=bearer(t)), ("allowed", ""), id="optional-with"
        ),
        pytest.param(
            lambda t: request(path="/admin/x", headers=bearer(t)),
            ("refused", "insufficient_scope"),
            id="refused",
        ),
        pytest.param(lambda t: request(), ("refused", "missing_token"), id="missing"),
    ],
)
def test_each_decision_is_counted_once_under_its_outcome(
    make: Any, tokens: dict[str, str], req: Any, counted: tuple[str, str]
) -> None:
    pipeline = make(adapter="unit", **COUNTED)
    view = req(tokens["user"])
    ways = [
        lambda: pipeline.decide(view),
        lambda: asyncio.run(pipeline.adecide(view)),
    ]
    if pipeline.locations.authorization_only and not view.preflight:

        def fast() -> Any:
            routed = pipeline.route(view.method, view.path, view.raw_path)
            if not isinstance(routed, Requirement):
                return routed
            value = view.headers.get("authorization")
            return pipeline.decide_on_authorization(
                view.method, view.path, value, routed, wait=True
            )

        ways.append(fast)
    for n, way in enumerate(ways, 1):
        way()
        assert counts(pipeline) == {("unit", *counted, ""): n}  # no tenant


def test_report_only_counts_what_it_would_refuse(make: Any) -> None:
    pipeline = make(adapter="unit", report_only=True)
    assert pipeline.decide(request()) is None
    assert counts(pipeline) == {("unit", "would_refuse", "missing_token", ""): 1}


def test_the_refusal_record_carries_its_fields(make: Any, caplog: pytest.LogCaptureFixture) -> None:
    pipeline = make(adapter="unit")
    with caplog.at_level(logging.INFO, logger="jwtguard.adapters"):
        pipeline.decide(request("A" * 20, "/" + "p" * 300))
    (record,) = caplog.records
    fields = {k: getattr(record, k) for k in ("code", "status", "adapter", "method", "path")}
    assert fields == {
        "code": "missing_token",
        "status": 401,
        "adapter": "unit",
        "method": "A" * 16,
        "path": "/" + "p" * 199,
    }
    assert (record.report_only, record.jwtguard_event) == (False, "refusal")  # type: ignore[attr-defined]


# -- tenants, a view's own requirement, report-only let-through --------------------------------

A, B = "https://a.example", "https://b.example"


def tenant_pipeline(factory: TokenFactory, **options: Any) -> Pipeline:
    guard = Guard(
        tenants=[Tenant(A, factory.key), Tenant(B, factory.key)],
        algorithms=["HS256"],
        clock=factory.clock,
    )
    return Pipeline(guard, adapter="unit", rules={"/admin/*": ADMIN}, **options)


def test_decisions_are_counted_under_the_tokens_tenant(factory: TokenFactory) -> None:
    pipeline = tenant_pipeline(factory)
    token = factory.issue(sub="u", iss=A)
    assert isinstance(pipeline.decide(request(path="/x", headers=bearer(token))), Claims)
    routed = pipeline.route("GET", "/y")
    assert isinstance(routed, Requirement)
    fast = pipeline.decide_on_authorization("GET", "/y", f"Bearer {token}", routed, wait=True)
    assert isinstance(fast, Claims)
    refused = pipeline.decide(request(path="/admin/x", headers=bearer(factory.issue(iss=B))))
    assert outcome(refused) == (403, "insufficient_scope")
    assert counts(pipeline) == {
        ("unit", "allowed", "", A): 2,
        ("unit", "refused", "insufficient_scope", B): 1,
    }


def test_judge_answers_a_views_own_requirement_without_verifying_again(
    factory: TokenFactory,
) -> None:
    pipeline = Pipeline(factory.guard(), adapter="unit")
    claims = pipeline.guard.verify(factory.issue(sub="u", scope="read"))
    assert pipeline.judge(claims, Requirement()) is None
    assert pipeline.judge(claims, Requirement.build(scopes="read")) is None
    assert counts(pipeline) == {}  # allowed was counted when the request was decided
    denial = pipeline.judge(claims, ADMIN, "POST", "/admin")
    assert outcome(denial) == (403, "insufficient_scope")
    assert counts(pipeline) == {("unit", "refused", "insufficient_scope", ""): 1}
    assert pipeline.guard.stats().rejected == {"insufficient_scope": 1}


def test_judge_under_a_resource_server_puts_the_error_on_the_tokens_scheme(
    factory: TokenFactory,
) -> None:
    guard = factory.guard(audience="https://api.example")
    server = ResourceServer(resource="https://api.example", dpop=DPoP())
    pipeline = Pipeline(guard, resource_server=server)
    bound = guard.verify(factory.issue(sub="u", aud="https://api.example", cnf={"jkt": "k"}))
    plain = guard.verify(factory.issue(sub="v", aud="https://api.example"))
    for claims, carrier in ((bound, "DPoP "), (plain, "Bearer ")):
        denial = pipeline.judge(claims, ADMIN)
        assert isinstance(denial, Denial)
        with_error = [v for k, v in denial.headers if k == "WWW-Authenticate" and "error=" in v]
        assert len(with_error) == 1 and with_error[0].startswith(carrier)


def test_report_only_tells_what_it_let_through_once(factory: TokenFactory) -> None:
    let_through()  # forget what an earlier test in this thread let through
    assert let_through() is None
    pipeline = Pipeline(factory.guard(), report_only=True)
    assert pipeline.decide(request()) is None
    assert let_through() == "missing_token"
    assert let_through() is None
    claims = pipeline.guard.verify(factory.issue(sub="u"))
    assert pipeline.judge(claims, ADMIN) is None  # let through too
    assert let_through() == "insufficient_scope"


def test_the_full_path_counts_under_the_tenant_too(factory: TokenFactory) -> None:
    pipeline = tenant_pipeline(factory, cookie="session")
    token = factory.issue(sub="u", iss=A)
    assert isinstance(pipeline.decide(request(path="/x", headers=bearer(token))), Claims)
    assert counts(pipeline) == {("unit", "allowed", "", A): 1}


def test_without_tenants_a_refusal_names_no_tenant(factory: TokenFactory) -> None:
    pipeline = Pipeline(factory.guard(), adapter="unit", rules={"/admin/*": ADMIN})
    token = factory.issue(sub="u", iss="https://somewhere.example")
    assert outcome(pipeline.decide(request(path="/admin/x", headers=bearer(token)))) == (
        403,
        "insufficient_scope",
    )
    assert counts(pipeline) == {("unit", "refused", "insufficient_scope", ""): 1}
