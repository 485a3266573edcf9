"""RedisRevocationStore against a real redis-server: propagation, faults, restart, layout."""

from __future__ import annotations

import logging
import multiprocessing
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from jwtguard import ConfigError, RevokedTokenError
from jwtguard.claims import Claims
from jwtguard.errors import RevocationUnavailableError
from jwtguard.revocation.redis import (
    AsyncRedisRevocationStore,
    RedisConfig,
    RedisRevocationStore,
)
from jwtguard.testing import TokenFactory
from tests.revocation.servers import RedisServer, free_port

pytestmark = pytest.mark.redis


def _eventually(predicate: Any, within: float = 10.0) -> bool:
    """Poll ``predicate`` (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


@pytest.fixture
def tokens() -> TokenFactory:
    factory = TokenFactory.hs256()
    factory.clock.set(time.time())
    return factory


CHILD = textwrap.dedent(
    """
    import sys, time
    from jwtguard.claims import Claims
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore
    store = RedisRevocationStore(RedisConfig(url=sys.argv[1]))
    assert store.start(wait=10)
    claims = Claims({"jti": sys.argv[2], "sub": "u", "iat": 1})
    assert not store.is_revoked(claims)
    print("ready", flush=True)
    deadline = time.monotonic() + 20
    while not store.is_revoked(claims):
        if time.monotonic() > deadline:
            print("never", flush=True)
            sys.exit(1)
        time.sleep(0.001)
    print("seen", flush=True)
    """
)


def test_revocation_reaches_another_process(
    redis_server: RedisServer, redis_store_factory: Any
) -> None:
    store = redis_store_factory()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, redis_server.url, "jti-x"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        store.revoke("jti-x", time.time() + 60)
        assert child.stdout.readline().strip() == "seen"
        assert child.wait(timeout=20) == 0
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()


def test_other_store_sees_it_pushed_without_a_round_trip(redis_store_factory: Any) -> None:
    writer, reader = redis_store_factory(), redis_store_factory()
    writer.revoke_family("F", time.time() + 60)
    assert _eventually(lambda: len(reader.denylist) == 1)


def test_new_store_loads_existing_revocations(
    redis_store_factory: Any, tokens: TokenFactory
) -> None:
    writer = redis_store_factory()
    claims = tokens.guard().verify(tokens.issue(sub="alice", fam="F"))
    writer.revoke(claims.jti, claims["exp"])
    writer.revoke_subject("bob", issued_before=time.time() - 10)
    writer.revoke_family("G", time.time() + 60)
    late = redis_store_factory()  # synced from the index on start
    assert late.is_revoked(claims)
    assert late.denylist.subject_cutoff("bob", time.time()) is not None
    assert late.denylist.has_family("G", time.time())


def test_keys_expire_with_the_token(redis_server: RedisServer, redis_store_factory: Any) -> None:
    store = redis_store_factory(leeway=0)
    store.revoke("short", time.time() + 0.3)
    store.revoke_family("long", time.time() + 600)
    client = redis.Redis.from_url(redis_server.url)
    try:
        assert client.exists("{jwtguard}:j:short")
        ttl = client.pttl("{jwtguard}:f:long")
        assert 0 < ttl <= 600_000
        assert _eventually(lambda: not client.exists("{jwtguard}:j:short"))
        assert not store.is_jti_revoked("short")
        store.revoke("next", time.time() + 60)  # a write prunes the index's past minutes
        minutes = [int(m) for m in client.zrange("{jwtguard}:buckets", 0, -1)]
        assert minutes and min(minutes) > (time.time() - 1) * 1000
        listed = set()
        for minute in minutes:
            for kind in "jf":
                key = f"{{jwtguard}}:b:{kind}:{minute}"
                blob = client.get(key)
                if blob is not None:
                    listed |= {f"{kind}:{name}" for name in blob.decode().split("\n")[:-1]}
                    assert client.pexpiretime(key) == minute  # gone with its minute
        assert {"f:long", "j:next"} <= listed
    finally:
        client.close()


def test_every_key_is_in_one_cluster_slot(
    redis_server: RedisServer, redis_store_factory: Any
) -> None:
    store = redis_store_factory(namespace="tenant-a")
    store.revoke("a{b}c", time.time() + 60)
    store.revoke_family("fam", time.time() + 60)
    store.revoke_subject("who")
    client = redis.Redis.from_url(redis_server.url)
    try:
        keys = client.keys("*")
    finally:
        client.close()
    # three revocations, their index minutes, the epoch marker and the change counter
    names = {k.decode().removeprefix("{tenant-a}:") for k in keys}
    assert {"j:a{b}c", "f:fam", "s:who", "buckets", "epoch", "seq"} <= names
    assert {n.rpartition(":")[0] for n in names if n.startswith("b:")} == {"b:j", "b:f", "b:s"}
    assert len(names) == 9
    assert {key_slot(k) for k in keys} == {key_slot(b"{tenant-a}:events")}


def test_killed_server_fails_closed_then_recovers_with_its_data(
    redis_server: RedisServer, redis_store_factory: Any, tokens: TokenFactory
) -> None:
    store = redis_store_factory()
    guard = tokens.guard(revocation=store)
    revoked, fine = tokens.issue(sub="u"), tokens.issue(sub="u")
    claims = guard.verify(revoked)
    guard.verify(fine)
    store.revoke(claims.jti, claims["exp"])

    redis_server.kill()
    assert _eventually(lambda: not store.healthy)
    with pytest.raises(RevocationUnavailableError) as caught:
        guard.verify(fine)  # cached, but revocation cannot be checked
    assert caught.value.code == "revocation_unavailable"
    assert caught.value.status_code == 503
    assert caught.value.retry_after >= 1
    with pytest.raises(RevocationUnavailableError):
        store.revoke("while-down", time.time() + 60)  # never pretends
    assert guard.stats().rejected["revocation_unavailable"] == 1

    redis_server.start()  # same port and data directory
    assert _eventually(lambda: store.healthy)
    assert guard.verify(fine)["sub"] == "u"
    with pytest.raises(RevokedTokenError):
        guard.verify(revoked)
    fresh = redis_store_factory()  # what Redis kept, not only what this process remembers
    assert fresh.is_revoked(claims)
    assert not fresh.is_jti_revoked("while-down")


def test_fail_open_answers_from_the_last_list_for_a_bounded_time(
    redis_server: RedisServer, redis_store_factory: Any, tokens: TokenFactory
) -> None:
    store = redis_store_factory(fail_open_for=0.5)
    guard = tokens.guard(revocation=store, cache_size=0)
    revoked, fine = tokens.issue(sub="u"), tokens.issue(sub="u")
    claims = guard.verify(revoked)
    store.revoke(claims.jti, claims["exp"])
    redis_server.kill()
    assert _eventually(lambda: not store.healthy)
    assert guard.verify(fine)["sub"] == "u"  # fail open...
    with pytest.raises(RevokedTokenError):
        guard.verify(revoked)  # ...but what was known stays revoked
    assert _eventually(lambda: _refused(guard, fine))  # and only for a bounded time


def _refused(guard: Any, token: str) -> bool:
    try:
        guard.verify(token)
    except RevocationUnavailableError:
        return True
    return False


def test_unreachable_redis_raises_on_every_operation(tokens: TokenFactory) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    store = RedisRevocationStore(RedisConfig(url=url, timeout=0.2))
    try:
        assert store.start(wait=0.3) is False
        claims = tokens.guard().verify(tokens.issue(sub="u"))
        for call in (
            lambda: store.is_revoked(claims),
            lambda: store.revoke("j", time.time() + 60),
            lambda: store.revoke_family("f", time.time() + 60),
            lambda: store.revoke_subject("s"),
            lambda: store.check(claims),
            lambda: store.is_jti_revoked("j"),
        ):
            with pytest.raises(RevocationUnavailableError):
                call()
    finally:
        store.close()


def test_round_trip_mode(redis_store_factory: Any, tokens: TokenFactory) -> None:
    writer = redis_store_factory()
    reader = redis_store_factory(mode="roundtrip")
    guard = tokens.guard(revocation=reader)
    token = tokens.issue(sub="u", fam="F")
    claims = guard.verify(token)
    assert reader._thread is None  # no listener: every check asks Redis
    writer.revoke_family("F", claims["exp"])
    with pytest.raises(RevokedTokenError):
        guard.verify(token)


def test_round_trip_mode_fails_closed(redis_server: RedisServer, tokens: TokenFactory) -> None:
    store = RedisRevocationStore(RedisConfig(url=redis_server.url, mode="roundtrip"))
    guard = tokens.guard(revocation=store, cache_size=0)
    token = tokens.issue(sub="u")
    try:
        guard.verify(token)
        redis_server.kill()
        with pytest.raises(RevocationUnavailableError):
            guard.verify(token)
        redis_server.start()
        assert _eventually(lambda: not _refused(guard, token))
    finally:
        store.close()


async def test_async_store_shares_the_list_with_sync_stores(
    redis_server: RedisServer, redis_store_factory: Any, tokens: TokenFactory
) -> None:
    sync_store = redis_store_factory()
    async with AsyncRedisRevocationStore(RedisConfig(url=redis_server.url)) as store:
        assert store.healthy
        guard = tokens.guard(revocation=store)
        token = tokens.issue(sub="u", fam="F")
        claims = guard.verify(token)
        assert await store.arevoke(claims.jti, claims["exp"]) is True
        assert await store.arevoke(claims.jti, claims["exp"]) is False
        with pytest.raises(RevokedTokenError):
            guard.verify(token)
        assert await store.ais_jti_revoked(claims.jti)
        assert await store.acheck(claims)
        assert _eventually(lambda: sync_store.denylist.has_jti(claims.jti, time.time()))
        sync_store.revoke_subject("someone")
        for _ in range(500):
            if store.denylist.subject_cutoff("someone", time.time()) is not None:
                break
            await _sleep()
        assert store.denylist.subject_cutoff("someone", time.time()) is not None
        await store.arevoke_family("G", time.time() + 60)
        await store.arevoke_subject("other")


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.01)


def test_async_store_refuses_round_trip_mode() -> None:
    with pytest.raises(ConfigError, match="push"):
        AsyncRedisRevocationStore(RedisConfig(mode="roundtrip"))


def test_configuration_from_the_environment() -> None:
    config = RedisConfig.from_env(
        {
            "JWTGUARD_REDIS_URL": "redis://127.0.0.1:1/0",
            "JWTGUARD_REDIS_TIMEOUT": "100ms",
            "JWTGUARD_REDIS_FAIL_OPEN_FOR": "5s",
            "JWTGUARD_REDIS_MODE": "roundtrip",
            "JWTGUARD_REDIS_NAMESPACE": "app",
        }
    )
    assert (config.timeout, config.fail_open_for, config.mode, config.namespace) == (
        0.1,
        5.0,
        "roundtrip",
        "app",
    )
    with pytest.raises(ConfigError) as caught:
        RedisConfig.from_env({"JWTGUARD_REDIS_TIMEOUT": "soon"})
    assert len(caught.value.problems) == 2
    with pytest.raises(ConfigError) as caught:
        RedisConfig.from_env({"JWTGUARD_REDIS_MODE": "psychic", "JWTGUARD_REDIS_HEARTBEAT": "x"})
    assert len(caught.value.problems) == 3  # url, heartbeat and mode, all at once
    with pytest.raises(ConfigError, match="namespace"):
        RedisConfig(namespace="{x}")


def test_refresh_reuse_on_another_worker_revokes_the_family_everywhere(
    redis_store_factory: Any,
) -> None:
    from jwtguard import Guard
    from jwtguard.refresh import RefreshTokenReusedError, RefreshTokens

    def worker() -> tuple[Guard, RefreshTokens]:
        guard = Guard("k" * 32, algorithms=["HS256"], revocation=redis_store_factory())
        return guard, RefreshTokens(guard)

    (guard_a, sessions_a), (guard_b, sessions_b) = worker(), worker()
    guard_b.verify(sessions_b.issue({"sub": "1"}).access_token)
    first = sessions_a.issue({"sub": "42"})
    second = sessions_a.refresh(first.refresh_token)
    guard_a.verify(second.access_token)
    with pytest.raises(RefreshTokenReusedError):
        sessions_b.refresh(first.refresh_token)  # reuse seen by the other worker
    with pytest.raises(RevokedTokenError):
        sessions_a.refresh(second.refresh_token)
    assert _eventually(lambda: _revoked(guard_a, second.access_token))


def test_logout_everywhere_through_redis(redis_store_factory: Any) -> None:
    from jwtguard import Guard
    from jwtguard.refresh import RefreshTokens

    guard = Guard("k" * 32, algorithms=["HS256"], revocation=redis_store_factory())
    other = Guard("k" * 32, algorithms=["HS256"], revocation=redis_store_factory())
    sessions = RefreshTokens(guard)
    pair = sessions.issue({"sub": "42"})
    other.verify(pair.access_token)
    sessions.logout_everywhere("42")
    with pytest.raises(RevokedTokenError):
        guard.verify(pair.access_token)
    with pytest.raises(RevokedTokenError):
        sessions.refresh(pair.refresh_token)
    assert _eventually(lambda: _revoked(other, pair.access_token))


def _revoked(guard: Any, token: str) -> bool:
    try:
        guard.verify(token)
    except RevokedTokenError:
        return True
    return False


def test_a_silent_server_is_detected_and_calls_are_bounded(
    redis_server: RedisServer, redis_store_factory: Any, tokens: TokenFactory
) -> None:
    store = redis_store_factory(heartbeat=0.1, timeout=0.2)
    guard = tokens.guard(revocation=store)
    token = tokens.issue(sub="u")
    guard.verify(token)
    redis_server.pause()  # the connection stays open; no reply ever comes
    try:
        with pytest.raises(RevocationUnavailableError):
            store.revoke("during-partition", time.time() + 60)  # times out, raises
        assert _eventually(lambda: not store.healthy)  # heartbeats stop coming back
        with pytest.raises(RevocationUnavailableError):
            guard.verify(token)
    finally:
        redis_server.resume()
    assert _eventually(lambda: store.healthy)
    assert guard.verify(token)["sub"] == "u"


def _forked_child(store: RedisRevocationStore, jti: str, conn: Any) -> None:
    try:
        claims = Claims({"jti": jti, "sub": "u", "iat": 1})
        before = store.is_revoked(claims)  # starts the child's own listener, waits for sync
        conn.send(("ready", before))
        conn.recv()  # the parent has revoked it now
        conn.send(("seen", _eventually(lambda: store.is_revoked(claims))))
    except Exception as exc:  # report anything to the parent
        conn.send(("error", repr(exc)))


def test_a_forked_worker_starts_its_own_listener(redis_store_factory: Any) -> None:
    store = redis_store_factory()
    parent_end, child_end = multiprocessing.Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_forked_child, args=(store, "jti-fork", child_end)
    )
    child.start()
    try:
        assert parent_end.poll(20)
        assert parent_end.recv() == ("ready", False)
        store.revoke("jti-fork", time.time() + 60)
        parent_end.send("go")
        assert parent_end.poll(20)
        assert parent_end.recv() == ("seen", True)
    finally:
        child.join(timeout=20)
        if child.is_alive():
            child.kill()
            child.join()
        parent_end.close()
        child_end.close()


def test_new_settings_from_the_environment() -> None:
    config = RedisConfig.from_env(
        {
            "JWTGUARD_REDIS_URL": "redis://127.0.0.1:1/0",
            "JWTGUARD_REDIS_SYNC_TIMEOUT": "2s",
            "JWTGUARD_REDIS_REPLICAS": "1",
            "JWTGUARD_REDIS_LOSS_GRACE": "500ms",
        }
    )
    assert (config.sync_timeout, config.replicas, config.loss_grace) == (2.0, 1, 0.5)
    with pytest.raises(ConfigError) as caught:
        RedisConfig.from_env(
            {"JWTGUARD_REDIS_URL": "redis://h/0", "JWTGUARD_REDIS_REPLICAS": "many"}
        )
    assert "JWTGUARD_REDIS_REPLICAS" in str(caught.value)
    with pytest.raises(ConfigError, match="replicas"):
        RedisConfig(replicas=-1)


def test_the_password_is_masked_wherever_the_url_is_shown(
    tokens: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://app:s3cret-pw@127.0.0.1:{free_port()}/0"  # nothing listens there
    config = RedisConfig(url=url, timeout=0.2)
    store = RedisRevocationStore(config)
    try:
        with caplog.at_level(logging.INFO, logger="jwtguard.revocation"):
            store.start(wait=1)
            try:
                store.revoke("j", time.time() + 60)
            except RevocationUnavailableError as exc:
                error = f"{exc!r} {exc}"
        shown = [repr(config), str(config), repr(store), str(store.health()), error]
        shown += [r.getMessage() for r in caplog.records]
        assert caplog.records  # the unreachable server was logged
        assert all("s3cret-pw" not in text for text in shown)
        assert "redis://app:***@127.0.0.1" in repr(config)
        assert store.health().url == f"redis://app:***@127.0.0.1:{url.rsplit(':', 1)[1]}"
    finally:
        store.close()


def test_closing_the_guard_closes_its_store(redis_store_factory: Any, tokens: TokenFactory) -> None:
    store = redis_store_factory()
    token = tokens.issue(sub="u")
    with tokens.guard(revocation=store, cache_size=0) as guard:
        assert guard.verify(token)["sub"] == "u"
    assert store.state == "closed" and store.health().state == "closed"
    with pytest.raises(RevocationUnavailableError):  # a closed store fails closed
        guard.verify(token)
    guard.close()  # twice is fine


async def test_closing_an_async_guard_closes_its_async_store(
    redis_server: RedisServer, tokens: TokenFactory
) -> None:
    store = AsyncRedisRevocationStore(RedisConfig(url=redis_server.url, loss_grace=0))
    assert await store.start(wait=10)
    async with tokens.guard(revocation=store) as guard:
        assert guard.verify(tokens.issue(sub="u"))["sub"] == "u"
    assert store.state == "closed"
    with pytest.raises(ConfigError, match="aclose"):
        guard.close()  # an async store cannot be closed from sync code
