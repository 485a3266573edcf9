"""Every Redis sequence the stores run, written once as an I/O-free generator (the
style of httpx's auth flows): a flow yields the operation it needs (see
``_protocol``) and is sent its reply; the sync and the async store each drive it in
a few lines. Errors from Redis surface in the driver, which drops the flow.

- :func:`listen`: one pub/sub connection's life: subscribe, sync, then apply pushes
  and heartbeat until the connection fails or goes silent.
- :func:`sync`: a (re)sync: detect a lost list (epoch, sequence) and repair it from
  this process's copy first, wait while another process repairs, then load the index
  page by page and check it is still the same list.
- :func:`revoke`, :func:`check`, :func:`jti_listed`: the writes and authoritative reads.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from jwtguard.revocation.redis._protocol import (
    Command,
    GetMessage,
    Ping,
    Sleep,
    Subscribe,
    Write,
)

if TYPE_CHECKING:
    from jwtguard.claims import Claims
    from jwtguard.revocation.redis._state import RedisStoreBase

__all__ = ["Flow", "check", "jti_listed", "listen", "revoke", "revoke_many", "sync"]

Flow = Generator[Any, Any, Any]


def listen(store: RedisStoreBase) -> Flow:
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


def sync(store: RedisStoreBase, reason: str) -> Flow:
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


def _repair(store: RedisStoreBase) -> Flow:
    yield store.mark_repairing_script()
    restored = 0
    for script in store.restore_scripts():
        restored += int((yield script))
    store.announced((yield store.announce_script()))
    store.repaired(restored)


def revoke_many(store: RedisStoreBase, entries: list[tuple[str, float]]) -> Flow:
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


def revoke(store: RedisStoreBase, kind: str, name: str, expires_at: float, cutoff: float) -> Flow:
    """Write one revocation (then ``WAIT`` for replicas); True when it was new.

    The local copy learns it at once, so this process refuses it on its next check,
    even when the replicas did not confirm it (then this raises: not acknowledged).
    """
    config = store.config
    reply, acked = yield Write(
        store.revoke_script(kind, name, expires_at, cutoff),
        config.replicas,
        int(config.timeout * 800),  # under the socket timeout, so WAIT answers first
    )
    store.remember(kind, name, expires_at + config.leeway, cutoff)
    store.seen_seq = max(store.seen_seq, int(reply[1]))
    if acked < config.replicas:
        raise store.unacknowledged(acked)
    return bool(int(reply[0]))


def check(store: RedisStoreBase, claims: Claims) -> Flow:
    """Whether Redis itself holds a revocation matching ``claims``."""
    values = yield Command(("MGET", *store.check_keys(claims)))
    return store.decide(claims, list(values))


def jti_listed(store: RedisStoreBase, jti: str) -> Flow:
    """Whether Redis holds a revocation of ``jti``."""
    return bool((yield Command(("EXISTS", store.keys.item("j", jti)))))
