"""The pipeline under a resource server (jwtguard/http/pipeline.py with ``resource_server=``):
binding checks, one proof per request, the challenges per route binding, the RFC 9728
metadata it serves. The adapters' behaviour is in tests/adapters/test_resource_server.py;
here the pipeline's own decisions, through decide and adecide."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from jwtguard import Claims, ConfigError, Guard, Tenant
from jwtguard.errors import MissingTokenError
from jwtguard.http.denial import Denial
from jwtguard.http.pipeline import Pending, Pipeline
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.requirement import Requirement
from jwtguard.http.sender import dpop_nonce
from jwtguard.oauth import MTLS, DPoP, ResourceServer
from jwtguard.testing import DPoPKey, FrozenClock, TokenFactory

from .test_pipeline import AsyncOnlyKeys

RESOURCE = "https://api.example"
METADATA_PATH = "/.well-known/oauth-protected-resource"
METADATA = f'resource_metadata="{RESOURCE}{METADATA_PATH}"'
ALGS = 'algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512"'
BEARER = f'Bearer realm="api", {METADATA}'
DPOP = f'DPoP realm="api", {ALGS}, {METADATA}'


@pytest.fixture
def issuer(clock: FrozenClock) -> TokenFactory:
    return TokenFactory.for_algorithm("ES256", clock=clock)


@pytest.fixture
def client_key(clock: FrozenClock) -> DPoPKey:
    return DPoPKey("ES256", clock=clock)


@pytest.fixture
def bound(issuer: TokenFactory, client_key: DPoPKey) -> str:
    return issuer.issue(sub="alice", aud=RESOURCE, cnf={"jkt": client_key.jkt})


def pipeline(issuer: TokenFactory, guard: Guard | None = None, **options: Any) -> Pipeline:
    fields = {"dpop", "mtls", "require_binding", "serve_metadata", "resource", "resource_name"}
    rs_options = {"resource": RESOURCE} | {k: options.pop(k) for k in list(options) if k in fields}
    server = ResourceServer(origin=RESOURCE, **rs_options)
    return Pipeline(guard or issuer.guard(audience=RESOURCE), resource_server=server, **options)


def request(
    method: str = "GET", path: str = "/items", headers: Sequence[tuple[str, str]] = (), **more: Any
) -> RequestView:
    return RequestView(method, path, Headers.of(list(headers)), **more)


def both(p: Pipeline, req: RequestView | Callable[[], RequestView]) -> Any:
    """decide's answer, checked equal to adecide's (claims by subject, denials as such).
    A callable makes a request for each (a proof is used once)."""
    make = req if callable(req) else lambda: req
    answers = [p.decide(make()), asyncio.run(p.adecide(make()))]
    shapes = {a["sub"] if isinstance(a, Claims) else a for a in answers}
    assert len(shapes) == 1, answers
    return answers[0]


def challenges(denial: Any) -> list[str]:
    assert isinstance(denial, Denial), denial
    return [v for k, v in denial.headers if k == "WWW-Authenticate"]


def test_resource_server_must_be_one(issuer: TokenFactory) -> None:
    with pytest.raises(ConfigError) as info:
        Pipeline(issuer.guard(), resource_server="https://api.example")  # type: ignore[arg-type]
    assert str(info.value) == "resource_server: must be a jwtguard.oauth.ResourceServer"
    plain = Pipeline(issuer.guard(), resource_server=None)
    assert plain.resource_server is None and plain.metadata is None


@pytest.mark.parametrize(
    "rules",
    [
        pytest.param({"/a": Requirement(binding="bearer")}, id="one"),
        pytest.param(
            {"/d": Requirement(binding="dpop"), "/a": Requirement(binding="bearer")}, id="any"
        ),
    ],
)
def test_a_bearer_route_contradicts_require_binding(
    issuer: TokenFactory, rules: dict[str, Requirement]
) -> None:
    with pytest.raises(ConfigError) as info:
        pipeline(issuer, dpop=DPoP(), require_binding=True, rules=rules)
    assert str(info.value) == "rules: a 'bearer' route contradicts require_binding"
    pipeline(issuer, dpop=DPoP(), rules=rules)  # without require_binding it is a choice


def test_require_binding_takes_bound_routes_and_no_rules(issuer: TokenFactory) -> None:
    rules = {"/d": Requirement(binding="dpop"), "/b": Requirement(binding="bound")}
    assert pipeline(issuer, dpop=DPoP(), require_binding=True, rules=rules).resource_server
    assert pipeline(issuer, dpop=DPoP(), require_binding=True).resource_server


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(
            {"dpop": True},
            {
                None: [BEARER, DPOP],
                "bearer": [BEARER, DPOP],
                "bound": [DPOP],
                "dpop": [DPOP],
                "mtls": [BEARER],
            },
            id="dpop",
        ),
        pytest.param(
            {"dpop": True, "require_binding": True},
            {None: [DPOP], "bound": [DPOP], "dpop": [DPOP], "mtls": [BEARER]},
            id="dpop-required",
        ),
        pytest.param(
            {"dpop": True, "mtls": True, "require_binding": True},
            {None: [BEARER, DPOP], "bound": [BEARER, DPOP], "dpop": [DPOP], "mtls": [BEARER]},
            id="dpop-and-mtls-required",
        ),
        pytest.param(
            {"mtls": True},
            {None: [BEARER], "bearer": [BEARER], "bound": [BEARER], "dpop": [BEARER]},
            id="mtls",
        ),
        pytest.param({"mtls": True, "require_binding": True}, {None: [BEARER]}, id="mtls-only"),
    ],
)
def test_each_route_binding_answers_with_its_challenges(
    issuer: TokenFactory, options: dict[str, bool], expected: dict[str | None, list[str]]
) -> None:
    built = {
        "dpop": DPoP() if options.get("dpop") else None,
        "mtls": MTLS(header="x-client-cert") if options.get("mtls") else None,
        "require_binding": options.get("require_binding", False),
    }
    rules = {f"/{b}": Requirement(binding=b) for b in expected if b is not None}  # type: ignore[arg-type]
    p = pipeline(issuer, rules=rules, **built)
    for binding, values in expected.items():
        assert challenges(p.denial(MissingTokenError(), (None, binding))) == values, binding
        refused = both(p, request(path="/items" if binding is None else f"/{binding}"))
        assert challenges(refused) == values, binding


def test_a_proof_error_is_carried_by_the_dpop_challenge(
    issuer: TokenFactory, bound: str, client_key: DPoPKey
) -> None:
    p = pipeline(issuer, dpop=DPoP())
    wrong = request(headers=client_key.headers("POST", RESOURCE + "/items", bound))
    found = challenges(both(p, wrong))
    assert found[0] == BEARER
    assert found[1].startswith('DPoP realm="api", error="invalid_dpop_proof", error_description=')


def test_a_dpop_request_verifies_and_its_proof_is_used_once(
    issuer: TokenFactory, bound: str, client_key: DPoPKey
) -> None:
    for decide in ("sync", "async"):
        p = pipeline(issuer, dpop=DPoP())
        req = request(headers=client_key.headers("GET", RESOURCE + "/items", bound))
        first = p.decide(req) if decide == "sync" else asyncio.run(p.adecide(req))
        assert isinstance(first, Claims) and first["sub"] == "alice"
        again = p.decide(req) if decide == "sync" else asyncio.run(p.adecide(req))
        assert isinstance(again, Denial), decide
        assert (again.status, again.code) == (401, "invalid_dpop_proof")
        assert json.loads(again.body)["error_description"] == "The DPoP proof was already used."


def test_adecide_awaits_the_key_source_under_a_resource_server(
    issuer: TokenFactory, bound: str, client_key: DPoPKey, clock: FrozenClock
) -> None:
    guard = Guard(AsyncOnlyKeys([issuer.key]), algorithms=["ES256"], audience=RESOURCE, clock=clock)
    p = pipeline(issuer, guard, dpop=DPoP())
    refused = p.decide(request(headers=client_key.headers("GET", RESOURCE + "/items", bound)))
    assert isinstance(refused, Denial) and refused.code == "unknown_key"  # found by awaiting
    req = request(headers=client_key.headers("GET", RESOURCE + "/items", bound))
    found = asyncio.run(p.adecide(req))
    assert isinstance(found, Claims) and found["sub"] == "alice"


def test_a_plain_bearer_token_is_still_a_bearer_token(issuer: TokenFactory) -> None:
    p = pipeline(issuer, dpop=DPoP())
    token = issuer.issue(sub="bob", aud=RESOURCE)
    found = both(p, request(headers=[("Authorization", f"Bearer {token}")]))
    assert isinstance(found, Claims) and found["sub"] == "bob"
    missing = both(p, request())
    assert (missing.status, missing.code) == (401, "missing_token")


def test_an_optional_route_lets_a_request_without_token_through(issuer: TokenFactory) -> None:
    p = pipeline(issuer, dpop=DPoP(), rules={"/open": Requirement(optional=True)})
    assert both(p, request(path="/open")) is None


@pytest.mark.parametrize(
    ("location", "carrier"),
    [
        pytest.param({"cookie": "session"}, ("Cookie", "session=t"), id="cookie"),
        pytest.param({"header": "X-Token"}, ("X-Token", "t"), id="header"),
        pytest.param({"query_param": "token"}, None, id="query"),
    ],
)
def test_a_dpop_token_with_another_token_beside_it_is_refused(
    issuer: TokenFactory,
    bound: str,
    client_key: DPoPKey,
    location: dict[str, str],
    carrier: tuple[str, str] | None,
) -> None:
    p = pipeline(issuer, dpop=DPoP(), **location)
    headers = client_key.headers("GET", RESOURCE + "/items", bound)
    query = "" if carrier is not None else "token=t"
    extra = [] if carrier is None else [carrier]
    refused = both(p, request(headers=[*headers, *extra], query_string=query))
    assert (refused.status, refused.code) == (400, "invalid_request")
    alone = both(p, lambda: request(headers=client_key.headers("GET", RESOURCE + "/items", bound)))
    assert isinstance(alone, Claims)


def test_the_metadata_is_served_on_get_and_head_at_its_full_path(issuer: TokenFactory) -> None:
    p = pipeline(issuer, dpop=DPoP())
    metadata = p.metadata
    assert isinstance(metadata, Denial)
    assert (metadata.status, metadata.code) == (200, "resource_metadata")
    assert dict(metadata.headers) == {
        "Content-Type": "application/json",
        "Content-Length": str(len(metadata.body)),
        "Cache-Control": "public, max-age=3600",
        "Access-Control-Allow-Origin": "*",
    }
    assert json.loads(metadata.body)["bearer_methods_supported"] == ["header"]
    assert json.loads(metadata.body)["resource"] == RESOURCE
    for method in ("GET", "HEAD"):
        assert both(p, request(method, METADATA_PATH)) is metadata
    assert both(p, request("POST", METADATA_PATH)).status == 401
    mounted = request("GET", "/oauth-protected-resource", root_path="/.well-known")
    assert both(p, mounted) is metadata
    assert both(p, request("GET", METADATA_PATH + "/x")).status == 401


def test_the_metadata_names_the_query_when_tokens_may_come_in_it(issuer: TokenFactory) -> None:
    p = pipeline(issuer, dpop=DPoP(), query_param="access_token", resource_name="Café")
    body = json.loads(p.metadata.body)  # type: ignore[union-attr]
    assert body["bearer_methods_supported"] == ["header", "query"]
    assert '"resource_name":"Café"'.encode() in p.metadata.body  # type: ignore[union-attr]
    assert p.metadata.headers[1] == ("Content-Length", str(len(p.metadata.body)))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"serve_metadata": False}, id="not-served"),
        pytest.param({"resource": None}, id="no-resource"),
    ],
)
def test_no_metadata_unless_served(issuer: TokenFactory, options: dict[str, Any]) -> None:
    p = pipeline(issuer, dpop=DPoP(), **options)
    assert p.metadata is None
    assert both(p, request("GET", METADATA_PATH)).status == 401


def test_the_metadata_names_the_guards_issuers(issuer: TokenFactory, clock: FrozenClock) -> None:
    one = issuer.guard(audience=RESOURCE, issuer="https://idp.example")
    for location in ({}, {"query_param": "access_token"}):
        p = pipeline(issuer, one, dpop=DPoP(), **location)
        body = json.loads(p.metadata.body)  # type: ignore[union-attr]
        assert body["authorization_servers"] == ["https://idp.example"], location
    tenants = Guard(
        tenants=[Tenant("https://a.example", issuer.key), Tenant("https://b.example", issuer.key)],
        algorithms=["ES256"],
        audience=RESOURCE,
        clock=clock,
    )
    body = json.loads(pipeline(issuer, tenants, dpop=DPoP()).metadata.body)  # type: ignore[union-attr]
    assert body["authorization_servers"] == ["https://a.example", "https://b.example"]


def test_require_binding_wins_over_a_routes_own_bearer_requirement(
    issuer: TokenFactory, bound: str, client_key: DPoPKey
) -> None:
    """A route may declare its own requirement at decision time (a decorator's), which
    start-up cannot check against require_binding: the one switch still refuses unbound
    tokens there (fail closed), and the challenges say so."""
    p = pipeline(issuer, dpop=DPoP(), require_binding=True)
    token = issuer.issue(sub="bob", aud=RESOURCE)
    route = Requirement(binding="bearer")
    missing = p.decide(request(), route)
    assert challenges(missing) == [DPOP]
    plain = p.decide(request(headers=[("Authorization", f"Bearer {token}")]), route)
    assert isinstance(plain, Denial) and plain.status == 401
    assert b"requires a sender-constrained access token" in plain.body
    assert [c.partition(" ")[0] for c in challenges(plain)] == ["DPoP"]  # no Bearer offered
    proven = p.decide(request(headers=client_key.headers("GET", RESOURCE + "/items", bound)), route)
    assert isinstance(proven, Claims)
    free = pipeline(issuer, dpop=DPoP())  # without the switch, the route's bearer is a choice
    assert isinstance(
        free.decide(request(headers=[("Authorization", f"Bearer {token}")]), route), Claims
    )


def test_each_refusal_and_decision_is_counted_once(
    issuer: TokenFactory, bound: str, client_key: DPoPKey
) -> None:
    p = pipeline(issuer, dpop=DPoP(), cookie="session", adapter="unit", rules=OPTIONAL)
    dpop_headers = client_key.headers("GET", RESOURCE + "/items", bound)
    for req, code in (
        (request(), "missing_token"),
        (request(headers=[*dpop_headers, ("Cookie", "session=t")]), "invalid_request"),
        (request(headers=[("Authorization", "DPoP a b")]), "invalid_request"),
    ):
        for decide in (p.decide, lambda r: asyncio.run(p.adecide(r))):
            before = p.guard.stats().rejected.get(code, 0)
            assert decide(req).code == code
            assert p.guard.stats().rejected[code] == before + 1
    assert both(p, request(path="/open")) is None
    ok = both(p, lambda: request(headers=client_key.headers("GET", RESOURCE + "/items", bound)))
    assert isinstance(ok, Claims)
    counted = {k: n for k, n in p.guard.decisions.snapshot().items() if n}
    assert counted == {
        ("unit", "refused", "missing_token", ""): 2,
        ("unit", "refused", "invalid_request", ""): 4,
        ("unit", "anonymous", "", ""): 2,
        ("unit", "allowed", "", ""): 2,
    }


OPTIONAL = {"/open": Requirement(optional=True)}


def test_a_proof_or_token_refusal_is_counted_once(
    issuer: TokenFactory, bound: str, client_key: DPoPKey
) -> None:
    p = pipeline(issuer, dpop=DPoP())
    wrong_method = request(headers=client_key.headers("POST", RESOURCE + "/items", bound))
    junk = request(headers=[("Authorization", "DPoP not-a-token"), ("DPoP", "x")])
    for req, code in ((wrong_method, "invalid_dpop_proof"), (junk, "malformed")):
        for decide in (p.decide, lambda r: asyncio.run(p.adecide(r))):
            before = p.guard.stats().rejected.get(code, 0)
            assert decide(req).code == code
            assert p.guard.stats().rejected[code] == before + 1


@pytest.mark.parametrize("audience", [None, "https://other.example"], ids=["none", "another"])
def test_a_guard_without_the_resource_as_audience_refuses_to_start(
    issuer: TokenFactory, audience: str | None
) -> None:
    """Without tenants the Guard's own audience is the one checked (RFC 8707)."""
    with pytest.raises(ConfigError, match="audience"):
        pipeline(issuer, issuer.guard(audience=audience))
    assert pipeline(issuer, issuer.guard(audience=RESOURCE)).resource_server is not None


def test_an_allowed_proof_with_an_expiring_nonce_offers_the_next_one(
    issuer: TokenFactory, bound: str, client_key: DPoPKey, clock: FrozenClock
) -> None:
    """RFC 9449 section 8.2: the fresh nonce for the response, through http.dpop_nonce
    (read once), from decide and adecide alike; nothing when the proof's is current."""
    options = DPoP(use_nonce=True, nonce_secret=b"n" * 32, nonce_lifetime=60)
    p = pipeline(issuer, dpop=options)
    assert p.dpop_nonces and not pipeline(issuer, dpop=DPoP()).dpop_nonces
    assert not Pipeline(issuer.guard(audience=RESOURCE)).dpop_nonces
    url = RESOURCE + "/items"
    first = p.decide(request(headers=client_key.headers("GET", url, bound)))
    nonce = dict(first.headers)["DPoP-Nonce"]  # type: ignore[union-attr]
    dpop_nonce()  # nothing from an earlier test
    assert isinstance(
        p.decide(request(headers=client_key.headers("GET", url, bound, nonce=nonce))), Claims
    )
    assert dpop_nonce() is None  # the current one
    clock.advance(60)
    assert isinstance(
        p.decide(request(headers=client_key.headers("GET", url, bound, nonce=nonce))), Claims
    )
    fresh = dpop_nonce()
    assert fresh is not None and fresh != nonce
    assert dpop_nonce() is None  # read once

    async def decided_then_nonce() -> tuple[Any, str | None]:
        headers = client_key.headers("GET", url, bound, nonce=nonce)
        return await p.adecide(request(headers=headers)), dpop_nonce()

    claims, renewed = asyncio.run(decided_then_nonce())
    assert isinstance(claims, Claims) and renewed == fresh
    replayed = client_key.headers("GET", url, bound, nonce=nonce)
    assert isinstance(p.decide(request(headers=replayed)), Claims)
    dpop_nonce()
    assert isinstance(p.decide(request(headers=replayed)), Denial)  # the same proof again
    assert dpop_nonce() is None  # a replayed proof offers nothing


def _on_headers(p: Pipeline, path: str = "/items", *values: str, **options: Any) -> Any:
    raw = [(b"authorization", v.encode()) for v in values]
    return p.decide_on_headers("GET", path, raw, options.get("requirement"), wait=True)


def test_a_cached_bearer_token_takes_the_fast_path_and_nothing_bound_does(
    issuer: TokenFactory, bound: str, client_key: DPoPKey, clock: FrozenClock
) -> None:
    """Under a resource server the Authorization-only path decides a cached Bearer token
    without cnf, counted once, and hands everything else to the full decision."""
    p = pipeline(issuer, dpop=DPoP(), mtls=MTLS(header="X-Client-Cert"), adapter="unit")
    plain = issuer.issue(sub="bob", aud=RESOURCE, scope="read", ttl=60)
    bearer = f"Bearer {plain}"
    wait = Pending.AWAIT
    assert _on_headers(p, "/items", bearer) is wait  # not verified yet: the full way
    assert isinstance(p.decide(request(headers=[("Authorization", bearer)])), Claims)
    assert _on_headers(p, "/items", bearer)["sub"] == "bob"
    assert _on_headers(p, "/items", bearer)["sub"] == "bob"  # remembered
    assert _on_headers(p, "/items", bearer, requirement=Requirement(binding="bearer"))["sub"]
    p.decide(request(headers=[("Authorization", f"Bearer {bound}")]))  # cached, refused
    for values, options in (
        ((f"Bearer {bound}",), {}),  # a downgrade, refused on the full path
        ((f"DPoP {bound}",), {}),
        ((), {}),  # missing: answered on the resource server's challenges
        (("Bearer a b",), {}),
        ((bearer, bearer), {}),
        ((bearer,), {"requirement": Requirement(binding="dpop")}),
        ((bearer,), {"requirement": Requirement(binding="mtls")}),
    ):
        assert _on_headers(p, "/items", *values, **options) is wait, values
    assert _on_headers(p, METADATA_PATH, bearer) is wait
    forbidden = _on_headers(p, "/items", bearer, requirement=Requirement.build("admin"))
    full = p.decide(request(headers=[("Authorization", bearer)]), Requirement.build("admin"))
    assert isinstance(forbidden, Denial) and forbidden.status == 403
    assert (forbidden.headers, forbidden.body) == (full.headers, full.body)  # type: ignore[union-attr]
    counted = {k: n for k, n in p.guard.decisions.snapshot().items() if n}
    assert counted == {
        ("unit", "allowed", "", ""): 4,
        ("unit", "refused", "token_binding", ""): 1,
        ("unit", "refused", "insufficient_scope", ""): 2,
    }
    clock.advance(120)  # expired since it was cached: refused as the full way does
    expired = _on_headers(p, "/items", bearer)
    full = p.decide(request(headers=[("Authorization", bearer)]))
    assert isinstance(expired, Denial) and expired.status == 401
    assert (expired.headers, expired.body) == (full.headers, full.body)  # type: ignore[union-attr]
    assert challenges(expired)[0].startswith('Bearer realm="api", error="invalid_token"')
    assert p.guard.stats().rejected["expired"] == 2  # each refusal counted once, by the Guard


def test_the_fast_path_remembers_only_verified_headers_within_a_bound(
    issuer: TokenFactory,
) -> None:
    p = pipeline(issuer, dpop=DPoP())
    for n in range(20):
        assert _on_headers(p, "/items", f"Bearer junk{n}") is Pending.AWAIT
    # a memory bound has no other observable than the (private) table it bounds
    assert len(p._parsed) == 0

    def cached_then_fast(n: int) -> str:
        header = f"Bearer {issuer.issue(sub=str(n), aud=RESOURCE)}"
        assert isinstance(p.decide(request(headers=[("Authorization", header)])), Claims)
        assert _on_headers(p, "/items", header)["sub"] == str(n)
        return header

    first = cached_then_fast(0)
    cached_then_fast(1)
    assert len(p._parsed) == 2
    for n in range(2, 4096):
        cached_then_fast(n)
    assert len(p._parsed) == 4096  # full
    assert _on_headers(p, "/items", first)["sub"] == "0"  # remembered: nothing stored
    assert len(p._parsed) == 4096
    cached_then_fast(4096)
    assert len(p._parsed) == 1  # cleared when full, then the new one


def test_the_fast_path_takes_a_header_given_as_text(issuer: TokenFactory) -> None:
    p = pipeline(issuer, dpop=DPoP())
    header = f"Bearer {issuer.issue(sub='carol', aud=RESOURCE)}"
    assert p.decide_on_authorization("GET", "/items", header) is Pending.AWAIT  # not cached
    assert isinstance(p.decide(request(headers=[("Authorization", header)])), Claims)
    for given in (header, header.encode()):
        decided = p.decide_on_authorization("GET", "/items", given)
        assert isinstance(decided, Claims) and decided["sub"] == "carol"


@pytest.mark.parametrize("cnf", ["jkt", "x5t#S256"], ids=["dpop-bound", "certificate-bound"])
def test_a_cached_bound_token_sent_as_bearer_is_one_cache_hit(
    issuer: TokenFactory, client_key: DPoPKey, cnf: str
) -> None:
    """The fast path hands a cached cnf token to the full decision without counting it:
    one request (the fast path's AWAIT, then the full decision) is one hit."""
    p = pipeline(issuer, dpop=DPoP(), mtls=MTLS(header="X-Client-Cert"))
    thumbprint = client_key.jkt if cnf == "jkt" else "a" * 43
    token = issuer.issue(sub="alice", aud=RESOURCE, cnf={cnf: thumbprint})
    bearer = request(headers=[("Authorization", f"Bearer {token}")])
    p.decide(bearer)  # a miss: cached, refused
    for _ in range(2):
        hits = p.guard.stats().hits
        assert _on_headers(p, "/items", f"Bearer {token}") is Pending.AWAIT
        refused = p.decide(bearer)
        assert isinstance(refused, Denial)
        assert (refused.status, refused.code) == (401, "token_binding")
        assert json.loads(refused.body)["error"] == "invalid_token"
        assert p.guard.stats().hits == hits + 1
    assert p.guard.stats().misses == 1


def test_a_cached_dpop_bound_token_with_its_proof_is_one_cache_hit(
    issuer: TokenFactory, bound: str, client_key: DPoPKey
) -> None:
    p = pipeline(issuer, dpop=DPoP())
    for hits in (0, 1):  # the first request verifies it, the second is a hit
        headers = client_key.headers("GET", RESOURCE + "/items", bound)
        raw = [(k.lower().encode(), v.encode()) for k, v in headers]
        assert p.decide_on_headers("GET", "/items", raw, wait=True) is Pending.AWAIT
        assert isinstance(p.decide(request(headers=headers)), Claims)
        assert (p.guard.stats().hits, p.guard.stats().misses) == (hits, 1)
