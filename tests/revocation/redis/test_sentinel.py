"""The Redis store behind Sentinel (a master, one replica, three sentinels), for Redis and
Valkey: the master is killed under load and the store follows the promoted replica.

What holds: checks fail closed while there is no master, then recover on the new one;
no token revoked before the switch is ever accepted; and every revocation that was
acknowledged survives, because the store waits (``WAIT``) for the replica to have it
before acknowledging (``RedisConfig(replicas=1)``), and while no replica can confirm
(the new master alone) revocations are reported as not done. Replication is
asynchronous otherwise: without that wait, a revocation the old master acknowledged in
its last milliseconds may be missing on the new one.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
import redis.sentinel

from jwtguard import RevokedTokenError
from jwtguard.errors import RevocationUnavailableError
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore, client_options
from jwtguard.testing import TokenFactory
from tests.revocation.servers import SENTINEL_SERVICE, SentinelTopology, eventually

pytestmark = [pytest.mark.redis, pytest.mark.sentinel]


def sentinel_store(topology: SentinelTopology, **options: Any) -> RedisRevocationStore:
    config = RedisConfig(**options)
    sentinel = redis.sentinel.Sentinel(topology.sentinel_addresses, socket_timeout=0.5)
    client = sentinel.master_for(SENTINEL_SERVICE, **client_options(config))
    return RedisRevocationStore(config, client=client)


def test_the_store_follows_the_promoted_replica_under_load(
    sentinel_topology: SentinelTopology,
) -> None:
    tokens = TokenFactory.hs256()
    tokens.clock.set(time.time())
    writer = sentinel_store(sentinel_topology, replicas=1)
    reader = sentinel_store(sentinel_topology)
    try:
        assert writer.start(wait=10) and reader.start(wait=10)
        issuer = tokens.guard()
        good = [tokens.issue(sub=f"good-{i}") for i in range(4)]
        gone = [tokens.issue(sub=f"gone-{i}") for i in range(4)]
        for token in gone:
            claims = issuer.verify(token)
            writer.revoke(str(claims.jti), float(claims["exp"]))
        # pushed to the reader within a millisecond or so: from then on it refuses them
        assert eventually(lambda: all(reader.is_revoked(issuer.verify(t)) for t in gone))
        guard = tokens.guard(revocation=reader)
        outcomes: dict[str, Counter[str]] = {"good": Counter(), "gone": Counter()}
        acknowledged: list[Any] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                for kind, pool in (("good", good), ("gone", gone)):
                    for token in pool:
                        try:
                            guard.verify(token)
                            outcomes[kind]["accepted"] += 1
                        except RevocationUnavailableError:
                            outcomes[kind]["unavailable"] += 1
                        except RevokedTokenError:
                            outcomes[kind]["revoked"] += 1
                time.sleep(0.001)

        def revoke() -> None:
            while not stop.is_set():
                claims = issuer.verify(tokens.issue(sub="during"))
                try:
                    writer.revoke(str(claims.jti), float(claims["exp"]))
                    acknowledged.append(claims)
                except RevocationUnavailableError:
                    pass  # not acknowledged: no promise was made
                time.sleep(0.005)

        threads = [threading.Thread(target=load), threading.Thread(target=revoke)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)
            before = len(acknowledged)
            sentinel_topology.kill_master_and_wait_for_promotion()
            assert eventually(lambda: reader.healthy and writer.healthy, 20)
            # Alone, the new master cannot have a revocation replicated: none is acknowledged
            # until the old one is back, as its replica.
            sentinel_topology.bring_back_old_master()
            assert eventually(lambda: len(acknowledged) > before + 10, 20)  # writes resumed
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=20)

        assert outcomes["gone"]["accepted"] == 0
        assert outcomes["good"]["unavailable"] > 0  # failed closed during the switch
        assert outcomes["good"]["accepted"] > 0 and outcomes["good"]["revoked"] == 0
        with sentinel_topology.replica.client() as promoted:
            assert promoted.info("replication")["role"] == "master"
        lost = [c for c in acknowledged if not writer.check(c)]  # asks the new master
        assert lost == []
        assert eventually(lambda: all(reader.is_revoked(c) for c in acknowledged))
        assert guard.verify(good[0])["sub"] == "good-0"
    finally:
        writer.close()
        reader.close()
