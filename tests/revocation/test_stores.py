"""Behaviour every revocation store shares: memory, the sync Redis store and the asyncio
Redis store, each against real Redis and real Valkey. One case, every store: the
sync stores are called directly, the async one through its awaited ``a*`` methods."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from jwtguard import Guard, RevokedTokenError
from jwtguard.protocols import AsyncRevocationStore, RevocationChecker, RevocationStore
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.revocation.redis import AsyncRedisRevocationStore, RedisConfig
from jwtguard.testing import FrozenClock, TokenFactory, encode_unchecked

from .servers import RedisServer


@pytest.fixture(
    params=[
        "memory",
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("valkey", marks=pytest.mark.redis),
        pytest.param("async-redis", marks=pytest.mark.redis),
        pytest.param("async-valkey", marks=pytest.mark.redis),
    ]
)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def flavour(kind: str) -> str:
    """The server flavour for ``redis_server`` (overrides the parametrised one)."""
    return kind.removeprefix("async-")


@pytest.fixture
def real_clock() -> FrozenClock:
    """A pinned clock set to real time: Redis expires keys on its own clock."""
    return FrozenClock(time.time())


class Calls:
    """``await calls(store, "revoke", ...)``: ``revoke`` on a sync store, ``arevoke``
    awaited on an async-only one."""

    async def __call__(self, store: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(store, RevocationStore):
            return getattr(store, name)(*args, **kwargs)
        return await getattr(store, f"a{name}")(*args, **kwargs)


@pytest.fixture
def call() -> Calls:
    return Calls()


@pytest.fixture
async def make_store(
    kind: str, request: pytest.FixtureRequest, real_clock: FrozenClock
) -> AsyncIterator[Any]:
    if kind == "memory":

        async def memory(**options: Any) -> Any:
            return MemoryRevocationStore(clock=real_clock, **options)

        yield memory
        return
    if not kind.startswith("async-"):
        factory = request.getfixturevalue("redis_store_factory")

        async def sync_redis(**options: Any) -> Any:
            return factory(clock=real_clock, **options)

        yield sync_redis
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    stores: list[AsyncRedisRevocationStore] = []

    async def async_redis(**options: Any) -> Any:
        config = RedisConfig(url=server.url, loss_grace=0, **options)
        store = AsyncRedisRevocationStore(config, clock=real_clock)
        stores.append(store)
        assert await store.start(wait=10)
        return store

    yield async_redis
    for store in stores:
        await store.aclose()


@pytest.fixture
def tokens(real_clock: FrozenClock) -> TokenFactory:
    return TokenFactory.hs256(clock=real_clock)


async def test_is_every_protocol(make_store: Any, call: Calls, kind: str) -> None:
    store = await make_store()
    assert isinstance(store, RevocationChecker)
    assert isinstance(store, RevocationStore) is not kind.startswith("async-")
    assert isinstance(store, AsyncRevocationStore)


async def test_revoked_token_refused_on_the_very_next_request_even_when_cached(
    make_store: Any, call: Calls, tokens: TokenFactory
) -> None:
    store = await make_store()
    guard = tokens.guard(revocation=store)
    token, other = tokens.issue(sub="u1"), tokens.issue(sub="u1")
    claims = guard.verify(token)
    guard.verify(token)
    assert guard.stats().hits == 1  # it is cached
    assert await call(store, "revoke", claims.jti, claims["exp"]) is True
    with pytest.raises(RevokedTokenError):
        guard.verify(token)
    assert guard.verify(other)["sub"] == "u1"
    assert await call(store, "is_jti_revoked", claims.jti)
    assert await call(store, "check", claims)
    assert not await call(store, "is_jti_revoked", "never-revoked")


async def test_revoke_reports_whether_it_was_new(
    make_store: Any, call: Calls, real_clock: FrozenClock
) -> None:
    store = await make_store()
    exp = real_clock() + 60
    assert await call(store, "revoke", "j-1", exp) is True
    assert await call(store, "revoke", "j-1", exp) is False
    assert await call(store, "revoke", "j-2", exp) is True


async def test_subject_revocation_cuts_off_by_iat(
    make_store: Any, call: Calls, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = await make_store()
    guard = tokens.guard(revocation=store, cache_size=0)
    old = tokens.issue(sub="alice", iat=int(real_clock()) - 100)
    bob = tokens.issue(sub="bob", iat=int(real_clock()) - 100)
    guard.verify(old)
    await call(store, "revoke_subject", "alice", issued_before=real_clock() - 50)
    with pytest.raises(RevokedTokenError):
        guard.verify(old)
    assert guard.verify(tokens.issue(sub="alice"))["sub"] == "alice"  # issued after the cut-off
    assert guard.verify(bob)["sub"] == "bob"


async def test_subject_revocation_defaults_to_now_and_keeps_the_later_cutoff(
    make_store: Any, call: Calls, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = await make_store()
    guard = tokens.guard(revocation=store, cache_size=0)
    now_token = tokens.issue(sub="alice")
    await call(store, "revoke_subject", "alice")
    await call(
        store, "revoke_subject", "alice", issued_before=real_clock() - 1000
    )  # an older cut-off: no-op
    with pytest.raises(RevokedTokenError):
        guard.verify(now_token)  # same second: revoked, iat has one-second resolution
    assert await call(store, "check", tokens.guard().verify(now_token))
    real_clock.advance(1)
    assert guard.verify(tokens.issue(sub="alice"))["sub"] == "alice"


async def test_token_without_iat_is_revoked_with_its_subject(
    make_store: Any, call: Calls, tokens: TokenFactory
) -> None:
    store = await make_store()
    guard = tokens.guard(revocation=store, cache_size=0)
    payload = {"sub": "alice", "exp": int(tokens.clock()) + 60}
    token = encode_unchecked({"alg": "HS256", "typ": "JWT"}, payload, tokens.key)
    await call(store, "revoke_subject", "alice")
    with pytest.raises(RevokedTokenError):
        guard.verify(token)


async def test_family_revocation(
    make_store: Any, call: Calls, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = await make_store()
    guard = tokens.guard(revocation=store)
    first, second = tokens.issue(sub="u", fam="F1"), tokens.issue(sub="u", fam="F1")
    unrelated = tokens.issue(sub="u", fam="F2")
    guard.verify(first)
    await call(store, "revoke_family", "F1", real_clock() + 60)
    for token in (first, second):
        with pytest.raises(RevokedTokenError):
            guard.verify(token)
    assert guard.verify(unrelated)["fam"] == "F2"


async def test_a_fresh_guard_with_the_store_refuses_too(
    make_store: Any, call: Calls, tokens: TokenFactory
) -> None:
    store = await make_store()
    token = tokens.issue(sub="u")
    claims = tokens.guard().verify(token)
    await call(store, "revoke", claims.jti, claims["exp"])
    guard: Guard = tokens.guard(revocation=store)
    with pytest.raises(RevokedTokenError):
        guard.verify(token)


async def test_async_variants(
    make_store: Any, call: Calls, tokens: TokenFactory, real_clock: FrozenClock
) -> None:
    store = await make_store()
    claims = tokens.guard().verify(tokens.issue(sub="u", fam="F"))
    assert await store.arevoke(claims.jti, claims["exp"]) is True
    assert await store.arevoke(claims.jti, claims["exp"]) is False
    assert await store.ais_jti_revoked(claims.jti)
    assert await store.acheck(claims)
    await store.arevoke_family("F9", real_clock() + 60)
    await store.arevoke_subject("someone")
    assert store.is_revoked(tokens.guard().verify(tokens.issue(sub="x", fam="F9")))


async def test_health_reports_state_and_entries(
    make_store: Any, call: Calls, real_clock: FrozenClock, kind: str
) -> None:
    store = await make_store()
    await call(store, "revoke", "j-health", real_clock() + 60)
    await call(store, "revoke_family", "f-health", real_clock() + 60)
    health = store.health()
    assert health.in_sync and health.state == "in_sync"
    assert health.entries >= 2
    assert health.backend == ("memory" if kind == "memory" else "redis")
    assert health.as_dict()["entries"] == health.entries
