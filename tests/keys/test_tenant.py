"""Keys bound to issuers: several tenants, each with its own key source and audience."""

from __future__ import annotations

import pytest

from jwtguard import (
    ConfigError,
    Guard,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidSignatureError,
    MissingClaimError,
    RemoteKeySet,
    Tenant,
    TokenIssuer,
    UnknownIssuerError,
    UnknownKeyError,
)
from jwtguard.testing import FakeIdentityProvider, FrozenClock, encode_unchecked, generate_key

A, B = "https://a.example", "https://b.example"


@pytest.fixture
def keys() -> dict[str, object]:
    return {A: generate_key("ES256", kid="k"), B: generate_key("ES256", kid="k")}


def _guard(keys: dict[str, object], clock: FrozenClock, **options: object) -> Guard:
    return Guard(
        tenants=[Tenant(A, keys[A]), Tenant(B, keys[B], audience="b-api")],
        algorithms=["ES256"],
        audience="api",
        clock=clock,
        **options,
    )


def _issue(key: object, clock: FrozenClock, **claims: object) -> str:
    return TokenIssuer(key, "ES256", clock=clock).issue(claims)  # type: ignore[arg-type]


def test_the_token_issuer_selects_the_keys_and_the_audience(
    keys: dict[str, object], clock: FrozenClock
) -> None:
    guard = _guard(keys, clock)
    assert guard.verify(_issue(keys[A], clock, iss=A, aud="api"))["iss"] == A
    assert guard.verify(_issue(keys[B], clock, iss=B, aud="b-api"))["iss"] == B
    with pytest.raises(InvalidAudienceError):
        guard.verify(_issue(keys[B], clock, iss=B, aud="api"))  # B has its own audience
    assert set(guard.tenants) == {A, B}
    assert guard.tenants[B].audience == ("b-api",)
    assert repr(guard) == f"Guard(algorithms=['ES256'], tenants={[A, B]!r})"


def test_a_tenant_key_cannot_sign_for_another_tenant(
    keys: dict[str, object], clock: FrozenClock
) -> None:
    guard = _guard(keys, clock)
    with pytest.raises(InvalidSignatureError):  # same kid, same alg: B's key is what counts
        guard.verify(_issue(keys[A], clock, iss=B, aud="b-api"))
    stats = guard.stats()
    assert stats.tenants[B].rejected == {"invalid_signature": 1}
    assert stats.tenants[A].rejected == {}


def test_unknown_missing_and_odd_issuers(keys: dict[str, object], clock: FrozenClock) -> None:
    guard = _guard(keys, clock)
    with pytest.raises(UnknownIssuerError) as unknown:
        guard.verify(_issue(keys[A], clock, iss="https://c.example", aud="api"))
    assert (unknown.value.code, unknown.value.claim) == ("unknown_issuer", "iss")
    assert "c.example" not in str(unknown.value)
    with pytest.raises(UnknownIssuerError):
        guard.verify(_issue(keys[A], clock, iss=A + "/", aud="api"))  # exact match only
    with pytest.raises(MissingClaimError):
        guard.verify(_issue(keys[A], clock, aud="api"))
    odd = {"iss": [A], "aud": "api", "exp": clock() + 60}  # the issuer refuses to sign this
    with pytest.raises(InvalidClaimError):
        guard.verify(encode_unchecked({"alg": "ES256", "kid": "k"}, odd, keys[A]))  # type: ignore[arg-type]
    assert guard.stats().rejected == {"unknown_issuer": 2, "missing_claim": 1, "invalid_claim": 1}


async def test_averify_selects_tenants_too(keys: dict[str, object], clock: FrozenClock) -> None:
    guard = _guard(keys, clock)
    assert (await guard.averify(_issue(keys[A], clock, iss=A, aud="api")))["iss"] == A
    with pytest.raises(UnknownIssuerError):
        await guard.averify(_issue(keys[A], clock, iss="https://c.example", aud="api"))


def test_tenant_configuration_errors(keys: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as info:
        Guard(keys[A], tenants=[Tenant(A, keys[A])], algorithms=["ES256"])
    assert "give key or tenants, not both" in str(info.value)
    with pytest.raises(ConfigError, match="twice"):
        Guard(tenants=[Tenant(A, keys[A]), Tenant(A, keys[B])], algorithms=["ES256"])
    with pytest.raises(ConfigError, match="issuer"):
        Guard(tenants=[Tenant(A, keys[A])], algorithms=["ES256"], issuer=A)
    with pytest.raises(ConfigError, match="no key"):
        Guard(algorithms=["ES256"])
    with pytest.raises(ConfigError, match=r"tenant 'https://a\.example'"):
        Guard(tenants=[Tenant(A, keys[A])], algorithms=["RS256"])
    with pytest.raises(ConfigError, match="issuer"):
        Tenant("", keys[A])


def test_discovered_tenants_have_their_own_health(clock: FrozenClock) -> None:
    with (
        FakeIdentityProvider("ES256", clock=clock, issuer_path="/a") as a,
        FakeIdentityProvider("RS256", clock=clock, issuer_path="/b") as b,
    ):
        from jwtguard import JWKSOptions

        options = JWKSOptions(allow_insecure_http=True)
        guard = Guard(
            tenants=[
                Tenant.discover(a.issuer, algorithms=["ES256"], options=options, clock=clock),
                Tenant.discover(b.issuer, algorithms=["RS256"], options=options, clock=clock),
            ],
            algorithms=["ES256", "RS256"],
            audience="api",
            clock=clock,
        )
        assert isinstance(guard.tenants[a.issuer].keys, RemoteKeySet)
        assert guard.verify(a.issue(sub="1"))["sub"] == "1"
        health = guard.health()
        assert health[a.issuer] is not None and health[a.issuer].ready  # type: ignore[union-attr]
        assert health[b.issuer] is not None and not health[b.issuer].ready  # type: ignore[union-attr]
        assert b.count("jwks") == 0  # nothing fetched for a tenant nobody used
        with pytest.raises(UnknownKeyError):
            guard.verify(a.issue(sub="1", iss=b.issuer))
        assert guard.stats().tenants[a.issuer].verified == 1
        for tenant in guard.tenants.values():
            tenant.keys.close()  # type: ignore[attr-defined]
