"""jwtguard.revocation.redis._flows and ._state without a server: each sequence is an
I/O-free generator, so a test plays Redis' part, operation by operation (the real
servers are in test_sync, test_loss, test_cluster and test_sentinel)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from jwtguard.claims import Claims
from jwtguard.errors import RevocationUnavailableError
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore, _flows
from jwtguard.revocation.redis._protocol import (
    Command,
    GetMessage,
    Ping,
    Script,
    Sleep,
    Subscribe,
    Unsubscribe,
    Write,
)

NOW = time.time()  # entries live an hour or more past it: the suite may reach here later
OLD_EPOCH = b"abc:1000"  # created long ago: no grace to wait for


@pytest.fixture
def store() -> Iterator[RedisRevocationStore]:
    """A store whose client is never used: the tests drive its flows by hand."""
    made = RedisRevocationStore(RedisConfig(url="redis://127.0.0.1:1/0", heartbeat=0.05))
    yield made
    made.close()


def begin_reply(epoch: bytes = OLD_EPOCH, seq: int = 3, repairing: int = 0) -> list[Any]:
    return [epoch, int(time.time() * 1000), seq, repairing]


def test_a_first_sync_loads_the_index_and_confirms_the_list(store: RedisRevocationStore) -> None:
    now = time.time()
    minute = int(now * 1000) // 60_000 * 60_000 + 3_600_000
    flow = _flows.sync(store, "test")
    op = next(flow)
    assert op == store.begin_script()
    assert store.state == "syncing"
    op = flow.send(begin_reply())
    assert isinstance(op, Command) and op.args[0] == "ZRANGEBYSCORE"
    op = flow.send([str(minute).encode()])
    assert isinstance(op, Command) and op.args[0] == "MGET" and len(op.args) == 4
    op = flow.send([b"jti-1\njti-2\n", b"fam-1\n", f"{now - 5}:alice\n".encode()])
    assert op == store.begin_script()  # the confirmation: still the same list?
    with pytest.raises(StopIteration):
        flow.send(begin_reply())
    assert store.healthy and store.state == "in_sync"
    assert store.known_epoch == OLD_EPOCH.decode() and store.seen_seq == 3
    assert store.is_revoked({"jti": "jti-2"})
    assert store.is_revoked({"jti": "x", "fam": "fam-1"})
    assert store.is_revoked({"sub": "alice", "iat": now - 10})
    assert not store.is_revoked({"sub": "alice", "iat": now})
    assert store.health().syncs == 1 and store.health().last_sync_entries == 4


def test_a_list_that_changed_during_the_load_is_loaded_again(
    store: RedisRevocationStore,
) -> None:
    flow = _flows.sync(store, "test")
    next(flow)
    flow.send(begin_reply())
    op = flow.send([])  # no live buckets
    assert op == store.begin_script()
    op = flow.send(begin_reply(epoch=b"other:1000"))  # replaced meanwhile: start over
    assert op == store.begin_script()
    op = flow.send(begin_reply(epoch=b"other:1000"))
    assert isinstance(op, Command) and op.args[0] == "ZRANGEBYSCORE"
    assert not store.healthy


def test_a_young_list_is_given_time_for_a_survivor_to_repair_it(
    store: RedisRevocationStore,
) -> None:
    flow = _flows.sync(store, "test")
    next(flow)
    fresh = f"new:{int(time.time() * 1000)}".encode()
    op = flow.send(begin_reply(epoch=fresh, seq=0))
    assert isinstance(op, Sleep) and 0 < op.seconds <= store.config.loss_grace
    assert flow.send(None) == store.begin_script()
    op = flow.send(begin_reply(repairing=1))  # someone repairs: wait a heartbeat
    assert op == Sleep(store.config.heartbeat)


def synced(store: RedisRevocationStore, entries: int = 1) -> None:
    """Bring ``store`` in sync with ``entries`` jtis in its local copy."""
    for i in range(entries):
        store.remember("j", f"jti-{i}", NOW + 3600)
    flow = _flows.sync(store, "test")
    next(flow)
    flow.send(begin_reply())
    flow.send([])
    with pytest.raises(StopIteration):
        flow.send(begin_reply())
    assert store.healthy


@pytest.mark.parametrize(
    "lost",
    [begin_reply(epoch=b"new:1000", seq=0), begin_reply(seq=1)],
    ids=["a new epoch", "a lower sequence"],
)
def test_a_lost_list_is_republished_from_the_local_copy(
    store: RedisRevocationStore, lost: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    synced(store, entries=3)
    flow = _flows.sync(store, "resync")
    next(flow)
    op = flow.send(lost)
    assert isinstance(op, Script) and op.name == "mark_repairing"
    assert store.state == "repairing" and not store.healthy
    op = flow.send(1)
    assert isinstance(op, Script) and op.name == "restore"
    names = sorted(op.args[5::4])  # kind, expiry ms, cut-off, name per entry
    assert names == ["jti-0", "jti-1", "jti-2"]
    op = flow.send(3)
    assert isinstance(op, Script) and op.name == "announce"
    op = flow.send([9, b"new:1000"])
    assert op == store.begin_script()  # then an ordinary load of the repaired list
    assert store.seen_seq == 9 and store.known_epoch == "new:1000"
    assert "LOST" in caplog.text and store.health().losses_detected == 1


def test_a_lost_list_with_nothing_local_is_just_loaded(store: RedisRevocationStore) -> None:
    synced(store, entries=0)
    flow = _flows.sync(store, "resync")
    next(flow)
    op = flow.send(begin_reply(epoch=b"new:1000", seq=0))
    assert isinstance(op, Command) and op.args[0] == "ZRANGEBYSCORE"


def test_a_repair_is_published_in_pages(store: RedisRevocationStore) -> None:
    for i in range(1200):
        store.remember("j", f"jti-{i}", NOW + 3600)
    pages = list(store.restore_scripts())
    assert [len(page.keys) - 2 for page in pages] == [500, 500, 200]


def test_a_revocation_is_written_and_known_locally_at_once(store: RedisRevocationStore) -> None:
    flow = _flows.revoke(store, "j", "jti-9", NOW + 3600, 0.0)
    op = next(flow)
    assert isinstance(op, Script) and op.name == "revoke"
    assert op.keys[0] == "{jwtguard}:j:jti-9"
    with pytest.raises(StopIteration) as done:
        flow.send([1, 12])
    assert done.value.value is True
    assert store.seen_seq == 12
    assert store.denylist.has_jti("jti-9", NOW)


def test_a_write_the_replicas_did_not_confirm_raises_but_is_kept_locally() -> None:
    store = RedisRevocationStore(RedisConfig(url="redis://127.0.0.1:1/0", replicas=1))
    try:
        flow = _flows.revoke(store, "f", "fam-1", NOW + 3600, 0.0)
        op = next(flow)
        assert isinstance(op, Write) and op.replicas == 1
        assert (
            op.timeout_ms < store.config.timeout * 1000
        )  # WAIT answers before the socket times out
        with pytest.raises(RevocationUnavailableError):
            flow.send(([1, 5], 0))
        assert store.denylist.has_family("fam-1", NOW)
    finally:
        store.close()


def test_an_authoritative_check_reads_the_three_keys(store: RedisRevocationStore) -> None:
    claims = Claims({"jti": "a", "fam": "f", "sub": "u", "iat": NOW - 100})
    flow = _flows.check(store, claims)
    op = next(flow)
    assert op == Command(("MGET", "{jwtguard}:j:a", "{jwtguard}:f:f", "{jwtguard}:s:u"))
    for values, revoked in [
        ([None, None, None], False),
        ([b"1", None, None], True),
        ([None, None, f"x:{NOW - 50}".encode()], True),  # issued before the cut-off
        ([None, None, f"x:{NOW - 200}".encode()], False),
    ]:
        flow = _flows.check(store, claims)
        next(flow)
        with pytest.raises(StopIteration) as done:
            flow.send(values)
        assert done.value.value is revoked


def test_the_listener_subscribes_before_it_syncs_then_applies_pushes(
    store: RedisRevocationStore,
) -> None:
    flow = _flows.keep_listening(store)
    assert next(flow) == Subscribe("{jwtguard}:events")
    assert flow.send(None) == store.begin_script()
    flow.send(begin_reply())
    op = flow.send([])
    assert flow.send(begin_reply()) == GetMessage(0.05)
    sent_ms = int(time.time() * 1000)
    push = f"j|{sent_ms + 3_600_000}|0.0|7|{sent_ms}|pushed-jti"
    op = flow.send({"type": "message", "data": push.encode()})
    assert isinstance(op, (GetMessage, Ping))
    assert store.is_revoked({"jti": "pushed-jti"}) and store.seen_seq == 7
    op = flow.send({"type": "message", "data": b"R|8"})  # a repair ended: resync
    assert op == store.begin_script()
    flow.close()


def test_a_lost_connection_fails_closed_then_reconnects_with_backoff(
    store: RedisRevocationStore,
) -> None:
    flow = _flows.keep_listening(store)
    delays = []
    op = next(flow)
    for _ in range(6):
        assert op == Subscribe("{jwtguard}:events")
        op = flow.throw(ConnectionError("refused"))
        assert op == Unsubscribe()
        op = flow.send(None)
        assert isinstance(op, Sleep)
        delays.append(op.seconds)
        op = flow.send(None)
    assert store.state == "down" and not store.healthy
    assert delays == [0.05, 0.1, 0.2, 0.4, 0.8, 1.0]
    with pytest.raises(RevocationUnavailableError):
        store.unavailable()
    flow.close()


def test_an_error_closing_the_broken_connection_is_ignored(store: RedisRevocationStore) -> None:
    flow = _flows.keep_listening(store)
    next(flow)
    assert flow.throw(ConnectionError("reset")) == Unsubscribe()
    assert isinstance(flow.throw(OSError("already closed")), Sleep)
    flow.close()


def test_a_silent_connection_is_declared_lost_after_three_heartbeats(
    store: RedisRevocationStore,
) -> None:
    flow = _flows.listen(store)
    next(flow)
    flow.send(None)
    flow.send(begin_reply())
    flow.send([])
    op = flow.send(begin_reply())
    deadline = time.monotonic() + 5
    error: Exception | None = None
    while error is None and time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            op = flow.send(None)  # no message, and the pings are not answered
        except ConnectionError as exc:
            error = exc
        else:
            assert isinstance(op, (GetMessage, Ping))
    assert error is not None and "heartbeat" in str(error)
