"""Guard: round trips per algorithm, the verified-token cache, counters, configuration errors."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from jwtguard import (
    Claims,
    ConfigError,
    Guard,
    GuardStats,
    Key,
    KeySet,
    Tenant,
    TokenError,
    TokenIssuer,
)
from jwtguard._values import kid_fingerprint
from jwtguard.errors import MalformedTokenError, RevocationUnavailableError
from jwtguard.policy import DEFAULT_MAX_TOKEN_BYTES
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


def test_a_subclass_that_overrides_verify_is_the_one_called(factory: TokenFactory) -> None:
    seen: list[str | bytes] = []

    class Auditing(Guard):
        def verify(self, token: str | bytes) -> Claims:
            seen.append(token)
            return super().verify(token)

    guard = Auditing(factory.key, algorithms=["HS256"], clock=factory.clock)
    token = factory.issue(sub="1")
    assert guard.verify(token) is guard.verify(token)
    assert seen == [token, token]
    assert guard.stats().hits == 1


def test_no_cached_claims_can_be_changed_for_the_next_hit(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1", roles=["reader"], org={"id": 7, "teams": ["a"]})
    claims = guard.verify(token)
    attempts = [
        lambda: claims.update(sub="admin"),
        lambda: claims["org"].update(id=1),
        lambda: claims["org"].__setitem__("id", 1),
        lambda: claims["roles"].append("admin"),  # type: ignore[attr-defined]
        lambda: claims["org"]["teams"].append("root"),
    ]
    for attempt in attempts:
        with pytest.raises((TypeError, AttributeError)):
            attempt()
    again = guard.verify(token)
    assert again is claims and guard.stats().hits == 1
    assert again.to_dict()["roles"] == ["reader"] and again["org"] == {"id": 7, "teams": ("a",)}


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


# -- defaults ---------------------------------------------------------------------------------


def test_default_leeway_is_zero(factory: TokenFactory, clock: FrozenClock) -> None:
    guard = Guard(factory.key, algorithms=["HS256"], clock=clock)
    with pytest.raises(TokenError) as info:
        guard.verify(factory.issue(sub="1", ttl=0))  # exp == now
    assert info.value.code == "expired"


@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_default_size_cap_is_inclusive(
    factory: TokenFactory, clock: FrozenClock, as_bytes: bool
) -> None:
    cap = DEFAULT_MAX_TOKEN_BYTES
    guard = Guard(factory.key, algorithms=["HS256"], clock=clock)
    token = factory.issue(sub="1", pad="")
    pad = "x" * ((cap - len(token)) * 3 // 4)  # base64url: 4 characters per 3 bytes
    while len(token := factory.issue(sub="1", pad=pad)) < cap:
        pad += "x"
    assert len(token) == cap
    too_long = token + "A"  # the size is checked before anything is decoded
    assert guard.verify(token.encode() if as_bytes else token)["sub"] == "1"
    with pytest.raises(TokenError) as info:
        guard.verify(too_long.encode() if as_bytes else too_long)
    assert info.value.code == "token_too_large"


def test_default_cache_size_is_ten_thousand(factory: TokenFactory) -> None:
    guard = Guard(factory.key, algorithms=["HS256"], clock=factory.clock)
    for n in range(10_001):
        guard.verify(factory.issue(sub=str(n)))
    assert guard.stats().cache_size == 10_000


def test_issued_tokens_live_900_seconds_by_default(clock: FrozenClock) -> None:
    guard = Guard(b"k" * 32, algorithms=["HS256"], clock=clock)
    claims = guard.verify(guard.issue({"sub": "1"}))
    assert claims["exp"] - claims["iat"] == 900
    assert guard.issuer is guard.issuer  # built once


def test_guard_stats_defaults_and_immutability() -> None:
    stats = GuardStats(1, 2)
    assert (stats.rejected, stats.cache_size, stats.tenants, stats.evictions) == ({}, 0, {}, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.hits = 3  # type: ignore[misc]
    assert not hasattr(stats, "__dict__")


@pytest.mark.parametrize(
    ("cache_ttl", "accepted"),
    [(0.5, True), (86400, True), (0, False), (-1, False), (math.inf, False), ("60", False)],
)
def test_cache_ttl_must_be_a_positive_finite_number(cache_ttl: Any, accepted: bool) -> None:
    if accepted:
        Guard(b"k" * 32, algorithms=["HS256"], cache_ttl=cache_ttl)
        return
    with pytest.raises(ConfigError, match="cache_ttl"):
        Guard(b"k" * 32, algorithms=["HS256"], cache_ttl=cache_ttl)


def test_a_key_set_needs_only_one_key_for_an_allowed_algorithm() -> None:
    keys = KeySet([generate_key("HS256", kid="h"), generate_key("ES256", kid="e")])
    assert Guard(keys, algorithms=["ES256"]).keys is keys


# -- the cache: hits, recency, TTL --------------------------------------------------------------


def _hit(guard: Guard, path: str) -> Any:
    """A cache hit the way ``path`` takes it: ``verify``, or the cache-only look-up."""
    if path != "cache-lookup":
        return guard.verify
    lookup = guard.cache_lookup(lambda token: token, lambda: None)
    assert lookup is not None
    return lookup


@pytest.mark.parametrize(
    "path",
    ["hot-path", "revocation-checked", "cache-lookup"],  # a Guard's ways to a hit
)
def test_a_hit_is_promoted_only_when_it_drifted_towards_eviction(
    factory: TokenFactory, path: str
) -> None:
    # promotion after 4 // 2 = 2 newer entries
    guard = factory.guard(
        cache_size=4, revocation=Revoked() if path == "revocation-checked" else None
    )
    hit = _hit(guard, path)
    a, b, c, d, e = (factory.issue(sub=s) for s in "abcde")
    for token in (a, b, c):
        guard.verify(token)
    assert hit(a)  # a's stamp equals promote_below (tick 3 - 2): on the threshold, not moved
    for token in (d, e):
        guard.verify(token)  # e evicts the least recent, which is still a
    guard.verify(a)
    assert (guard.stats().hits, guard.stats().misses) == (1, 6)


@pytest.mark.parametrize("path", ["hot-path", "revocation-checked", "cache-lookup"])
def test_a_hot_entry_survives_a_stream_of_new_tokens(factory: TokenFactory, path: str) -> None:
    guard = factory.guard(
        cache_size=4, revocation=Revoked() if path == "revocation-checked" else None
    )
    hit = _hit(guard, path)
    hot = factory.issue(sub="hot")
    guard.verify(hot)
    for n in range(20):
        guard.verify(factory.issue(sub=str(n)))
        assert hit(hot), n
    assert guard.stats().hits == 20


def test_the_cache_lookup_answers_live_hits_only_and_counts_them(
    factory: TokenFactory, clock: FrozenClock
) -> None:
    guard = factory.guard(cache_ttl=10)
    token = factory.issue(sub="1")
    remembered = {"header": token}
    counted: list[int] = []
    lookup = guard.cache_lookup(remembered.get, lambda: counted.append(1))
    assert lookup is not None
    assert lookup("header") is None  # not verified yet
    claims = guard.verify(token)
    assert lookup("another header") is None  # no token remembered under it
    clock.advance(9)
    assert lookup("header") is claims
    assert (counted, guard.stats().hits) == ([1], 1)
    clock.advance(1)  # the entry holds until now, exclusive: no longer a hit
    assert lookup("header") is None
    assert (counted, guard.stats().hits, guard.stats().misses) == ([1], 1, 1)  # nothing counted


def test_cache_ttl_serves_hits_until_it_elapses(factory: TokenFactory, clock: FrozenClock) -> None:
    guard = factory.guard(cache_ttl=10)
    token = factory.issue(sub="1")
    guard.verify(token)
    clock.advance(9)
    guard.verify(token)
    assert guard.stats().hits == 1
    clock.advance(1)
    guard.verify(token)
    assert (guard.stats().hits, guard.stats().misses) == (1, 2)


def test_clear_cache_forces_a_new_verification(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    guard.verify(token)
    guard.clear_cache()
    guard.verify(token)
    assert (guard.stats().hits, guard.stats().misses, guard.stats().cache_size) == (0, 2, 1)


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=lambda w: w.__name__)
def test_a_binary_token_hits_the_entry_of_its_text(factory: TokenFactory, wrap: Any) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    claims = guard.verify(token)
    assert guard.verify(wrap(token.encode())) is claims
    assert (guard.stats().hits, guard.stats().misses) == (1, 1)


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=lambda w: w.__name__)
def test_a_binary_token_verifies_on_its_own(factory: TokenFactory, wrap: Any) -> None:
    guard = factory.guard()
    assert guard.verify(wrap(factory.issue(sub="1").encode()))["sub"] == "1"
    assert (guard.stats().hits, guard.stats().misses) == (0, 1)


# -- failures: counted once, typed, logged by type only -------------------------------------------


def test_a_refused_binary_token_is_counted_once(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    with pytest.raises(TokenError):
        guard.verify((token[:-4] + "AAAA").encode())
    assert guard.stats().rejected == {"invalid_signature": 1}


@pytest.mark.parametrize(
    "token", [["a", "list"], {"a": "dict"}, {"set"}, 42, None], ids=lambda t: type(t).__name__
)
def test_anything_that_is_not_a_token_is_malformed_counted_and_not_logged(
    factory: TokenFactory, token: Any, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    with caplog.at_level(logging.DEBUG, logger="jwtguard"), pytest.raises(MalformedTokenError):
        guard.verify(token)
    assert guard.stats().rejected == {"malformed": 1}
    assert caplog.records == []  # the caller's mistake, not an internal error


def _failing_clock(error: Exception) -> Any:
    def clock() -> float:
        raise error

    return clock


@pytest.mark.parametrize(
    ("broken_clock", "name"),
    [
        pytest.param(lambda: None, "TypeError", id="type-error"),
        pytest.param(_failing_clock(ZeroDivisionError("secret 1700000000")), "ZeroDivisionError"),
    ],
)
@pytest.mark.parametrize("call", ["verify", "averify"])
async def test_an_internal_failure_is_malformed_and_logged_by_type_only(
    factory: TokenFactory,
    caplog: pytest.LogCaptureFixture,
    broken_clock: Any,
    name: str,
    call: str,
) -> None:
    guard = Guard(
        factory.key if call == "verify" else AsyncOnlyKeys([factory.key]),
        algorithms=["HS256"],
        clock=broken_clock,
    )
    token = factory.issue(sub="1")

    async def attempt() -> Claims:
        return guard.verify(token) if call == "verify" else await guard.averify(token)

    with caplog.at_level(logging.ERROR, logger="jwtguard"), pytest.raises(MalformedTokenError):
        await attempt()
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("jwtguard", f"jwtguard: unexpected {name} while verifying a token")
    ]
    assert guard.stats().rejected == {"malformed": 1}


def test_a_raising_revocation_checker_is_logged_by_type_only(
    factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    checker = BrokenChecker()
    checker.broken = True
    guard = factory.guard(revocation=checker)
    with caplog.at_level(logging.ERROR, logger="jwtguard"), pytest.raises(TokenError):
        guard.verify(factory.issue(sub="1"))
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("jwtguard", "jwtguard: the revocation checker raised ConnectionError")
    ]


class UnavailableChecker:
    def is_revoked(self, claims: Claims) -> bool:
        raise RevocationUnavailableError(retry_after=7)


def test_a_token_error_from_the_checker_passes_through_unchanged(factory: TokenFactory) -> None:
    guard = factory.guard(revocation=UnavailableChecker())
    with pytest.raises(RevocationUnavailableError) as info:
        guard.verify(factory.issue(sub="1"))
    assert info.value.retry_after == 7
    assert guard.stats().rejected == {"revocation_unavailable": 1}


def test_record_reject_counts_each_call() -> None:
    guard = Guard(b"k" * 32, algorithms=["HS256"])
    guard.record_reject("insufficient_scope")
    guard.record_reject("insufficient_scope")
    guard.record_reject("csrf")
    assert guard.stats().rejected == {"insufficient_scope": 2, "csrf": 1}


# -- averify with a key source that needs I/O ------------------------------------------------


class AsyncOnlyKeys(KeySet):
    """A key source whose keys are only found by awaiting (as a remote set before its fetch)."""

    def find(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        return ()

    async def afind(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        return super().find(kid, algorithm)


async def test_averify_awaits_the_key_source_then_answers_hits_from_the_cache(
    factory: TokenFactory,
) -> None:
    guard = Guard(AsyncOnlyKeys([factory.key]), algorithms=["HS256"], clock=factory.clock)
    token = factory.issue(sub="1")
    first = await guard.averify(token)
    assert await guard.averify(token) is first
    assert await guard.averify(token.encode()) is first
    assert (guard.stats().hits, guard.stats().misses) == (2, 1)
    with pytest.raises(TokenError) as info:
        guard.verify(factory.issue(sub="2"))  # the sync path cannot wait for the keys
    assert info.value.code == "unknown_key"


async def test_averify_counts_refusals(factory: TokenFactory) -> None:
    guard = Guard(AsyncOnlyKeys([factory.key]), algorithms=["HS256"], clock=factory.clock)
    with pytest.raises(TokenError) as info:
        await guard.averify(factory.issue(sub="1")[:-4] + "AAAA")
    assert info.value.code == "invalid_signature"
    with pytest.raises(MalformedTokenError):
        await guard.averify(["not", "a", "token"])  # type: ignore[arg-type]
    assert guard.stats().rejected == {"invalid_signature": 1, "malformed": 1}


def test_from_env_reads_a_dotenv_file_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"JWTGUARD_SECRET_KEY={'d' * 32}\n")
    guard = Guard.from_env({})
    assert guard.verify(Guard(b"d" * 32, algorithms=["HS256"]).issue({"sub": "1"}))["sub"] == "1"


def test_may_wait_only_with_a_key_source_that_fetches(factory: TokenFactory) -> None:
    assert factory.guard().may_wait is False
    assert Guard(AsyncOnlyKeys([factory.key]), algorithms=["HS256"]).may_wait is True


def test_has_cached_tells_whether_a_token_is_answered_from_the_cache(
    factory: TokenFactory,
) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    assert guard.has_cached(token) is False
    guard.verify(token)
    assert guard.has_cached(token) is True
    assert guard.has_cached(["unhashable"]) is False  # type: ignore[arg-type]
    guard.clear_cache()
    assert guard.has_cached(token) is False


def test_cached_claims_looks_without_counting_or_checking(
    factory: TokenFactory, clock: FrozenClock
) -> None:
    guard = factory.guard(revocation=Revoked())
    token = factory.issue(sub="1", ttl=60)
    assert guard.cached_claims(token) is None
    claims = guard.verify(token)
    clock.advance(120)  # expired: verify refuses it, the look still finds what was cached
    assert guard.cached_claims(token) is claims
    assert guard.cached_claims(token.encode()) is None  # the cache is keyed by text
    assert guard.cached_claims(["unhashable"]) is None  # type: ignore[arg-type]
    assert (guard.stats().hits, guard.stats().misses, guard.stats().rejected) == (0, 1, {})


# -- tenants: the guard's own paths (selection itself: tests/keys/test_tenant.py) -------------

ISS_SYNC, ISS_ASYNC = "https://static.example", "https://remote.example"


def _tenant_guard(clock: FrozenClock) -> tuple[Guard, Key, Key, KeySet]:
    static_key, remote_key = generate_key(kid="s"), generate_key(kid="r")
    static_keys = KeySet([static_key])
    guard = Guard(
        tenants=[Tenant(ISS_SYNC, static_keys), Tenant(ISS_ASYNC, AsyncOnlyKeys([remote_key]))],
        algorithms=["HS256"],
        clock=clock,
    )
    return guard, static_key, remote_key, static_keys


def _issued(key: Key, clock: FrozenClock, issuer: str) -> str:
    return TokenIssuer(key, "HS256", clock=clock).issue({"sub": "1", "iss": issuer})


async def test_averify_awaits_each_tenant_only_when_its_keys_need_it(clock: FrozenClock) -> None:
    guard, static_key, remote_key, _ = _tenant_guard(clock)
    assert guard.may_wait is False  # no key source of its own; a tenant's may wait
    assert (await guard.averify(_issued(remote_key, clock, ISS_ASYNC)))["iss"] == ISS_ASYNC
    assert (await guard.averify(_issued(static_key, clock, ISS_SYNC)))["iss"] == ISS_SYNC
    with pytest.raises(TokenError) as info:
        guard.verify(_issued(remote_key, clock, ISS_ASYNC))  # the sync path cannot wait
    assert info.value.code == "unknown_key"


async def test_averify_counts_a_tenants_refusals_under_that_tenant(clock: FrozenClock) -> None:
    guard, _, remote_key, _ = _tenant_guard(clock)
    forged = _issued(generate_key(kid="r"), clock, ISS_ASYNC)
    with pytest.raises(TokenError) as info:
        await guard.averify(forged)
    assert info.value.code == "invalid_signature"
    stats = guard.stats()
    assert stats.tenants[ISS_ASYNC].rejected == {"invalid_signature": 1}
    assert stats.tenants[ISS_SYNC].rejected == {}
    await guard.averify(_issued(remote_key, clock, ISS_ASYNC))
    assert guard.stats().tenants[ISS_ASYNC].verified == 1


def test_a_change_of_a_tenants_keys_clears_the_cache(clock: FrozenClock) -> None:
    guard, static_key, _, static_keys = _tenant_guard(clock)
    guard.verify(_issued(static_key, clock, ISS_SYNC))
    assert guard.stats().cache_size == 1
    static_keys.replace([static_key])
    assert guard.stats().cache_size == 0


def test_a_guard_without_tenants_has_none_to_report() -> None:
    guard = Guard(b"k" * 32, algorithms=["HS256"])
    assert guard.tenants == {}
    assert guard.health() == {}
    assert guard.stats().tenants == {}


def test_generated_jtis_never_start_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 in 64 base64url strings starts with '-', which a command line reads as an option."""
    from jwtguard import issuer

    drawn = iter(["-starts-with-dash-xxxx", "Fine-jti-0123456789ab"])
    monkeypatch.setattr(issuer.secrets, "token_urlsafe", lambda n: next(drawn))
    assert issuer.new_jti() == "Fine-jti-0123456789ab"


def test_stats_count_evictions(factory: TokenFactory) -> None:
    guard = factory.guard(cache_size=1)
    for sub in ("a", "b", "c"):
        guard.verify(factory.issue(sub=sub))
    assert guard.stats().evictions == 2


def test_listeners_hear_each_full_verification_only(
    factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    heard: list[tuple[float, bool]] = []
    guard.add_verification_listener(lambda seconds, ok: heard.append((seconds, ok)))
    token = factory.issue(sub="a")
    guard.verify(token)
    guard.verify(token)  # a cache hit: not heard
    with pytest.raises(TokenError):
        guard.verify(factory.issue(sub="b", exp=1))
    assert [ok for _, ok in heard] == [True, False]
    assert all(0 <= seconds < 60 for seconds, _ in heard)

    def broken(seconds: float, ok: bool) -> None:
        raise RuntimeError("never decides a request")

    guard.add_verification_listener(broken)
    with caplog.at_level(logging.ERROR, logger="jwtguard"):
        assert guard.verify(factory.issue(sub="c"))["sub"] == "c"
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("jwtguard", "jwtguard: a verification listener raised RuntimeError")
    ]
    assert heard[-1][1] is True
    guard.remove_verification_listener(broken)
    guard.remove_verification_listener(broken)  # not there: no error
    caplog.clear()
    before = len(heard)
    with caplog.at_level(logging.ERROR, logger="jwtguard"):
        guard.verify(factory.issue(sub="d"))
    assert (len(heard), caplog.records) == (before + 1, [])
    with pytest.raises(ConfigError) as info:
        guard.add_verification_listener("not callable")  # type: ignore[arg-type]
    assert str(info.value) == "listener: must be callable"


class Parts:
    """A revocation checker and a key source that record how they were closed."""

    def __init__(self, factory: TokenFactory, revocation: type, keys: type) -> None:
        self.calls: list[str] = []
        self.revocation = revocation(self.calls, "revocation")
        self.keys = keys(self.calls, [factory.key])


class SyncClosing:
    def __init__(self, calls: list[str], name: str) -> None:
        self.calls, self.name = calls, name

    def is_revoked(self, claims: Any) -> bool:
        return False

    def close(self) -> None:
        self.calls.append(f"close {self.name}")


class AsyncClosing(SyncClosing):
    async def aclose(self) -> None:
        self.calls.append(f"aclose {self.name}")

    async def close(self) -> None:  # type: ignore[override]
        self.calls.append(f"async close {self.name}")


class AwaitableClose(SyncClosing):
    def close(self) -> Any:  # type: ignore[override]
        self.calls.append(f"close {self.name}")

        async def done() -> None:
            self.calls.append(f"awaited {self.name}")

        return done()


class NotClosing:
    def __init__(self, calls: list[str], name: str) -> None:
        pass

    def is_revoked(self, claims: Any) -> bool:
        return False


class ClosingKeys(KeySet):
    def __init__(self, calls: list[str], keys: list[Key]) -> None:
        super().__init__(keys)
        self.calls = calls

    def close(self) -> None:
        self.calls.append("close keys")


def guard_of(parts: Parts) -> Guard:
    return Guard(parts.keys, algorithms=["HS256"], revocation=parts.revocation)


def test_close_closes_the_store_and_the_key_source(factory: TokenFactory) -> None:
    parts = Parts(factory, SyncClosing, ClosingKeys)
    guard_of(parts).close()
    assert parts.calls == ["close revocation", "close keys"]
    without = Parts(factory, NotClosing, ClosingKeys)  # a store without close: the keys still
    with guard_of(without):
        pass
    assert without.calls == ["close keys"]


def test_close_refuses_a_part_that_closes_asynchronously(factory: TokenFactory) -> None:
    parts = Parts(factory, AsyncClosing, ClosingKeys)
    with pytest.raises(ConfigError) as info:
        guard_of(parts).close()
    assert str(info.value) == "AsyncClosing closes asynchronously: use aclose()"
    assert parts.calls == []


async def test_aclose_awaits_what_closes_asynchronously(factory: TokenFactory) -> None:
    parts = Parts(factory, AsyncClosing, ClosingKeys)
    await guard_of(parts).aclose()
    assert parts.calls == ["aclose revocation", "close keys"]
    awaitable = Parts(factory, AwaitableClose, ClosingKeys)
    async with guard_of(awaitable):
        pass
    assert awaitable.calls == ["close revocation", "awaited revocation", "close keys"]
    none = Parts(factory, NotClosing, ClosingKeys)
    await guard_of(none).aclose()
    assert none.calls == ["close keys"]


def test_a_refusal_after_the_header_names_the_kid_by_its_fingerprint(factory: TokenFactory) -> None:
    guard = Guard(Key.from_secret(b"k" * 40, ["HS256"], kid="mine"), algorithms=["HS256"])
    stranger = Guard(Key.from_secret(b"s" * 40, ["HS256"], kid="theirs"), algorithms=["HS256"])
    with pytest.raises(TokenError) as info:
        guard.verify(stranger.issue({"sub": "1"}))
    assert (info.value.code, info.value.kid) == ("unknown_key", kid_fingerprint("theirs"))
    with pytest.raises(TokenError) as info:
        guard.verify("not.a.token")
    assert info.value.kid is None


def test_a_claim_with_a_lone_surrogate_is_kept_as_sent(factory: TokenFactory) -> None:
    """Valid JSON (RFC 8259 section 8.2): the claim is the sender's, as a DPoP proof's
    ``jti`` is (tests/oauth/test_dpop.py); revocation stores encode it losslessly."""
    token = factory.issue(sub="\ud800", jti="\udc00\ud800")
    claims = factory.guard().verify(token)
    assert (claims["sub"], claims.jti) == ("\ud800", "\udc00\ud800")  # lone, in either order


class OwnVerify(Guard):
    """A subclass whose verify must run on every hit (the cache-only look-up would skip it)."""

    def verify(self, token: str | bytes) -> Any:
        return super().verify(token)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda f: f.guard(revocation=Revoked()), id="revocation"),
        pytest.param(lambda f: f.guard(cache_size=0), id="no-cache"),
        pytest.param(
            lambda f: OwnVerify(f.key, algorithms=["HS256"], clock=f.clock), id="subclass"
        ),
    ],
)
def test_no_cache_lookup_where_verify_must_run_on_every_hit(
    factory: TokenFactory, make: Any
) -> None:
    guard = make(factory)
    guard.verify(factory.issue(sub="1"))
    assert guard.cache_lookup(lambda key: key, lambda: None) is None
    assert factory.guard().cache_lookup(lambda key: key, lambda: None) is not None
