"""The Redis store on a real Redis Cluster (three masters), for Redis and Valkey.

Every key of a namespace carries one hash tag, so every script and ``MGET`` runs on
one slot of one master; the other masters hold nothing of ours.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis.cluster
from redis.crc import key_slot

from jwtguard import RevokedTokenError
from jwtguard.claims import Claims
from jwtguard.refresh import RefreshTokenReusedError, RefreshTokens
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore, client_options
from jwtguard.testing import TokenFactory
from tests.revocation.servers import RedisCluster, eventually

pytestmark = [pytest.mark.redis, pytest.mark.cluster]


def cluster_client(cluster: RedisCluster, config: RedisConfig) -> Any:
    return redis.cluster.RedisCluster.from_url(cluster.url, **client_options(config))


@pytest.fixture
def make_store(redis_cluster: RedisCluster) -> Iterator[Any]:
    stores: list[RedisRevocationStore] = []

    def make(**options: Any) -> RedisRevocationStore:
        config = RedisConfig(**options)
        store = RedisRevocationStore(config, client=cluster_client(redis_cluster, config))
        stores.append(store)
        assert store.start(wait=10)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def tokens() -> TokenFactory:
    factory = TokenFactory.hs256()
    factory.clock.set(time.time())
    return factory


CHILD = textwrap.dedent(
    """
    import sys, time
    import redis.cluster
    from jwtguard.claims import Claims
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore, client_options
    config = RedisConfig()
    client = redis.cluster.RedisCluster.from_url(sys.argv[1], **client_options(config))
    store = RedisRevocationStore(config, client=client)
    assert store.start(wait=10)
    claims = Claims({"jti": sys.argv[2], "sub": "u", "iat": 1})
    print("revoked" if store.is_revoked(claims) else "not revoked", flush=True)
    deadline = time.monotonic() + 20
    while not store.is_revoked(Claims({"jti": sys.argv[3]})):
        if time.monotonic() > deadline:
            sys.exit("never saw the second revocation")
        time.sleep(0.001)
    print("seen", flush=True)
    """
)


def test_a_revocation_is_seen_by_another_process(
    redis_cluster: RedisCluster, make_store: Any
) -> None:
    store = make_store()
    store.revoke("before", time.time() + 60)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, redis_cluster.url, "before", "after"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "revoked"  # loaded by its first sync
        store.revoke("after", time.time() + 60)  # pushed to it while it runs
        assert child.stdout.readline().strip() == "seen"
        assert child.wait(timeout=20) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_refresh_reuse_revokes_the_family_on_every_process(
    make_store: Any, tokens: TokenFactory
) -> None:
    first, second = make_store(), make_store()
    rotation_a = RefreshTokens(tokens.guard(revocation=first))
    rotation_b = RefreshTokens(tokens.guard(revocation=second))
    pair = rotation_a.issue({"sub": "alice"})
    rotation_a.refresh(pair.refresh_token)
    with pytest.raises(RefreshTokenReusedError):
        rotation_b.refresh(pair.refresh_token)  # the stolen copy, on another worker
    # The family is revoked on both processes: the access token is refused on each.
    for store in (first, second):
        guard = tokens.guard(revocation=store, cache_size=0)
        assert eventually(lambda guard=guard: _refused(guard, pair.access_token))


def _refused(guard: Any, token: str) -> bool:
    try:
        guard.verify(token)
    except RevokedTokenError:
        return True
    return False


def test_subject_revocation_reaches_every_process(make_store: Any, tokens: TokenFactory) -> None:
    first, second = make_store(), make_store()
    old = tokens.issue(sub="bob", iat=int(time.time()) - 60)
    guard = tokens.guard(revocation=second, cache_size=0)
    assert guard.verify(old)["sub"] == "bob"
    first.revoke_subject("bob")
    assert eventually(lambda: _refused(guard, old))
    assert second.check(Claims({"sub": "bob", "iat": int(time.time()) - 60}))


def test_every_key_lives_in_one_slot_on_one_master(
    redis_cluster: RedisCluster, make_store: Any
) -> None:
    store = make_store(namespace="tenant-a")
    store.revoke("j", time.time() + 60)
    store.revoke_family("f", time.time() + 60)
    store.revoke_subject("s")
    slot = key_slot(b"{tenant-a}")
    owner = redis_cluster.node_for_slot(slot)
    for node in redis_cluster.nodes:
        with node.client() as client:
            keys = client.keys("*")
        if node is owner:
            assert keys and {key_slot(k) for k in keys} == {slot}
        else:
            assert keys == []


def test_resync_after_the_owning_node_restarts(
    redis_cluster: RedisCluster, make_store: Any, tokens: TokenFactory
) -> None:
    writer, reader = make_store(), make_store()
    kept = tokens.guard().verify(tokens.issue(sub="u"))
    writer.revoke(str(kept.jti), float(kept["exp"]))
    owner = redis_cluster.node_for_slot(key_slot(b"{jwtguard}"))
    owner.restart()  # AOF: the list survives
    redis_cluster.wait_ok()
    assert eventually(lambda: reader.healthy and writer.healthy, 20)
    assert reader.check(kept)
    fresh = make_store()  # a process started after the restart loads it
    assert fresh.is_revoked(kept)
    later = tokens.guard().verify(tokens.issue(sub="v"))
    writer.revoke(str(later.jti), float(later["exp"]))  # pushed again after the resync
    assert eventually(lambda: reader.is_revoked(later) and fresh.is_revoked(later))
