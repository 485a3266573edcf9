"""Real servers for the revocation tests, each on free loopback ports, always stopped.

``redis_server`` is parametrised over both flavours (Redis and Valkey), so every
test using it runs against each. ``redis_cluster`` and ``sentinel_topology`` start
the distributed set-ups (see ``servers.py``). With ``CI=true`` a missing binary
fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .servers import FLAVOURS, RedisCluster, RedisServer, SentinelTopology


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    """``redis`` or ``valkey``: which server binary the test runs against."""
    return str(request.param)


@pytest.fixture
def redis_server(flavour: str, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(flavour, tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def redis_store_factory(redis_server: RedisServer) -> Iterator[Any]:
    """Builds started sync Redis stores on the test server; closes them all at the end."""
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

    stores: list[RedisRevocationStore] = []

    def make(**options: Any) -> RedisRevocationStore:
        # A fresh server holds a brand-new list: no grace wait (tests/revocation/redis/test_loss.py
        # covers it).
        options.setdefault("loss_grace", 0)
        clock = options.pop("clock", time.time)
        client = options.pop("client", None)
        store = RedisRevocationStore(
            RedisConfig(url=redis_server.url, **options), client=client, clock=clock
        )
        stores.append(store)
        if store.config.mode == "push":
            assert store.start(wait=10)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture(scope="module", params=FLAVOURS)
def running_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisCluster]:
    """One cluster per flavour and test module (starting one takes seconds)."""
    cluster = RedisCluster(str(request.param), tmp_path_factory.mktemp("cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def redis_cluster(running_cluster: RedisCluster) -> RedisCluster:
    """The module's cluster, emptied for this test."""
    running_cluster.wait_ok()
    for node in running_cluster.nodes:
        with node.client() as client:
            client.flushall()
    return running_cluster


@pytest.fixture
def sentinel_topology(flavour: str, tmp_path: Path) -> Iterator[SentinelTopology]:
    topology = SentinelTopology(flavour, tmp_path / "sentinel")
    try:
        topology.start()
        yield topology
    finally:
        topology.stop()
