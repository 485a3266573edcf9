"""Every Redis sequence the stores run, written once as an I/O-free generator (the
style of httpx's auth flows): a flow yields the operation it needs (see
``_protocol``) and is sent its reply; the sync and the async store each drive it in
a few lines with :func:`jwtguard._flow.run` / ``arun``. A Redis error is thrown into
the flow at the operation that failed: :func:`keep_listening` handles it, every other
flow lets it through to the store, which reports the store unavailable.

- :func:`keep_listening`: the listener's whole life: :func:`listen`, and after each
  lost connection mark the store down, close the connection, back off and listen again.
- :func:`listen`: one pub/sub connection's life: subscribe, sync, then apply pushes
  and heartbeat until the connection fails or goes silent.
- :func:`sync`: a (re)sync: detect a lost list (epoch, sequence) and repair it from
  this process's copy first, wait while another process repairs, then load the index
  page by page and check it is still the same list.
- :func:`revoke`, :func:`check`, :func:`jti_listed`: the writes and authoritative reads.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from jwtguard.revocation.redis._client import DOWN
from jwtguard.revocation.redis._protocol import (
    Command,
    GetMessage,
    Operation,
    Ping,
    Sleep,
    Subscribe,
    Unsubscribe,
    Write,
)

if TYPE_CHECKING:
    from jwtguard.claims import Claims
    from jwtguard.revocation.redis._state import RedisStoreBase

__all__ = [
    "Closed",
    "Flow",
    "check",
    "jti_listed",
    "keep_listening",
    "listen",
    "revoke",
    "revoke_many",
    "sync",
]

T = TypeVar("T")
Flow = Generator[Operation, Any, T]


class Closed(Exception):
    """Raised by a listener's driver at the next operation once the store is closing."""


def keep_listening(store: RedisStoreBase) -> Flow[None]:
    """Listen; after each lost connection mark the store down (checks fail closed),
    close the pub/sub connection, wait (50 ms doubling to 1 s) and listen again."""
    delay = 0.05
    while True:
        try:
            yield from listen(store)
        except DOWN as exc:
            if store.healthy:
                delay = 0.05
            store.mark_down(exc, delay * 2)
        with contextlib.suppress(*DOWN):
            yield Unsubscribe()
        yield Sleep(delay)
        delay = min(delay * 2, 1.0)


def listen(store: RedisStoreBase) -> Flow[None]:
    """Subscribe first (so nothing pushed during the load is missed), sync, then pump."""
    yield Subscribe(store.keys.channel)
    yield from sync(store, "connected")
    heartbeat = store.config.heartbeat
    last_seen = last_ping = time.monotonic()
    while True:
        message = yield GetMessage(min(heartbeat, 0.1))
        now = time.monotonic()
        if message is not None:
            last_seen = now
            if message.get("type") == "message" and store.apply(message["data"]):
                yield from sync(store, "a repaired list was announced")
                last_seen = time.monotonic()
        if now - last_ping >= heartbeat:
            yield Ping()
            last_ping = now
        if now - last_seen > 3 * heartbeat:
            raise ConnectionError("no heartbeat from Redis")


def sync(store: RedisStoreBase, reason: str) -> Flow[None]:
    """(Re)load the local copy; see the module docstring."""
    store.begin_sync(reason)
    while True:
        step = store.begin(reply=(yield store.begin_script()))
        if step == "repair":
            yield from _repair(store)
            continue
        if not isinstance(step, str):
            yield Sleep(float(step))
            continue
        for page, read in store.bucket_reads((yield store.buckets_command())):
            store.load_buckets(page, (yield read))
        if store.confirm((yield store.begin_script())):  # still the list it started from
            store.synced()
            return


def _repair(store: RedisStoreBase) -> Flow[None]:
    yield store.mark_repairing_script()
    restored = 0
    for script in store.restore_scripts():
        restored += int((yield script))
    store.announced((yield store.announce_script()))
    store.repaired(restored)


def revoke_many(store: RedisStoreBase, entries: list[tuple[str, float]]) -> Flow[int]:
    """Bulk revocation by ``(jti, expires_at)``, in pages; every store then resyncs once
    (one announcement, not a push per entry). Returns how many Redis lacked."""
    leeway = store.config.leeway
    added = 0
    pages = store.restore_scripts(("j", jti, exp + leeway, 0.0) for jti, exp in entries)
    for script in pages:
        added += int((yield script))
    for jti, exp in entries:
        store.remember("j", jti, exp + leeway)
    store.announced((yield store.announce_script()))
    return added


def revoke(
    store: RedisStoreBase, kind: str, name: str, expires_at: float, cutoff: float
) -> Flow[bool]:
    """Write one revocation (then ``WAIT`` for replicas); True when it was new.

    The local copy learns it at once, so this process refuses it on its next check,
    even when the replicas did not confirm it (then this raises: not acknowledged).
    """
    config = store.config
    script = store.revoke_script(kind, name, expires_at, cutoff)
    if config.replicas:
        wait_ms = int(config.timeout * 800)  # under the socket timeout, so WAIT answers first
        reply, acked = yield Write(script, config.replicas, wait_ms)
    else:
        reply, acked = (yield script), 0
    store.remember(kind, name, expires_at + config.leeway, cutoff)
    store.seen_seq = max(store.seen_seq, int(reply[1]))
    if acked < config.replicas:
        raise store.unacknowledged(acked)
    return bool(int(reply[0]))


def check(store: RedisStoreBase, claims: Claims) -> Flow[bool]:
    """Whether Redis itself holds a revocation matching ``claims``."""
    values = yield Command(("MGET", *store.check_keys(claims)))
    return store.decide(claims, list(values))


def jti_listed(store: RedisStoreBase, jti: str) -> Flow[bool]:
    """Whether Redis holds a revocation of ``jti``."""
    return bool((yield Command(("EXISTS", store.keys.item("j", jti)))))
