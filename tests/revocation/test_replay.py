"""Replay caches for DPoP proof ids: in memory, and in real Redis / Valkey / Cluster."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
import redis
import redis.cluster

from jwtguard.errors import ConfigError, ReplayCheckUnavailableError
from jwtguard.revocation import MemoryReplayCache
from jwtguard.revocation.redis import RedisReplayCache
from jwtguard.testing import FrozenClock

from .servers import RedisCluster, RedisServer, free_port


def test_memory_first_use_then_refused_until_expiry(clock: FrozenClock) -> None:
    cache = MemoryReplayCache(clock=clock)
    assert cache.first_use("k", clock() + 10)
    assert not cache.first_use("k", clock() + 10)
    clock.advance(11)
    assert cache.first_use("k", clock() + 10)
    assert len(cache) == 1


def test_memory_expired_entries_are_pruned(clock: FrozenClock) -> None:
    cache = MemoryReplayCache(clock=clock)
    for i in range(100):
        cache.first_use(str(i), clock() + 1)
    clock.advance(2)
    cache.first_use("new", clock() + 1)
    assert len(cache) == 1


def test_memory_full_fails_closed(clock: FrozenClock) -> None:
    cache = MemoryReplayCache(clock=clock, max_entries=2)
    cache.first_use("a", clock() + 5)
    cache.first_use("b", clock() + 5)
    with pytest.raises(ReplayCheckUnavailableError):
        cache.first_use("c", clock() + 5)
    assert not cache.first_use("a", clock() + 5)  # what it holds is still refused


def test_memory_exactly_one_of_many_threads_is_first(clock: FrozenClock) -> None:
    cache = MemoryReplayCache(clock=clock)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        results.append(cache.first_use("same", clock() + 5))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


async def test_memory_async(clock: FrozenClock) -> None:
    cache = MemoryReplayCache(clock=clock)
    assert await cache.afirst_use("k", clock() + 5)
    assert not await cache.afirst_use("k", clock() + 5)


def test_memory_bad_size() -> None:
    with pytest.raises(ConfigError):
        MemoryReplayCache(max_entries=0)


@pytest.mark.redis
def test_redis_first_use_is_shared_between_clients(redis_server: RedisServer) -> None:
    first, second = RedisReplayCache(redis_server.url), RedisReplayCache(redis_server.url)
    try:
        assert first.first_use("proof", time.time() + 30)
        assert not second.first_use("proof", time.time() + 30)
        assert second.first_use("other", time.time() + 30)
    finally:
        first.close()
        second.close()


@pytest.mark.redis
def test_redis_entries_expire(redis_server: RedisServer) -> None:
    cache = RedisReplayCache(redis_server.url)
    try:
        assert cache.first_use("short", time.time() + 0.2)
        time.sleep(0.4)
        assert cache.first_use("short", time.time() + 5)
        with redis_server.client() as client:
            keys = client.keys("jwtguard:dpop:*")
            assert len(keys) == 1 and b"short" not in keys[0]  # hashed: no client text
            assert 0 < client.pttl(keys[0]) <= 5000
    finally:
        cache.close()


@pytest.mark.redis
async def test_redis_async_client_per_loop(redis_server: RedisServer) -> None:
    cache = RedisReplayCache(redis_server.url)
    try:
        results = await asyncio.gather(
            *(cache.afirst_use("race", time.time() + 30) for _ in range(10))
        )
        assert sorted(results) == [False] * 9 + [True]
        assert not cache.first_use("race", time.time() + 30)  # the sync client agrees
    finally:
        await cache.aclose()
        cache.close()


@pytest.mark.redis
@pytest.mark.cluster
def test_redis_cluster_client(redis_cluster: RedisCluster) -> None:
    client: Any = redis.cluster.RedisCluster.from_url(redis_cluster.url)
    try:
        cache = RedisReplayCache(client=client)
        assert all(cache.first_use(f"k{i}", time.time() + 30) for i in range(20))
        assert not any(cache.first_use(f"k{i}", time.time() + 30) for i in range(20))
    finally:
        client.close()


def test_unreachable_redis_fails_closed() -> None:
    cache = RedisReplayCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    with pytest.raises(ReplayCheckUnavailableError):
        cache.first_use("x", time.time() + 5)

    async def attempt() -> None:
        with pytest.raises(ReplayCheckUnavailableError):
            await cache.afirst_use("x", time.time() + 5)
        await cache.aclose()

    asyncio.run(attempt())


@pytest.mark.parametrize(
    "options",
    [{}, {"url": "redis://x", "namespace": ""}, {"url": "redis://x", "timeout": 0}],
)
def test_redis_bad_configuration(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        RedisReplayCache(**options)


def test_repr_hides_the_url() -> None:
    assert "secret" not in repr(RedisReplayCache("redis://:secret@127.0.0.1:1/0"))
