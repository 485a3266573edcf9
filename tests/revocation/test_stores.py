"""Behaviour every revocation store shares, run against memory and a real Redis."""

from __future__ import annotations

import time
from typing import Any

import pytest

from jwtguard import Guard, RevokedTokenError
from jwtguard.protocols import AsyncRevocationStore, RevocationChecker, RevocationStore
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("valkey", marks=pytest.mark.redis),
    ]
)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def flavour(kind: str) -> str:
    """The server flavour for ``redis_server`` (overrides the parametrised one)."""
    return kind


@pytest.fixture
def real_clock() -> FrozenClock:
    """A pinned clock set to real time: Redis expires keys on its own clock."""
    return FrozenClock(time.time())


@pytest.fixture
def make_store(kind: str, request: pytest.FixtureRequest, real_clock: FrozenClock) -> Any:
    if kind == "memory":
        return lambda **options: MemoryRevocationStore(clock=real_clock, **options)
    factory = request.getfixturevalue("redis_store_factory")
    return lambda **options: factory(clock=real_clock, **options)


@pytest.fixture
def tokens(real_clock: FrozenClock) -> TokenFactory:
    return TokenFactory.hs256(clock=real_clock)


def test_is_every_protocol(make_store: Any) -> None:
    store = make_store()
    assert isinstance(store, RevocationChecker)
    assert isinstance(store, RevocationStore)
    assert isinstance(store, AsyncRevocationStore)


def test_revoked_token_refused_on_the_very_next_request_even_when_cached(
    make_store: Any, tokens: TokenFactory
) -> None:
    store = make_store()
    guard = tokens.guard(revocation=store)
    token, other = tokens.issue(sub="u1"), tokens.issue(sub="u1")
    claims = guard.verify(token)
    guard.verify(token)
    assert guard.stats().hits == 1  # it is cached
    assert store.revoke(claims.jti, claims["exp"]) is True
    with pytest.raises(RevokedTokenError):
        guard.verify(token)
    assert guard.verify(other)["sub"] == "u1"
    assert store.is_jti_revoked(claims.jti)
    assert store.check(claims)
    assert not store.is_jti_revoked("never-revoked")


def test_revoke_reports_whether_it_was_new(make_store: Any, real_clock: FrozenClock) -> None:
    store = make_store()
    exp = real_clock() + 60
    assert store.revoke("j-1", exp) is True
    assert store.revoke("j-1", exp) is False
    assert store.revoke("j-2", exp) is True


def test_subject_revocation_cuts_off_by_iat(
    make_store: Any, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = make_store()
    guard = tokens.guard(revocation=store, cache_size=0)
    old = tokens.issue(sub="alice", iat=int(real_clock()) - 100)
    bob = tokens.issue(sub="bob", iat=int(real_clock()) - 100)
    guard.verify(old)
    store.revoke_subject("alice", issued_before=real_clock() - 50)
    with pytest.raises(RevokedTokenError):
        guard.verify(old)
    assert guard.verify(tokens.issue(sub="alice"))["sub"] == "alice"  # issued after the cut-off
    assert guard.verify(bob)["sub"] == "bob"


def test_subject_revocation_defaults_to_now_and_keeps_the_later_cutoff(
    make_store: Any, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = make_store()
    guard = tokens.guard(revocation=store, cache_size=0)
    now_token = tokens.issue(sub="alice")
    store.revoke_subject("alice")
    store.revoke_subject("alice", issued_before=real_clock() - 1000)  # an older cut-off: no-op
    with pytest.raises(RevokedTokenError):
        guard.verify(now_token)  # same second: revoked, iat has one-second resolution
    assert store.check(tokens.guard().verify(now_token))
    real_clock.advance(1)
    assert guard.verify(tokens.issue(sub="alice"))["sub"] == "alice"


def test_token_without_iat_is_revoked_with_its_subject(
    make_store: Any, tokens: TokenFactory
) -> None:
    store = make_store()
    guard = tokens.guard(revocation=store, cache_size=0)
    payload = {"sub": "alice", "exp": int(tokens.clock()) + 60}
    token = encode_unchecked({"alg": "HS256", "typ": "JWT"}, payload, tokens.key)
    store.revoke_subject("alice")
    with pytest.raises(RevokedTokenError):
        guard.verify(token)


def test_family_revocation(make_store: Any, tokens: TokenFactory, real_clock: FrozenClock) -> None:
    store = make_store()
    guard = tokens.guard(revocation=store)
    first, second = tokens.issue(sub="u", fam="F1"), tokens.issue(sub="u", fam="F1")
    unrelated = tokens.issue(sub="u", fam="F2")
    guard.verify(first)
    store.revoke_family("F1", real_clock() + 60)
    for token in (first, second):
        with pytest.raises(RevokedTokenError):
            guard.verify(token)
    assert guard.verify(unrelated)["fam"] == "F2"


def test_a_fresh_guard_with_the_store_refuses_too(make_store: Any, tokens: TokenFactory) -> None:
    store = make_store()
    token = tokens.issue(sub="u")
    claims = tokens.guard().verify(token)
    store.revoke(claims.jti, claims["exp"])
    guard: Guard = tokens.guard(revocation=store)
    with pytest.raises(RevokedTokenError):
        guard.verify(token)


async def test_async_variants(
    make_store: Any, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = make_store()
    claims = tokens.guard().verify(tokens.issue(sub="u", fam="F"))
    assert await store.arevoke(claims.jti, claims["exp"]) is True
    assert await store.arevoke(claims.jti, claims["exp"]) is False
    assert await store.ais_jti_revoked(claims.jti)
    assert await store.acheck(claims)
    await store.arevoke_family("F9", real_clock() + 60)
    await store.arevoke_subject("someone")
    assert store.is_revoked(tokens.guard().verify(tokens.issue(sub="x", fam="F9")))
