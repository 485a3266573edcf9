"""A Redis that lost its list (restarted without persistence, rolled back by a failover):
the stores that still hold a copy notice it (the epoch marker, the change counter),
say so loudly, fail closed while they re-publish what is still live, and every
process, old or new, refuses the tokens revoked before the loss again.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from jwtguard import Guard
from jwtguard.claims import Claims
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore
from tests.revocation.servers import RedisServer, eventually

pytestmark = pytest.mark.redis


@pytest.fixture
def volatile_redis(flavour: str, tmp_path: Path) -> Any:
    """A server without persistence: a restart comes back empty."""
    server = RedisServer(flavour, tmp_path / "volatile", persistence="none")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def test_a_restart_without_persistence_is_detected_and_repaired(
    volatile_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    issuer = Guard("k" * 40, algorithms=["HS256"])
    witness = RedisRevocationStore(RedisConfig(url=volatile_redis.url, loss_grace=0))
    try:
        assert witness.start(wait=10)
        gone = issuer.issue({"sub": "mallory"}, ttl=600)
        claims = issuer.verify(gone)
        witness.revoke(str(claims.jti), float(claims["exp"]))
        witness.revoke_family("F-stolen", time.time() + 600)
        witness.revoke_subject("left-the-company")
        with caplog.at_level(logging.INFO, logger="jwtguard.revocation"):
            volatile_redis.restart()  # empty now
            # A process started after the restart, with the default grace: by the time it
            # is in sync, the surviving copy has been re-published.
            newcomer = RedisRevocationStore(RedisConfig(url=volatile_redis.url))
            try:
                assert newcomer.start(wait=15)
                assert newcomer.is_revoked(claims)
                assert newcomer.check(claims)  # Redis itself holds it again
                assert newcomer.check(Claims({"fam": "F-stolen"}))
                assert newcomer.check(Claims({"sub": "left-the-company", "iat": 1}))
            finally:
                newcomer.close()
        assert eventually(lambda: witness.healthy, 10)
        health = witness.health()
        assert health.losses_detected == 1 and health.in_sync
        lost = [r for r in caplog.records if r.levelno == logging.CRITICAL]
        assert len(lost) == 1 and "LOST" in lost[0].getMessage()
        assert any("repaired" in r.getMessage() for r in caplog.records)
        assert not newcomer.health().losses_detected  # it had nothing to repair
    finally:
        witness.close()


def test_a_restart_with_aof_is_not_a_loss(
    redis_server: RedisServer, redis_store_factory: Any
) -> None:
    store = redis_store_factory()
    store.revoke("kept", time.time() + 600)
    redis_server.restart()  # appendfsync always: the list survives
    assert eventually(lambda: store.health().syncs >= 2, 10)  # it reconnected and resynced
    assert store.healthy
    assert store.health().losses_detected == 0
    assert store.check(Claims({"jti": "kept"}))


def test_rolled_back_writes_are_re_published(
    redis_server: RedisServer, redis_store_factory: Any
) -> None:
    """What a failover to a lagging replica does: the newest revocation is gone and the
    change counter went back. The store that saw it puts it back."""
    witness = redis_store_factory()
    writer = redis_store_factory()
    writer.revoke("older", time.time() + 600)
    writer.revoke("newest", time.time() + 600)
    assert eventually(lambda: witness.is_revoked(Claims({"jti": "newest"})))
    with redis_server.client() as client:
        client.delete("{jwtguard}:j:newest")
        client.decr("{jwtguard}:seq")
        client.client_kill_filter(_type="pubsub")  # the failover drops the connections
    # Both stores saw the newest entry: whichever resyncs first finds the counter gone back
    # and re-publishes; the other may then find the list repaired already.
    assert eventually(
        lambda: witness.health().losses_detected + writer.health().losses_detected >= 1, 10
    )
    assert eventually(lambda: writer.check(Claims({"jti": "newest"})), 10)
    assert eventually(lambda: witness.check(Claims({"jti": "newest"})), 10)
    assert witness.check(Claims({"jti": "older"}))


def test_checks_wait_for_the_first_sync_in_every_thread(
    redis_server: RedisServer, redis_store_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A new process (or a fork) answers its concurrent first requests once in sync,
    neither failing them nor accepting what is revoked."""
    import threading

    writer = redis_store_factory()
    writer.revoke_many((f"filler-{i}", time.time() + 600) for i in range(20_000))
    writer.revoke("revoked", time.time() + 600)
    with caplog.at_level(logging.INFO, logger="jwtguard.revocation"):
        store = RedisRevocationStore(RedisConfig(url=redis_server.url, loss_grace=0))
        try:
            answers: list[Any] = []
            barrier = threading.Barrier(16)

            def first_request() -> None:
                barrier.wait()
                try:
                    answers.append(store.is_revoked(Claims({"jti": "revoked"})))
                except Exception as exc:  # what the guard would turn into a 503
                    answers.append(exc)

            threads = [threading.Thread(target=first_request) for _ in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert answers == [True] * 16
        finally:
            store.close()
    messages = [r.getMessage() for r in caplog.records]
    assert any("syncing" in m for m in messages)
    assert any("in sync" in m and "20001 entries" in m for m in messages)
