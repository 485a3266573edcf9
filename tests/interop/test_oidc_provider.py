"""jwtguard in front of panva's oidc-provider: RFC 9068 JWT access tokens, discovery, rotation.

The provider runs on loopback (tests/interop/node/provider.mjs) and issues access tokens
by the client_credentials grant, signed with the keys and algorithm each test gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from jwtguard import (
    Guard,
    InvalidAudienceError,
    InvalidSignatureError,
    InvalidTypeError,
    JWKSOptions,
    RemoteKeySet,
    Tenant,
    TokenError,
    UnknownIssuerError,
    UnknownKeyError,
)

from .conftest import AUDIENCE, Jose, OidcProvider

ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]
OPTIONS = JWKSOptions(allow_insecure_http=True, cooldown=0)


@pytest.fixture
def remote() -> Iterator[Callable[..., RemoteKeySet]]:
    made: list[RemoteKeySet] = []

    def make(issuer: str, algorithms: list[str]) -> RemoteKeySet:
        keys = RemoteKeySet(issuer=issuer, algorithms=algorithms, options=OPTIONS)
        made.append(keys)
        return keys

    yield make
    for keys in made:
        keys.close()


def _guard(keys: RemoteKeySet, provider: OidcProvider, algorithms: list[str]) -> Guard:
    return Guard(
        keys, algorithms=algorithms, audience=AUDIENCE, issuer=provider.issuer, typ="at+jwt"
    )


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_access_tokens_verify_through_discovery(
    alg: str,
    jose: Jose,
    oidc_provider: Callable[..., OidcProvider],
    remote: Callable[..., RemoteKeySet],
) -> None:
    private, _ = jose.generate(alg, kid=f"{alg}-1")
    provider = oidc_provider([private], alg)
    guard = _guard(remote(provider.issuer, [alg]), provider, [alg])
    token = provider.token(scope="read write")
    claims = guard.verify(token)
    assert claims["client_id"] == "interop"
    assert claims.scopes == {"read", "write"}
    assert claims["iss"] == provider.issuer and claims["aud"] == AUDIENCE
    head, body, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(InvalidSignatureError):
        guard.verify(f"{head}.{body}.{flipped}")


def test_discovery_of_a_provider_mounted_under_a_path(
    jose: Jose, oidc_provider: Callable[..., OidcProvider], remote: Callable[..., RemoteKeySet]
) -> None:
    private, _ = jose.generate("RS256", kid="realm-key")
    provider = oidc_provider([private], "RS256", path="/realms/acme")
    assert provider.issuer.endswith("/realms/acme")
    keys = remote(provider.issuer, ["RS256"])
    keys.preload()
    assert keys.kids == ("realm-key",)
    assert _guard(keys, provider, ["RS256"]).verify(provider.token())["sub"] == "interop"


def test_the_guard_enforces_its_policy_on_real_tokens(
    jose: Jose, oidc_provider: Callable[..., OidcProvider], remote: Callable[..., RemoteKeySet]
) -> None:
    private, _ = jose.generate("ES256", kid="p")
    provider = oidc_provider([private], "ES256")
    keys = remote(provider.issuer, ["ES256"])
    token = provider.token()
    other_api = Guard(keys, algorithms=["ES256"], audience="urn:other", issuer=provider.issuer)
    with pytest.raises(InvalidAudienceError):
        other_api.verify(token)
    id_token_typ = Guard(
        keys, algorithms=["ES256"], audience=AUDIENCE, issuer=provider.issuer, typ="JWT"
    )
    with pytest.raises(InvalidTypeError):
        id_token_typ.verify(token)


def test_rotation_new_kid_added_then_old_removed(
    jose: Jose, oidc_provider: Callable[..., OidcProvider], remote: Callable[..., RemoteKeySet]
) -> None:
    old, _ = jose.generate("RS256", kid="2025")
    provider = oidc_provider([old], "RS256")
    keys = remote(provider.issuer, ["RS256"])
    guard = _guard(keys, provider, ["RS256"])
    before = provider.token()
    assert guard.verify(before)["sub"] == "interop"

    new, _ = jose.generate("RS256", kid="2026")
    provider.use_keys([new, old])  # the new key signs; the old one is still published
    after = provider.token()
    assert guard.verify(after)["sub"] == "interop"  # unknown kid: one fetch finds it
    assert guard.verify(before)["sub"] == "interop"
    assert set(keys.kids) == {"2025", "2026"}

    provider.use_keys([new])  # the old key is withdrawn
    keys.refresh()
    with pytest.raises(UnknownKeyError):
        guard.verify(before)  # was cached: the removal dropped the cache
    assert guard.verify(after)["sub"] == "interop"


def test_rotation_same_kid_rekeyed(
    jose: Jose, oidc_provider: Callable[..., OidcProvider], remote: Callable[..., RemoteKeySet]
) -> None:
    first, _ = jose.generate("ES384", kid="signing")
    provider = oidc_provider([first], "ES384")
    keys = remote(provider.issuer, ["ES384"])
    guard = _guard(keys, provider, ["ES384"])
    before = provider.token()
    assert guard.verify(before)["sub"] == "interop"

    second, _ = jose.generate("ES384", kid="signing")
    provider.use_keys([second])
    keys.refresh()
    with pytest.raises(InvalidSignatureError):
        guard.verify(before)
    assert guard.verify(provider.token())["sub"] == "interop"


def test_two_provider_instances_as_two_tenants(
    jose: Jose, oidc_provider: Callable[..., OidcProvider], remote: Callable[..., RemoteKeySet]
) -> None:
    key_a, _ = jose.generate("RS256", kid="shared-kid")
    key_b, _ = jose.generate("ES256", kid="shared-kid")  # the same kid at both: iss decides
    a = oidc_provider([key_a], "RS256", path="/tenant-a")
    b = oidc_provider([key_b], "ES256", path="/tenant-b")
    guard = Guard(
        tenants=[
            Tenant(a.issuer, remote(a.issuer, ["RS256"])),
            Tenant(b.issuer, remote(b.issuer, ["ES256"]), audience=AUDIENCE),
        ],
        algorithms=["RS256", "ES256"],
        audience=AUDIENCE,
        typ="at+jwt",
    )
    token_a, token_b = a.token(), b.token()
    assert guard.verify(token_a)["iss"] == a.issuer
    assert guard.verify(token_b)["iss"] == b.issuer

    # tenant A's key signing a token that claims to come from tenant B
    claims_b = dict(guard.verify(token_b))
    forged = jose.sign("RS256", key_a, claims_b, header={"typ": "at+jwt"})
    with pytest.raises(TokenError) as refused:
        guard.verify(forged)
    assert refused.value.code == "unknown_key"  # B's keys have no RS256 key
    resigned = jose.sign("ES256", key_b, {**claims_b, "iss": a.issuer}, header={"typ": "at+jwt"})
    with pytest.raises(TokenError) as refused:
        guard.verify(resigned)  # B's key claiming A: A's keys are RSA
    assert refused.value.code == "unknown_key"

    stranger = jose.sign(
        "RS256",
        key_a,
        {**claims_b, "iss": "http://127.0.0.1:1/other"},
        header={"typ": "at+jwt"},
    )
    with pytest.raises(UnknownIssuerError) as unknown:
        guard.verify(stranger)
    assert unknown.value.code == "unknown_issuer"

    stats = guard.stats()
    assert stats.tenants[a.issuer].verified == 1
    assert stats.tenants[b.issuer].verified == 1  # the second time was a cache hit
    assert stats.tenants[b.issuer].rejected == {"unknown_key": 1}
    assert stats.tenants[a.issuer].rejected == {"unknown_key": 1}
    assert stats.rejected["unknown_issuer"] == 1
    health = guard.health()
    assert set(health) == {a.issuer, b.issuer}
    assert all(h is not None and h.ready for h in health.values())
