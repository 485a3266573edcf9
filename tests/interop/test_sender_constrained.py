"""Sender-constrained tokens from panva's oidc-provider, with proofs from independent
clients, verified through every adapter: DPoP-bound tokens (RFC 9449) requested and proved
by panva's ``dpop`` (npm) and by ``pydpop`` (PyPI), certificate-bound tokens (RFC 8705);
replayed, re-targeted, stale, key-swapped and ath-mismatched proofs refused."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from pydpop.jwk import generate_key, jwk_thumbprint, public_jwk
from pydpop.proof import generate_proof

from jwtguard import Guard, JWKSOptions, RemoteKeySet
from jwtguard.keys.thumbprint import certificate_thumbprint
from jwtguard.oauth import MTLS, DPoP, ResourceServer
from jwtguard.revocation import MemoryReplayCache
from jwtguard.testing import FrozenClock
from tests.adapters.conftest import ADAPTERS, Adapter, Answer
from tests.http.certificates import make_certificate

from .conftest import AUDIENCE, Jose, NodeService, OidcProvider

ORIGIN = "https://api.example"
URL = ORIGIN + "/items"
CERT_HEADER = "x-ssl-client-cert"


@pytest.fixture(scope="module")
def provider(jose: Jose) -> Iterator[OidcProvider]:
    private, _ = jose.generate("ES256", kid="rs-interop")
    service = NodeService(
        "provider.mjs", {"keys": [private], "alg": "ES256", "audience": AUDIENCE, "path": ""}
    )
    try:
        yield OidcProvider(service)
    finally:
        service.stop()


@pytest.fixture(scope="module")
def keys(provider: OidcProvider) -> Iterator[RemoteKeySet]:
    remote = RemoteKeySet(
        issuer=provider.issuer, algorithms=["ES256"], options=JWKSOptions(allow_insecure_http=True)
    )
    yield remote
    remote.close()


@pytest.fixture
def live_clock() -> FrozenClock:
    """The real time, moved only when a test says (the provider's tokens carry real times)."""
    return FrozenClock(time.time())


@pytest.fixture(params=ADAPTERS, ids=lambda cls: cls.name)
def send_factory(
    request: pytest.FixtureRequest,
    keys: RemoteKeySet,
    provider: OidcProvider,
    live_clock: FrozenClock,
) -> Callable[..., Callable[..., Answer]]:
    def make(**resource: Any) -> Callable[..., Answer]:
        guard = Guard(
            keys, algorithms=["ES256"], audience=AUDIENCE, issuer=provider.issuer,
            typ="at+jwt", clock=live_clock, leeway=5,
        )  # fmt: skip
        adapter: Adapter = request.param(lambda **kw: guard)
        rs = ResourceServer(origin=ORIGIN, **resource)
        return adapter.client(guard, resource_server=rs)

    return make


def _error(answer: Answer) -> str:
    assert answer.status == 401, (answer.status, answer.body)
    return str(answer.json()["error"])


def test_dpop_tokens_and_proofs_from_panvas_dpop(
    provider: OidcProvider,
    send_factory: Callable[..., Callable[..., Answer]],
    live_clock: FrozenClock,
) -> None:
    # one replay cache for the pipelines DRF's test harness rebuilds per request
    replay = MemoryReplayCache(clock=live_clock)
    send = send_factory(dpop=DPoP(algorithms=("ES256", "Ed25519"), replay=replay))
    token, key, jkt = provider.dpop_token(scope="read")
    auth = ("Authorization", f"DPoP {token}")

    def proof(htm: str = "GET", htu: str = URL, access_token: str | None = token) -> str:
        return provider.proof(key, htm, htu, access_token)

    good = proof()
    answer = send("GET", "/items", [auth, ("DPoP", good)])
    assert answer.status == 200, answer.body
    assert answer.json()["sub"] == "interop"  # client_credentials: sub is the client
    assert _error(send("GET", "/items", [auth, ("DPoP", good)])) == "invalid_dpop_proof"
    assert (
        _error(send("GET", "/items", [auth, ("DPoP", proof(htm="POST"))])) == "invalid_dpop_proof"
    )
    retargeted = proof(htu=ORIGIN + "/admin")
    assert _error(send("GET", "/items", [auth, ("DPoP", retargeted)])) == "invalid_dpop_proof"
    other = proof(access_token="a-different-access-token")
    assert _error(send("GET", "/items", [auth, ("DPoP", other)])) == "invalid_dpop_proof"
    _, other_key, _ = provider.dpop_token()
    swapped = provider.proof(other_key, "GET", URL, token)
    assert _error(send("GET", "/items", [auth, ("DPoP", swapped)])) == "invalid_token"
    downgrade = send("GET", "/items", [("Authorization", f"Bearer {token}")])
    assert _error(downgrade) == "invalid_token"
    stale = proof()
    live_clock.advance(120)  # the proof's iat is now two minutes old; the token still valid
    refused = send("GET", "/items", [auth, ("DPoP", stale)])
    assert _error(refused) == "invalid_dpop_proof"
    assert any("DPoP" in v and "invalid_dpop_proof" in v for v in refused.all("WWW-Authenticate"))
    assert jkt  # bound by the provider to the key panva's dpop made


def test_dpop_tokens_and_proofs_from_pydpop(
    provider: OidcProvider, send_factory: Callable[..., Callable[..., Answer]]
) -> None:
    send = send_factory(dpop=DPoP())
    client_key = generate_key("ES256")
    token_request = generate_proof(
        private_key=client_key, htm="POST", htu=f"{provider.issuer}/token"
    )
    response = httpx.post(
        f"{provider.issuer}/token",
        data={"grant_type": "client_credentials", "client_id": "interop",
              "client_secret": "interop-secret", "scope": "read"},
        headers={"DPoP": token_request},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"
    token = response.json()["access_token"]
    proof = generate_proof(private_key=client_key, htm="GET", htu=URL, access_token=token)
    answer = send("GET", "/items", [("Authorization", f"DPoP {token}"), ("DPoP", proof)])
    assert answer.status == 200, answer.body
    thief = generate_key("ES256")
    assert jwk_thumbprint(public_jwk(thief)) != jwk_thumbprint(public_jwk(client_key))
    stolen = generate_proof(private_key=thief, htm="GET", htu=URL, access_token=token)
    assert _error(
        send("GET", "/items", [("Authorization", f"DPoP {token}"), ("DPoP", stolen)])
    ) == ("invalid_token")


def test_certificate_bound_tokens(
    provider: OidcProvider, send_factory: Callable[..., Callable[..., Answer]]
) -> None:
    send = send_factory(mtls=MTLS(header=CERT_HEADER))
    pem, _ = make_certificate("interop-client")
    token = provider.mtls_token(pem)
    auth = ("Authorization", f"Bearer {token}")
    answer = send("GET", "/items", [auth, (CERT_HEADER, quote(pem))])
    assert answer.status == 200, answer.body
    other, _ = make_certificate("someone-else")
    assert _error(send("GET", "/items", [auth, (CERT_HEADER, quote(other))])) == "invalid_token"
    assert _error(send("GET", "/items", [auth])) == "invalid_token"
    assert certificate_thumbprint(pem)  # what the provider bound (cnf x5t#S256)
