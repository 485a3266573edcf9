"""Guard: round trips per algorithm, the verified-token cache, counters, configuration errors."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from jwtguard import Claims, ConfigError, Guard, Key, KeySet, TokenError
from jwtguard.testing import FrozenClock, TokenFactory, generate_key, public_pem

ALGORITHMS = ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA"]


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_round_trip_with_every_algorithm(alg: str, clock: FrozenClock) -> None:
    factory = TokenFactory.for_algorithm(alg, clock=clock, kid="k")
    token = factory.issue(sub="7", aud="api")
    claims = factory.guard(audience="api").verify(token)
    assert claims["sub"] == "7"
    if not alg.startswith("HS"):
        verifier = Guard(public_pem(factory.key), algorithms=[alg], audience="api", clock=clock)
        assert verifier.verify(token)["sub"] == "7"
        with pytest.raises(TokenError) as info:
            verifier.verify(token[:-6] + ("AAAAAA" if token[-6:] != "AAAAAA" else "BBBBBB"))
        assert info.value.code in {"invalid_signature", "malformed"}


def test_issue_adds_registered_claims_from_the_policy(clock: FrozenClock) -> None:
    guard = Guard(b"k" * 32, algorithms=["HS256"], audience="api", issuer="me", clock=clock)
    claims = guard.verify(guard.issue({"sub": "1"}, ttl=60))
    assert claims["exp"] == claims["iat"] + 60 == clock.now + 60
    assert claims["nbf"] == claims["iat"]
    assert (claims["aud"], claims["iss"]) == ("api", "me")
    assert isinstance(claims.jti, str) and len(claims.jti) >= 20
    assert guard.verify(guard.issue({"sub": "1"})).jti != claims.jti


def test_public_key_guard_needs_a_signing_key_to_issue(clock: FrozenClock) -> None:
    private = generate_key("ES256")
    guard = Guard(public_pem(private), algorithms=["ES256"], clock=clock)
    with pytest.raises(ConfigError, match="signing_key"):
        guard.issue({"sub": "1"})
    signer = Guard(public_pem(private), algorithms=["ES256"], clock=clock, signing_key=private)
    assert guard.verify(signer.issue({"sub": "1"}))["sub"] == "1"


# -- the verified-token cache --------------------------------------------------------------


def test_a_hit_returns_the_same_claims_without_verifying_again(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    first = guard.verify(token)
    assert guard.verify(token) is first
    stats = guard.stats()
    assert (stats.hits, stats.misses, stats.cache_size) == (1, 1, 1)


def test_an_entry_never_outlives_exp(factory: TokenFactory, clock: FrozenClock) -> None:
    guard = factory.guard(leeway=5)
    token = factory.issue(sub="1", ttl=60)
    guard.verify(token)
    clock.advance(64)
    assert guard.verify(token)["sub"] == "1"
    clock.advance(1)  # exp + leeway reached
    with pytest.raises(TokenError) as info:
        guard.verify(token)
    assert info.value.code == "expired"


def test_cache_ttl_bounds_an_entry(factory: TokenFactory, clock: FrozenClock) -> None:
    guard = factory.guard(cache_ttl=10)
    token = factory.issue(sub="1", ttl=600)
    guard.verify(token)
    clock.advance(11)
    assert guard.verify(token)["sub"] == "1"
    assert guard.stats().misses == 2


def test_key_change_drops_the_cache(clock: FrozenClock) -> None:
    old = TokenFactory.hs256(clock=clock, kid="old")
    keys = KeySet([old.key])
    guard = Guard(keys, algorithms=["HS256"], clock=clock)
    token = old.issue(sub="1")
    guard.verify(token)
    keys.replace([generate_key("HS256", kid="new")])
    assert guard.stats().cache_size == 0
    with pytest.raises(TokenError) as info:
        guard.verify(token)
    assert info.value.code == "unknown_key"


def test_failures_are_not_cached(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "E")
    for _ in range(3):
        with pytest.raises(TokenError):
            guard.verify(tampered)
    assert guard.stats().cache_size == 0
    assert guard.stats().rejected["invalid_signature"] == 3


def test_a_tampered_token_never_hits_its_valid_twin(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    guard.verify(token)
    head, payload, sig = token.split(".")
    for forged in (f"{head}.{payload}.{sig[:-2]}AA", f"{head}.{payload}X.{sig}", token + " "):
        with pytest.raises(TokenError):
            guard.verify(forged)


def test_not_yet_valid_tokens_are_not_cached(factory: TokenFactory, clock: FrozenClock) -> None:
    guard = factory.guard()
    token = factory.issue({"nbf": clock.now + 30}, sub="1")
    with pytest.raises(TokenError):
        guard.verify(token)
    clock.advance(30)
    assert guard.verify(token)["sub"] == "1"


def test_cache_disabled(factory: TokenFactory) -> None:
    guard = factory.guard(cache_size=0)
    token = factory.issue(sub="1")
    assert guard.verify(token) is not guard.verify(token)
    assert guard.stats().cache_size == 0


def test_cache_is_bounded_and_keeps_hot_entries(factory: TokenFactory) -> None:
    guard = factory.guard(cache_size=100)
    hot = factory.issue(sub="hot")
    hot_claims = guard.verify(hot)
    for i in range(1000):
        guard.verify(factory.issue(sub=str(i)))
        assert guard.verify(hot) is hot_claims or guard.stats().cache_size <= 100
    assert guard.stats().cache_size <= 100
    before = guard.stats().misses
    assert guard.verify(hot) is hot_claims
    assert guard.stats().misses == before


class Revoked:
    def __init__(self) -> None:
        self.jtis: set[str] = set()
        self.calls = 0

    def is_revoked(self, claims: Claims) -> bool:
        self.calls += 1
        return claims.jti in self.jtis


def test_revocation_is_consulted_on_hits(factory: TokenFactory) -> None:
    store = Revoked()
    guard = factory.guard(revocation=store)
    token = factory.issue(sub="1")
    claims = guard.verify(token)
    guard.verify(token)
    assert store.calls == 2
    store.jtis.add(str(claims.jti))
    with pytest.raises(TokenError) as info:
        guard.verify(token)
    assert info.value.code == "revoked"
    assert guard.stats().cache_size == 0


def test_forget_and_forget_where(factory: TokenFactory) -> None:
    guard = factory.guard()
    tokens = [factory.issue(sub=s) for s in ("a", "a", "b")]
    for t in tokens:
        guard.verify(t)
    guard.forget(tokens[2])
    assert guard.stats().cache_size == 2
    assert guard.forget_where(lambda c: c["sub"] == "a") == 2
    assert guard.stats().cache_size == 0


def test_concurrent_verification_from_many_threads(factory: TokenFactory) -> None:
    guard = factory.guard(cache_size=64)
    tokens = [factory.issue(sub=str(i)) for i in range(200)]
    bad = [t[:-3] + "abc" for t in tokens[:20]]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(offset: int) -> None:
        barrier.wait()
        try:
            for i in range(1500):
                token = tokens[(i * 7 + offset) % len(tokens)]
                assert guard.verify(token)["sub"] == token_subjects[token]
                if i % 50 == 0:
                    with pytest.raises(TokenError):
                        guard.verify(bad[i % len(bad)])
        except BaseException as exc:
            errors.append(exc)

    token_subjects = {t: str(i) for i, t in enumerate(tokens)}
    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    stats = guard.stats()
    assert stats.cache_size <= 64
    assert len(guard._cache._lru) == stats.cache_size
    assert set(guard._cache.entries) == set(guard._cache._lru)
    assert stats.hits + stats.misses == 8 * 1500 + 8 * 30  # 30 refused tokens per thread
    assert stats.rejected == {"invalid_signature": 8 * 30}


async def test_averify(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    results = await asyncio.gather(*(guard.averify(token) for _ in range(10)))
    assert {r["sub"] for r in results} == {"1"}
    with pytest.raises(TokenError):
        await guard.averify("garbage")


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"algorithms": []}, "mandatory", id="empty-allow-list"),
        pytest.param({"algorithms": ["none"]}, "'none' is never allowed", id="none"),
        pytest.param({"algorithms": ["HS256", "NONE"]}, "'none'", id="none-upper"),
        pytest.param({"algorithms": ["HS999"]}, "unknown algorithm", id="unknown"),
        pytest.param({"leeway": -1}, "leeway", id="negative-leeway"),
        pytest.param({"leeway": float("nan")}, "leeway", id="nan-leeway"),
        pytest.param({"audience": [""]}, "audience", id="empty-audience"),
        pytest.param({"max_token_bytes": 10}, "max_token_bytes", id="tiny-max"),
        pytest.param({"cache_size": -1}, "cache_size", id="negative-cache"),
        pytest.param({"cache_ttl": 0}, "cache_ttl", id="zero-cache-ttl"),
        pytest.param({"clock": 5}, "clock", id="clock-not-callable"),
        pytest.param({"algorithms": ["RS256"]}, "HMAC algorithms", id="secret-with-rs256"),
        pytest.param({"algorithms": ["HS256", "RS256"]}, "mixed", id="mixed-families"),
    ],
)
def test_configuration_errors(kwargs: dict[str, Any], message: str) -> None:
    options: dict[str, Any] = {"algorithms": ["HS256"], **kwargs}
    with pytest.raises(ConfigError, match=message):
        Guard(b"k" * 32, **options)


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as info:
        Guard(b"k" * 32, algorithms=["none"], leeway=-1, audience=[""])
    assert len(info.value.problems) == 3


def test_pem_with_hmac_algorithm_is_refused() -> None:
    pem = public_pem(generate_key("RS256"))
    with pytest.raises(ConfigError, match="never an HMAC secret"):
        Guard(pem, algorithms=["HS256"])


def test_key_without_usable_algorithm_is_refused() -> None:
    with pytest.raises(ConfigError, match="no configured key"):
        Guard(Key.from_secret(b"k" * 64, "HS512"), algorithms=["HS256"])


def test_guard_accepts_jwk_and_jwks_dicts(clock: FrozenClock) -> None:

    factory = TokenFactory.for_algorithm("ES256", clock=clock, kid="k1")
    jwk = Key.from_crypto(factory.key.to_crypto(private=True), "ES256", kid="k1").to_jwk()
    token = factory.issue(sub="1")
    assert Guard(jwk, algorithms=["ES256"], clock=clock).verify(token)["sub"] == "1"
    guard = Guard({"keys": [jwk]}, algorithms=["ES256"], clock=clock)
    assert guard.verify(token)["sub"] == "1"


def test_repr_never_shows_the_secret() -> None:
    secret = "correct-horse-battery-staple-0123456789"
    assert secret not in repr(Guard(secret, algorithms=["HS256"]))


class BrokenChecker:
    def __init__(self) -> None:
        self.broken = False

    def is_revoked(self, claims: Claims) -> bool:
        if self.broken:
            raise ConnectionError("store down")
        return False


def test_a_raising_revocation_checker_fails_closed_as_unavailable(factory: TokenFactory) -> None:
    checker = BrokenChecker()
    guard = factory.guard(revocation=checker)
    cached = factory.issue(sub="1")
    guard.verify(cached)
    checker.broken = True
    for token in (cached, factory.issue(sub="2")):  # a cache hit, then a first verification
        with pytest.raises(TokenError) as info:
            guard.verify(token)
        assert info.value.code == "revocation_unavailable"
        assert info.value.status_code == 503


def test_generated_jtis_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 in 64 base64url strings starts with '-', which a command line reads as an option."""
    from jwtguard import issuer

    drawn = iter(["-starts-with-dash-xxxx", "Fine-jti-0123456789ab"])
    monkeypatch.setattr(issuer.secrets, "token_urlsafe", lambda n: next(drawn))
    assert issuer.new_jti() == "Fine-jti-0123456789ab"
