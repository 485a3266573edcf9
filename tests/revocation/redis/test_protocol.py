"""What the Redis stores say to Redis (jwtguard/revocation/redis/_protocol.py): key names
under one hash tag, and each Lua script run on a real server (one per flavour, shared by
the module's tests, emptied before each)."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from jwtguard.revocation.redis._protocol import (
    BUCKET_MS,
    SCRIPTS,
    Command,
    GetMessage,
    Keys,
    Ping,
    Script,
    Sleep,
    Subscribe,
    Unsubscribe,
    Write,
)
from tests.revocation.servers import FLAVOURS, RedisServer

K = Keys("ns")
EXP = 1_900_000_000_000  # ms: an expiry far ahead of the server's clock


@pytest.fixture(scope="module", params=FLAVOURS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    directory = Path(tmp_path_factory.mktemp("redis"))
    with RedisServer(str(request.param), directory, persistence="none") as up:
        yield up


@pytest.fixture
def r(server: RedisServer) -> Iterator[redis.Redis]:
    client = server.client(decode_responses=True)
    client.flushall()
    try:
        yield client
    finally:
        client.close()


def run(r: redis.Redis, name: str, keys: list[str], args: list[Any]) -> Any:
    return r.register_script(SCRIPTS[name])(keys=keys, args=args)


def revoke(
    r: redis.Redis, kind: str, name: str, exp: int = EXP, cutoff: float = 0.0, candidate: str = "e1"
) -> Any:
    keys = [K.item(kind, name), K.buckets, K.epoch, K.seq]
    return run(
        r, "revoke", keys, [kind, exp, repr(float(cutoff)), name, K.channel, candidate, K.prefix]
    )


def bucket_of(exp_ms: int) -> int:
    return math.ceil(exp_ms / BUCKET_MS) * BUCKET_MS


def test_every_key_of_a_namespace_shares_one_hash_tag() -> None:
    assert K.prefix == "{ns}"
    assert (K.buckets, K.channel, K.epoch, K.seq, K.repairing) == (
        "{ns}:buckets",
        "{ns}:events",
        "{ns}:epoch",
        "{ns}:seq",
        "{ns}:repairing",
    )
    assert K.item("j", "a:b") == "{ns}:j:a:b"
    assert K.bucket("s", 120_000) == "{ns}:b:s:120000"
    assert BUCKET_MS == 60_000


def test_the_scripts_by_name() -> None:
    assert set(SCRIPTS) == {"revoke", "restore", "begin", "mark_repairing", "announce"}
    for name in ("revoke", "restore", "announce"):  # each carries the shared functions
        assert "local function record(" in SCRIPTS[name]
    assert "local function record(" not in SCRIPTS["begin"]


def test_the_driver_messages_are_values() -> None:
    script = Script("begin", ["k"], [1])
    messages = [
        script,
        Write(script, 1, 100),
        Command(("MGET", "a")),
        Subscribe("c"),
        GetMessage(0.5),
        Ping(),
        Sleep(1.0),
        Unsubscribe(),
    ]
    for message in messages:
        assert not hasattr(message, "__dict__")  # slots: a flow yields many
        for field in dataclasses.fields(message):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(message, field.name, None)
    assert Write(script, 1, 100) == Write(Script("begin", ["k"], [1]), 1, 100)
    assert hash(Sleep(1.0)) == hash(Sleep(1.0))


def test_revoke_records_indexes_counts_and_pushes(r: redis.Redis) -> None:
    pubsub = r.pubsub()
    pubsub.subscribe(K.channel)
    pubsub.get_message(timeout=5)  # the subscription's confirmation
    assert revoke(r, "j", "t1") == [1, 1]
    assert r.get(K.item("j", "t1")) == str(EXP)
    assert abs(r.pttl(K.item("j", "t1")) - (EXP - int(r.time()[0]) * 1000)) < 10_000
    assert r.get(K.bucket("j", bucket_of(EXP))) == "t1\n"
    assert r.zrange(K.buckets, 0, -1, withscores=True) == [(str(bucket_of(EXP)), bucket_of(EXP))]
    epoch, created = r.get(K.epoch).split(":")  # type: ignore[union-attr]
    assert epoch == "e1" and int(created) > 0
    message = pubsub.get_message(timeout=5)
    assert message is not None and message["type"] == "message"
    kind, exp, cutoff, seq, sent, name = message["data"].split("|", 5)
    assert (kind, int(exp), float(cutoff), int(seq), name) == ("j", EXP, 0.0, 1, "t1")
    assert int(sent) > 0
    pubsub.close()


def test_a_jti_is_recorded_once(r: redis.Redis) -> None:
    assert revoke(r, "j", "t") == [1, 1]
    assert revoke(r, "j", "t", EXP + 120_000) == [0, 1]  # already listed: seq unchanged
    assert r.get(K.item("j", "t")) == str(EXP)
    assert revoke(r, "j", "u") == [1, 2]
    assert r.get(K.epoch).startswith("e1:")  # type: ignore[union-attr]


def test_a_family_keeps_the_later_expiry(r: redis.Redis) -> None:
    assert revoke(r, "f", "fam", EXP) == [1, 1]
    assert revoke(r, "f", "fam", EXP - 1) == [1, 1]  # nothing changed: no new seq
    assert revoke(r, "f", "fam", EXP + 120_000) == [1, 2]
    assert r.get(K.item("f", "fam")) == str(EXP + 120_000)
    assert r.get(K.bucket("f", bucket_of(EXP + 120_000))) == "fam\n"


def test_a_subject_keeps_the_later_cutoff_and_expiry(r: redis.Redis) -> None:
    assert revoke(r, "s", "alice", EXP, 100.5) == [1, 1]
    assert r.get(K.item("s", "alice")) == f"{EXP}:100.5"
    assert r.get(K.bucket("s", bucket_of(EXP))) == "100.5:alice\n"
    assert revoke(r, "s", "alice", EXP - 1, 50) == [1, 1]  # older on both counts
    assert revoke(r, "s", "alice", EXP - 1, 200) == [1, 2]  # a later cut-off
    assert r.get(K.item("s", "alice")) == f"{EXP}:200"
    assert revoke(r, "s", "alice", EXP + 120_000, 10) == [1, 3]  # a later expiry
    assert r.get(K.item("s", "alice")) == f"{EXP + 120_000}:200"


@pytest.mark.parametrize("name", ["a\nb", "\0x"])
def test_a_name_that_cannot_be_a_line_is_escaped_in_the_index(r: redis.Redis, name: str) -> None:
    revoke(r, "j", name)
    assert r.get(K.bucket("j", bucket_of(EXP))) == "\0" + json.dumps(name) + "\n"
    assert r.get(K.item("j", name)) == str(EXP)


def test_the_index_drops_minutes_that_ended(r: redis.Redis) -> None:
    now_ms = int(r.time()[0]) * 1000
    r.zadd(K.buckets, {"1000": 1000})
    revoke(r, "j", "t", now_ms + 120_000)
    assert r.zrange(K.buckets, 0, -1) == [str(bucket_of(now_ms + 120_000))]
    assert r.pttl(K.buckets) > 0


def test_begin_reports_epoch_time_seq_and_repairs(r: redis.Redis) -> None:
    keys = [K.epoch, K.seq, K.repairing]
    epoch, now, seq, repairing = run(r, "begin", keys, ["cand"])
    assert epoch.startswith("cand:") and seq == 0 and repairing == 0
    assert abs(now - int(r.time()[0]) * 1000) < 10_000
    r.set(K.seq, 7)
    r.sadd(K.repairing, "x", "y")
    again = run(r, "begin", keys, ["other"])
    assert (again[0], again[2], again[3]) == (epoch, 7, 2)  # the epoch is written once


def test_mark_repairing_adds_this_store_for_a_while(r: redis.Redis) -> None:
    assert run(r, "mark_repairing", [K.repairing], ["me", 5000]) == 1
    assert r.smembers(K.repairing) == {"me"}
    assert 0 < r.pttl(K.repairing) <= 5000


def test_restore_republishes_what_redis_lacks_without_a_push(r: redis.Redis) -> None:
    revoke(r, "j", "kept")
    seq = r.get(K.seq)
    items = [("j", "kept", EXP, 0.0), ("j", "lost", EXP, 0.0), ("s", "bob", EXP, 9.0)]
    keys = [K.buckets, K.repairing] + [K.item(kind, name) for kind, name, _, _ in items]
    args: list[Any] = [4000, K.prefix]
    for kind, name, exp, cutoff in items:
        args += [kind, exp, repr(cutoff), name]
    r.sadd(K.repairing, "me")
    assert run(r, "restore", keys, args) == 2
    assert r.get(K.item("j", "lost")) == str(EXP)
    assert r.get(K.item("s", "bob")) == f"{EXP}:9"  # %.17g
    assert r.get(K.seq) == seq
    assert 0 < r.pttl(K.repairing) <= 4000
    assert run(r, "restore", keys, args) == 0


def test_announce_ends_a_repair_past_every_seq_seen(r: redis.Redis) -> None:
    pubsub = r.pubsub()
    pubsub.subscribe(K.channel)
    pubsub.get_message(timeout=5)
    r.sadd(K.repairing, "me", "other")
    r.set(K.seq, 3)
    seq, epoch = run(r, "announce", [K.repairing, K.seq, K.epoch], ["me", 10, "cand", K.channel])
    assert seq == 11 and epoch.startswith("cand:")
    assert r.smembers(K.repairing) == {"other"}
    message = pubsub.get_message(timeout=5)
    assert message is not None and message["data"] == "R|11"
    seq, again = run(r, "announce", [K.repairing, K.seq, K.epoch], ["me", 2, "x", K.channel])
    assert (seq, again) == (12, epoch)
    pubsub.close()
