"""The OAuth 2.1 resource server through every adapter: DPoP proofs and their binding,
certificate-bound tokens from a proxy header, per-route policy, the RFC 9449 and
RFC 9728 challenges, nonces and the protected-resource metadata."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from jwtguard.guard import Guard
from jwtguard.http.requirement import Requirement
from jwtguard.keys.thumbprint import certificate_thumbprint
from jwtguard.oauth import DEFAULT_DPOP_ALGORITHMS, MTLS, DPoP, ResourceServer
from jwtguard.revocation import MemoryReplayCache
from jwtguard.testing import DPoPKey, FrozenClock, TokenFactory
from tests.http.certificates import make_certificate

from .conftest import Adapter, Answer

RESOURCE = "https://api.example"
URL = RESOURCE + "/items"
METADATA = "https://api.example/.well-known/oauth-protected-resource"
ALGS = 'algs="ES256 ES384 ES512 EdDSA Ed25519 PS256 PS384 PS512 RS256 RS384 RS512"'


@pytest.fixture
def client_key(clock: FrozenClock) -> DPoPKey:
    return DPoPKey("ES256", clock=clock)


@pytest.fixture
def bound(issuer: TokenFactory, client_key: DPoPKey) -> str:
    return issuer.issue(sub="alice", aud=RESOURCE, scope="read", cnf={"jkt": client_key.jkt})


@pytest.fixture
def plain(issuer: TokenFactory) -> str:
    return issuer.issue(sub="bob", aud=RESOURCE, scope="read")


def server(adapter: Adapter, guard: Guard, **options: Any) -> Callable[..., Answer]:
    rs_options = {k: options.pop(k) for k in list(options) if k in _RS_FIELDS}
    rs = ResourceServer(resource=RESOURCE, origin=RESOURCE, **rs_options)
    return adapter.client(guard, resource_server=rs, **options)


_RS_FIELDS = {"dpop", "mtls", "require_binding", "forwarded", "scopes_supported"}


def dpop(**options: Any) -> DPoP:
    return DPoP(**options)


def _challenges(answer: Answer) -> dict[str, str]:
    """Scheme -> its parameters, whether the challenges came as separate lines or as one
    comma-separated list (Django's response headers hold one value per name)."""
    found = {}
    for value in answer.all("WWW-Authenticate"):
        for challenge in re.split(r", (?=(?:Bearer|DPoP)\b)", value):
            scheme, _, params = challenge.partition(" ")
            found[scheme] = params
    return found


def test_a_dpop_request_is_let_through(
    adapter: Adapter, guard: Guard, bound: str, client_key: DPoPKey
) -> None:
    send = server(adapter, guard, dpop=dpop())
    answer = send("GET", "/items", client_key.headers("GET", URL, bound))
    assert answer.status == 200, answer.body
    assert answer.json() == {"sub": "alice", "authenticated": True}


@pytest.mark.parametrize(
    ("make", "error", "carrier"),
    [
        pytest.param(
            lambda k, t: k.headers("POST", URL, t), "invalid_dpop_proof", "DPoP", id="htm"
        ),
        pytest.param(
            lambda k, t: k.headers("GET", RESOURCE + "/other", t),
            "invalid_dpop_proof",
            "DPoP",
            id="htu",
        ),
        pytest.param(
            lambda k, t: k.headers("GET", "https://evil.example/items", t),
            "invalid_dpop_proof",
            "DPoP",
            id="htu-host",
        ),
        pytest.param(
            lambda k, t: k.headers("GET", URL, t, iat=1_700_000_000 - 600),
            "invalid_dpop_proof",
            "DPoP",
            id="stale",
        ),
        pytest.param(
            lambda k, t: [("Authorization", f"DPoP {t}"), ("DPoP", k.proof("GET", URL, "other"))],
            "invalid_dpop_proof",
            "DPoP",
            id="ath-mismatch",
        ),
        pytest.param(
            lambda k, t: DPoPKey("ES256", clock=FrozenClock()).headers("GET", URL, t),
            "invalid_token",
            "DPoP",
            id="key-swapped",
        ),
        pytest.param(
            lambda k, t: [("Authorization", f"DPoP {t}")],
            "invalid_dpop_proof",
            "DPoP",
            id="no-proof",
        ),
        pytest.param(
            lambda k, t: [*k.headers("GET", URL, t), ("DPoP", k.proof("GET", URL, t))],
            "invalid_dpop_proof",
            "DPoP",
            id="two-proofs",
        ),
        pytest.param(
            lambda k, t: [("Authorization", f"Bearer {t}")],
            "invalid_token",
            "Bearer",
            id="downgrade",
        ),
        pytest.param(
            lambda k, t: [("Authorization", f"Bearer {t}"), ("DPoP", k.proof("GET", URL, t))],
            "invalid_token",
            "Bearer",
            id="downgrade-with-proof",
        ),
    ],
)
def test_bad_proofs_are_refused_with_the_rfc_9449_challenge(
    adapter: Adapter,
    guard: Guard,
    bound: str,
    client_key: DPoPKey,
    make: Callable[[DPoPKey, str], list[tuple[str, str]]],
    error: str,
    carrier: str,
) -> None:
    send = server(adapter, guard, dpop=dpop())
    answer = send("GET", "/items", make(client_key, bound))
    assert answer.status == 401, answer.body
    assert answer.json()["error"] == error
    challenges = _challenges(answer)
    assert set(challenges) == {"Bearer", "DPoP"}
    assert f'error="{error}"' in challenges[carrier]
    assert "error=" not in challenges[({"Bearer", "DPoP"} - {carrier}).pop()]
    assert ALGS in challenges["DPoP"]
    assert all(f'resource_metadata="{METADATA}"' in c for c in challenges.values())


@pytest.mark.parametrize("credential", ["DPoP", "DPoP a b", "dpop  "])
def test_a_malformed_dpop_credential_is_refused_on_the_dpop_challenge(
    adapter: Adapter, guard: Guard, bound: str, client_key: DPoPKey, credential: str
) -> None:
    send = server(adapter, guard, dpop=dpop())
    proof = ("DPoP", client_key.proof("GET", URL, bound))
    answer = send("GET", "/items", [("Authorization", credential), proof])
    assert answer.status == 400, answer.body
    assert answer.json()["error"] == "invalid_request"
    challenges = _challenges(answer)
    assert 'error="invalid_request"' in challenges["DPoP"]
    assert "error=" not in challenges["Bearer"]


def test_a_replayed_proof_is_refused(
    adapter: Adapter, guard: Guard, bound: str, client_key: DPoPKey, clock: FrozenClock
) -> None:
    # one cache for the pipelines a test harness may rebuild per request (DRF's does)
    send = server(adapter, guard, dpop=dpop(replay=MemoryReplayCache(clock=clock)))
    headers = client_key.headers("GET", URL, bound)
    assert send("GET", "/items", headers).status == 200
    replayed = send("GET", "/items", headers)
    assert replayed.status == 401
    assert replayed.json() == {
        "error": "invalid_dpop_proof",
        "error_description": "The DPoP proof was already used.",
    }
    assert send("GET", "/items", client_key.headers("GET", URL, bound)).status == 200


def test_an_unbound_token_cannot_use_the_dpop_scheme(
    adapter: Adapter, guard: Guard, plain: str, client_key: DPoPKey
) -> None:
    answer = server(adapter, guard, dpop=dpop())(
        "GET", "/items", client_key.headers("GET", URL, plain)
    )
    assert answer.status == 401
    assert answer.json()["error_description"] == "The access token is not DPoP-bound."


def test_without_dpop_configured_a_dpop_bound_token_is_refused(
    adapter: Adapter, guard: Guard, bound: str
) -> None:
    send = adapter.client(guard)  # no resource server at all
    answer = send("GET", "/items", [("Authorization", f"Bearer {bound}")])
    assert answer.status == 401
    assert answer.json()["error"] == "invalid_token"
    again = send("GET", "/items", [("Authorization", f"Bearer {bound}")])  # the fast path too
    assert again.status == 401


def test_a_missing_token_gets_both_challenges(adapter: Adapter, guard: Guard) -> None:
    answer = server(adapter, guard, dpop=dpop())("GET", "/items")
    assert answer.status == 401
    assert _challenges(answer) == {
        "Bearer": f'realm="api", resource_metadata="{METADATA}"',
        "DPoP": f'realm="api", {ALGS}, resource_metadata="{METADATA}"',
    }


def test_require_binding_refuses_plain_bearer_tokens(
    adapter: Adapter, guard: Guard, plain: str, bound: str, client_key: DPoPKey
) -> None:
    send = server(adapter, guard, dpop=dpop(), require_binding=True)
    refused = send("GET", "/items", [("Authorization", f"Bearer {plain}")])
    assert refused.status == 401
    assert (
        refused.json()["error_description"]
        == "This resource requires a sender-constrained access token."
    )
    assert set(_challenges(refused)) == {"DPoP"}
    assert send("GET", "/items", client_key.headers("GET", URL, bound)).status == 200


def test_per_route_policy(
    adapter: Adapter, guard: Guard, plain: str, bound: str, client_key: DPoPKey
) -> None:
    rules = {"/dpop/*": Requirement(binding="dpop"), "/open/*": Requirement(binding="bearer")}
    send = server(adapter, guard, dpop=dpop(), rules=rules)
    assert send("GET", "/open/x", [("Authorization", f"Bearer {plain}")]).status == 200
    needs = send("GET", "/dpop/x", [("Authorization", f"Bearer {plain}")])
    assert needs.status == 401
    assert set(_challenges(needs)) == {"DPoP"}
    assert (
        send("GET", "/dpop/x", client_key.headers("GET", RESOURCE + "/dpop/x", bound)).status == 200
    )


def test_the_nonce_round_trip(
    adapter: Adapter, guard: Guard, bound: str, client_key: DPoPKey
) -> None:
    send = server(adapter, guard, dpop=dpop(use_nonce=True, nonce_secret=b"n" * 32))
    first = send("GET", "/items", client_key.headers("GET", URL, bound))
    assert first.status == 401
    assert 'error="use_dpop_nonce"' in _challenges(first)["DPoP"]
    nonce = first.header("DPoP-Nonce")
    assert nonce
    second = send("GET", "/items", client_key.headers("GET", URL, bound, nonce=nonce))
    assert second.status == 200, second.body


def test_an_allowed_response_renews_a_nonce_about_to_expire(
    adapter: Adapter, guard: Guard, bound: str, client_key: DPoPKey, clock: FrozenClock
) -> None:
    options = {"use_nonce": True, "nonce_secret": b"n" * 32, "nonce_lifetime": 60}
    rules = {"/admin/*": Requirement.build("admin")}
    send = server(adapter, guard, dpop=dpop(**options), rules=rules)
    nonce = send("GET", "/items", client_key.headers("GET", URL, bound)).header("DPoP-Nonce")
    current = send("GET", "/items", client_key.headers("GET", URL, bound, nonce=nonce))
    assert current.status == 200, current.body
    assert current.header("DPoP-Nonce") is None  # the proof's nonce is the current one
    clock.advance(60)  # the next step: the nonce is still accepted, for this step only
    renewed = send("GET", "/items", client_key.headers("GET", URL, bound, nonce=nonce))
    assert renewed.status == 200, renewed.body
    fresh = renewed.header("DPoP-Nonce")
    assert fresh and fresh != nonce
    again = send("GET", "/items", client_key.headers("GET", URL, bound, nonce=fresh))
    assert again.status == 200, again.body
    assert again.header("DPoP-Nonce") is None
    refused = send("GET", "/items", client_key.headers("POST", URL, bound, nonce=nonce))
    assert refused.status == 401
    assert refused.header("DPoP-Nonce") is None  # a refusal hands out nothing
    admin = RESOURCE + "/admin/x"
    forbidden = send("GET", "/admin/x", client_key.headers("GET", admin, bound, nonce=nonce))
    assert forbidden.status == 403  # the proof passed, the scope did not
    assert forbidden.header("DPoP-Nonce") is None
    after = send("GET", "/items", client_key.headers("GET", URL, bound, nonce=fresh))
    assert after.header("DPoP-Nonce") is None  # nothing left over from the refusal


def test_the_protected_resource_metadata(adapter: Adapter, guard: Guard) -> None:
    send = server(adapter, guard, dpop=dpop(), scopes_supported=("read", "write"))
    if adapter.name == "drf":  # no middleware: the documented view serves it
        send = _drf_metadata(adapter, guard, dpop=dpop(), scopes_supported=("read", "write"))
    answer = send("GET", "/.well-known/oauth-protected-resource")
    assert answer.status == 200
    assert answer.header("Content-Type") == "application/json"
    assert answer.json() == {
        "resource": RESOURCE,
        "scopes_supported": ["read", "write"],
        "bearer_methods_supported": ["header"],
        "dpop_signing_alg_values_supported": list(DEFAULT_DPOP_ALGORITHMS),
        "dpop_bound_access_tokens_required": False,
    }
    assert send("POST", "/.well-known/oauth-protected-resource").status in (401, 404)


def _drf_metadata(adapter: Adapter, guard: Guard, **options: Any) -> Callable[..., Answer]:
    from django.test import override_settings

    from jwtguard.adapters.django import protected_resource_metadata

    from .conftest import DjangoAdapter, _django_answer

    class MetadataAdapter(DjangoAdapter):
        view = staticmethod(protected_resource_metadata)

    rs = ResourceServer(resource=RESOURCE, origin=RESOURCE, **options)
    overrides = MetadataAdapter(lambda: guard).settings(guard, resource_server=rs)
    overrides["MIDDLEWARE"] = []
    client = adapter.build(guard)

    def send(method: str, path: str, headers: Any = ()) -> Answer:
        with override_settings(**overrides):
            return _django_answer(client.generic(method, path))

    return send


XFCC = "x-forwarded-client-cert"


def test_certificate_bound_tokens_from_envoy(
    adapter: Adapter, guard: Guard, issuer: TokenFactory
) -> None:
    pem, _ = make_certificate("client")
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    token = issuer.issue(sub="carol", aud=RESOURCE, cnf={"x5t#S256": certificate_thumbprint(pem)})
    send = server(adapter, guard, mtls=MTLS(header=XFCC, header_format="xfcc"))
    auth = ("Authorization", f"Bearer {token}")
    good = send(
        "GET", "/items", [auth, (XFCC, f"By=spiffe://x;Hash={hashlib.sha256(der).hexdigest()}")]
    )
    assert good.status == 200, good.body
    other = hashlib.sha256(b"another certificate").hexdigest()
    wrong = send("GET", "/items", [auth, (XFCC, f"Hash={other}")])
    assert wrong.status == 401
    assert (
        wrong.json()["error_description"]
        == "The client certificate does not match the access token."
    )
    assert send("GET", "/items", [auth]).status == 401
    no_mtls = server(adapter, guard, dpop=dpop())("GET", "/items", [auth])
    assert (
        no_mtls.json()["error_description"]
        == "Certificate-bound access tokens are not accepted here."
    )


@pytest.mark.parametrize(
    "cnf",
    [{"jwk": {"kty": "EC"}}, "text", {}, {"jkt": 5}, {"x5t#S256": "a", "kid": "b"}],
    ids=["jwk-method", "not-object", "empty", "jkt-number", "extra-member"],
)
def test_a_confirmation_jwtguard_cannot_check_is_refused(
    adapter: Adapter, guard: Guard, issuer: TokenFactory, cnf: Any
) -> None:
    token = issuer.issue(sub="dave", aud=RESOURCE, cnf=cnf)
    answer = server(adapter, guard, dpop=dpop())(
        "GET", "/items", [("Authorization", f"Bearer {token}")]
    )
    assert answer.status == 401
    assert answer.json()["error"] == "invalid_token"
