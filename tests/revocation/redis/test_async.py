"""The asyncio Redis store (jwtguard/revocation/redis/_async.py) on a real Redis: its
configuration, listener lifecycle, reads and writes, and what it answers when Redis is
away. Shared behaviour of every store is in test_stores.py; sync and async processes
sharing one list in test_sync.py."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aredis

from jwtguard import ConfigError, RevocationUnavailableError
from jwtguard.claims import Claims
from jwtguard.revocation.redis import AsyncRedisRevocationStore, RedisConfig, RedisRevocationStore
from jwtguard.revocation.redis._client import Session
from jwtguard.revocation.redis._protocol import GetMessage
from tests.revocation.servers import RedisServer, free_port

LISTENER = "jwtguard-revocation"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer("redis", Path(tmp_path_factory.mktemp("redis")), persistence="none") as up:
        yield up


@pytest.fixture
def config(server: RedisServer, request: pytest.FixtureRequest) -> RedisConfig:
    """A namespace of the test's own, so tests sharing the server never see each other
    (and no grace for a young list: each namespace is new)."""
    return RedisConfig(url=server.url, namespace=request.node.name, loss_grace=0)


async def eventually(condition: Any, seconds: float = 10.0) -> bool:
    """Whether ``condition()`` comes true in time (failing closed meanwhile counts as not)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except RevocationUnavailableError:  # a resync after a bulk write
            pass
        await asyncio.sleep(0.01)
    return False


def claims(**payload: Any) -> Claims:
    return Claims({"iat": time.time() - 10, "exp": time.time() + 60, **payload})


def test_only_push_mode() -> None:
    with pytest.raises(ConfigError) as info:
        AsyncRedisRevocationStore(RedisConfig(mode="roundtrip"))
    assert str(info.value) == "mode: AsyncRedisRevocationStore supports only 'push'"


def test_wait_for_replicas_needs_a_client_that_can_send_wait() -> None:
    class ClusterClient:
        def get_nodes(self) -> list[Any]:
            return []

        def register_script(self, text: str) -> Any:
            return None

    with pytest.raises(ConfigError) as info:
        AsyncRedisRevocationStore(RedisConfig(replicas=1), client=ClusterClient())
    assert str(info.value) == "replicas: WAIT is not available through a Redis Cluster client"
    assert AsyncRedisRevocationStore(RedisConfig(), client=ClusterClient()).client is not None


async def test_the_client_is_built_from_the_url_with_bounded_calls() -> None:
    default = AsyncRedisRevocationStore()
    kwargs = default.client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.1", 6379, 0)
    assert kwargs["socket_timeout"] == 0.25
    await default.aclose()
    given = AsyncRedisRevocationStore(RedisConfig(url="redis://127.0.0.2:7000/3", timeout=1.5))
    kwargs = given.client.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.2", 7000, 3)
    assert kwargs["socket_connect_timeout"] == 1.5
    await given.aclose()


async def test_checks_fail_closed_until_started(config: RedisConfig) -> None:
    store = AsyncRedisRevocationStore(config)
    with pytest.raises(RevocationUnavailableError):
        store.is_revoked(claims(jti="j"))  # starts the listener, never waits for it
    assert store.wait_for_sync(30) is False  # not in sync yet, and it did not block the loop
    assert await store.start() is True
    assert store.state == "in_sync" and store.wait_for_sync(0) is True
    assert store.is_revoked(claims(jti="j")) is False
    await store.aclose()


async def test_start_waits_as_long_as_told(config: RedisConfig) -> None:
    store = AsyncRedisRevocationStore(config)
    assert await store.start(wait=0) is False  # the listener has not run yet
    assert await store.start() is True  # the same listener, now in sync
    await store.aclose()


async def test_start_returns_once_redis_is_found_down() -> None:
    store = AsyncRedisRevocationStore(
        RedisConfig(url=f"redis://127.0.0.1:{free_port()}/0", sync_timeout=60)
    )
    started = asyncio.get_running_loop().time()
    assert await store.start() is False
    assert store.state == "down"
    assert asyncio.get_running_loop().time() - started < 30  # not the whole sync_timeout
    with pytest.raises(RevocationUnavailableError):
        await store.arevoke("j", time.time() + 60)
    with pytest.raises(RevocationUnavailableError):
        await store.acheck(claims(jti="j"))
    assert store.health().redis_errors >= 3
    await store.aclose()


async def test_one_listener_per_store(
    config: RedisConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "jwtguard")
    store = AsyncRedisRevocationStore(config)
    await store.start()
    store.ensure_listener()
    await store.start()
    starting = [r for r in caplog.records if "listener starting" in r.getMessage()]
    assert len(starting) == 1
    tasks = [t for t in asyncio.all_tasks() if t.get_name() == LISTENER]
    assert len(tasks) == 1
    await store.aclose()
    assert tasks[0].done()


def test_without_a_running_loop_no_listener_starts(
    config: RedisConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "jwtguard")
    store = AsyncRedisRevocationStore(config)
    store.ensure_listener()
    assert not [r for r in caplog.records if "listener starting" in r.getMessage()]
    asyncio.run(store.aclose())


async def test_close_stops_the_listener_for_good(config: RedisConfig) -> None:
    store = AsyncRedisRevocationStore(config)
    assert store.close == store.aclose
    await store.start()
    await store.aclose()
    assert store.state == "closed" and not store.healthy
    store.ensure_listener()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == LISTENER]
    with pytest.raises(RevocationUnavailableError):
        store.is_revoked(claims(jti="j"))


async def test_the_context_manager_starts_and_closes(config: RedisConfig) -> None:
    async with AsyncRedisRevocationStore(config) as store:
        assert store.healthy
    assert store.state == "closed"


async def test_reads_and_writes(config: RedisConfig) -> None:
    async with AsyncRedisRevocationStore(config) as store:
        assert await store.arevoke("j1", time.time() + 60) is True
        assert await store.arevoke("j1", time.time() + 60) is False
        assert await store.ais_jti_revoked("j1") is True
        assert await store.ais_jti_revoked("j2") is False
        assert await store.acheck(claims(jti="j1")) is True
        assert await store.acheck(claims(jti="j2")) is False
        assert await store.arevoke_many([("m1", time.time() + 60), ("m2", time.time() + 60)]) == 2
        assert await store.arevoke_many([("m1", time.time() + 60)]) == 0
        await store.arevoke_family("F", time.time() + 60)
        assert await store.acheck(claims(jti="x", fam="F")) is True
        await store.arevoke_subject("alice")
        assert await store.acheck(claims(jti="y", sub="alice")) is True
        assert await store.acheck(claims(jti="y", sub="alice", iat=time.time() + 5)) is False
        cutoff = float(int(time.time()) - 5)
        await store.arevoke_subject("bob", issued_before=cutoff)
        assert await store.acheck(claims(jti="z", sub="bob", iat=cutoff - 1)) is True
        assert await store.acheck(claims(jti="z", sub="bob", iat=cutoff)) is False
        local = claims(jti="j1")
        assert await eventually(lambda: store.is_revoked(local))  # pushed back to the copy


async def test_another_process_writes_arrive_by_push(config: RedisConfig) -> None:
    writer = RedisRevocationStore(config)
    async with AsyncRedisRevocationStore(config) as store:
        await asyncio.to_thread(writer.revoke, "from-sync", time.time() + 60)
        assert await eventually(lambda: store.is_revoked(claims(jti="from-sync")))
    writer.close()


async def test_a_revocation_is_the_same_record_for_the_sync_store(config: RedisConfig) -> None:
    """The async store writes what the sync one does: revoking the same token again there
    is no change (a record written differently would count as a new revocation)."""
    writer = RedisRevocationStore(config)
    until = time.time() + 60
    async with AsyncRedisRevocationStore(config) as store:
        assert await store.arevoke("twice", until) is True
        assert await asyncio.to_thread(writer.revoke, "twice", until) is False
        assert await asyncio.to_thread(writer.revoke, "from-sync", until) is True
        assert await store.arevoke("from-sync", until) is False
    writer.close()


async def test_a_write_unconfirmed_by_replicas_is_reported_as_not_done(
    config: RedisConfig,
) -> None:
    replicas = dataclasses.replace(config, replicas=1, timeout=0.5)
    async with AsyncRedisRevocationStore(replicas) as store:
        with pytest.raises(RevocationUnavailableError):
            await store.arevoke("j", time.time() + 60)  # a standalone server has no replica
        assert await store.ais_jti_revoked("j") is True  # written, but not confirmed


async def test_the_listener_comes_back_with_redis(tmp_path: Path) -> None:
    own = RedisServer("redis", tmp_path / "own", persistence="none")
    own.start()
    try:
        store = AsyncRedisRevocationStore(RedisConfig(url=own.url, heartbeat=0.1, loss_grace=0))
        assert await store.start()
        await asyncio.to_thread(own.kill)
        assert await eventually(lambda: store.state == "down")
        with pytest.raises(RevocationUnavailableError):
            store.is_revoked(claims(jti="j"))
        await asyncio.to_thread(own.start)
        assert await eventually(lambda: store.healthy, 20)
        assert store.is_revoked(claims(jti="j")) is False
        await store.aclose()
    finally:
        own.kill()


def own_client(url: str) -> tuple[Any, aredis.ConnectionPool | None]:
    return None, None  # the store builds its client from the URL, and closes its pool


def shared_pool_client(url: str) -> tuple[Any, aredis.ConnectionPool | None]:
    """An application's client on its own pool: closing the store must not close the
    pool, so the store must give its subscriber connection back itself."""
    pool = aredis.ConnectionPool.from_url(url)
    return aredis.Redis(connection_pool=pool), pool


@pytest.mark.parametrize("make_client", [own_client, shared_pool_client])
async def test_closing_leaves_no_subscriber_connection(
    config: RedisConfig, server: RedisServer, make_client: Any
) -> None:
    client, pool = make_client(server.url)
    store = AsyncRedisRevocationStore(config, client=client)
    assert await store.start()
    admin = server.client()

    def subscribers() -> int:  # to this store's channel: other tests' stores share the server
        return int(dict(admin.pubsub_numsub(store.keys.channel))[store.keys.channel.encode()])

    assert subscribers() == 1
    await store.aclose()
    assert await eventually(lambda: subscribers() == 0)
    if pool is not None:
        assert await store.client.ping()  # the application's pool is still usable
        await pool.aclose()
    admin.close()


def awaiting(task: asyncio.Task[Any]) -> list[str]:
    """The coroutines ``task`` is suspended in, outermost first (one ``await`` each):
    how a test knows the listener is in a wait, which shows no other sign."""
    names: list[str] = []
    coroutine: Any = task.get_coro()
    while inspect.iscoroutine(coroutine):
        names.append(coroutine.cr_code.co_name)
        coroutine = coroutine.cr_await
    return names


async def test_closing_cuts_short_what_the_listener_waits_for(config: RedisConfig) -> None:
    """aclose() cancels the listener's pending operation rather than waiting it out: here
    a young list's grace wait (``loss_grace``, 30 s), at whose end alone the listener
    would notice the store closing."""
    store = AsyncRedisRevocationStore(dataclasses.replace(config, loss_grace=30))
    assert await store.start(wait=0) is False
    listener = next(t for t in asyncio.all_tasks() if t.get_name() == LISTENER)

    def in_the_grace_wait() -> bool:  # syncing: not a back-off after an error
        return store.state == "syncing" and awaiting(listener)[-2:] == ["_execute", "sleep"]

    assert await eventually(in_the_grace_wait)
    closing = asyncio.create_task(store.aclose())
    done, _ = await asyncio.wait({closing}, timeout=5)  # well within the 30 s
    assert closing in done and listener.done()
    assert store.state == "closed"


class LosesItsCancellation(Session):
    """A listener's session whose next pub/sub read, once ``armed``, holds its reply until
    ``release`` and then returns it even if the listener was cancelled meanwhile: the
    cancellation is lost, as a redis-py call that catches CancelledError may lose it.
    ``after`` lists the operations the listener asked for once that read returned."""

    def __init__(self, store: AsyncRedisRevocationStore) -> None:
        super().__init__(store.client, store.session.scripts, listener=True)
        self.armed = False
        self.holding = asyncio.Event()
        self.release: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.after: list[str] = []

    def call(self, op: Any) -> Any:
        if self.release.done():
            self.after.append(type(op).__name__)
        elif self.armed and isinstance(op, GetMessage):
            self.armed = False
            return self._held(super().call(op))
        return super().call(op)

    async def _held(self, read: Any) -> Any:
        reply = await read
        self.holding.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self.release
        return reply


async def test_a_listener_that_lost_its_cancellation_stops_at_its_next_operation(
    config: RedisConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aclose() cancels the listener, but the cancellation can be lost (a read that
    returns the reply it holds; Python 3.11's wait_for does it too, when the reply is in
    by the time the cancellation lands): the listener still stops at its next operation,
    since the store is closing. It asks Redis for nothing more, and gives back its
    subscriber connection."""
    store = AsyncRedisRevocationStore(config)
    session = LosesItsCancellation(store)
    monkeypatch.setattr(Session, "for_listener", lambda self: session)
    assert await store.start()
    listener = next(t for t in asyncio.all_tasks() if t.get_name() == LISTENER)
    session.armed = True
    await asyncio.wait_for(session.holding.wait(), 10)
    # aclose() runs first (marks the store closing, cancels the listener), then the read
    # returns its reply all the same
    closing = asyncio.create_task(store.aclose())
    session.release.set_result(None)
    try:
        done, _ = await asyncio.wait({closing}, timeout=5)
        assert closing in done
    finally:  # a listener that carried on (a regression) must not outlive the test
        while not listener.done():
            listener.cancel()  # again: any cancellation may be lost, not only the fake's
            await asyncio.wait({listener}, timeout=0.5)
    assert session.after == ["Unsubscribe"]
    assert store.state == "closed"


async def test_an_idle_listener_outwaits_a_short_call_timeout(config: RedisConfig) -> None:
    """The listener waits up to 100 ms for each push: that wait is not a slow Redis, even
    with a call timeout below it."""
    store = AsyncRedisRevocationStore(dataclasses.replace(config, timeout=0.08, heartbeat=5))
    assert await store.start()
    await asyncio.sleep(0.6)  # several waits with nothing pushed
    assert (store.state, store.health().redis_errors) == ("in_sync", 0)
    await store.aclose()


async def test_a_client_without_socket_timeouts_is_still_bounded_by_timeout() -> None:
    """``timeout`` bounds each call itself, not only through the client's socket options:
    an application's client may have none, and a hung Redis must not hang the caller."""
    with socket.create_server(("127.0.0.1", 0)) as hung:  # accepts, never answers
        client = aredis.Redis(host="127.0.0.1", port=hung.getsockname()[1])
        store = AsyncRedisRevocationStore(RedisConfig(timeout=0.1), client=client)
        with pytest.raises(RevocationUnavailableError):
            # the store's bound fires well before the caller's
            await asyncio.wait_for(store.ais_jti_revoked("j"), 1.0)
        await store.aclose()


async def test_a_write_a_replica_confirmed_is_done(tmp_path: Path) -> None:
    """With ``replicas=1`` the write waits (``WAIT``) for a real replica's acknowledgement."""
    with RedisServer("redis", tmp_path / "master", persistence="none") as master:
        follow = ["--replicaof", "127.0.0.1", str(master.port)]
        with RedisServer("redis", tmp_path / "replica", persistence="none", options=follow) as copy:
            admin = copy.client()
            linked = await eventually(
                lambda: admin.info("replication")["master_link_status"] == "up", 20
            )
            admin.close()
            assert linked
            config = RedisConfig(url=master.url, replicas=1, timeout=2, loss_grace=0)
            async with AsyncRedisRevocationStore(config) as store:
                assert await store.arevoke("j", time.time() + 60) is True
                assert await store.ais_jti_revoked("j") is True
