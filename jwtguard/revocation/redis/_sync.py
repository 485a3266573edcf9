"""The synchronous Redis revocation store (redis-py).

Writes go to Redis first (a revoke that cannot reach Redis raises
:class:`RevocationUnavailableError`; it never pretends), then to this process's
denylist, so the revoking process enforces it on its very next request. Every
other process learns it by pub/sub into its own denylist (push mode), so the
Guard's per-request check is a dict look-up. On every (re)connect the listener
subscribes first, then reloads the whole index, so nothing published while it
was away is missed. See docs/revocation.md and docs/deployment.md.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

import redis
from redis.exceptions import RedisError

from jwtguard.errors import RevocationUnavailableError
from jwtguard.revocation.memory import subject_window
from jwtguard.revocation.redis._client import client_options
from jwtguard.revocation.redis._protocol import (
    REVOKE_SCRIPT,
    SNAPSHOT_BATCH,
    RedisConfig,
    RedisStoreBase,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jwtguard.claims import Claims
    from jwtguard.protocols import Clock

__all__ = ["RedisRevocationStore"]

_DOWN = (RedisError, OSError)


class RedisRevocationStore(RedisStoreBase):
    """A :class:`jwtguard.RevocationStore` on a synchronous redis-py client.

    ``RedisRevocationStore.from_env()`` reads ``JWTGUARD_REDIS_URL`` and friends
    (see :class:`RedisConfig`); or pass ``client=`` (e.g. a ``RedisCluster`` or
    a Sentinel ``master_for(...)`` client, whose timeouts are then yours).
    In push mode a daemon thread listens; it starts on :meth:`start`, or on the
    first check (also after a ``fork``). Until it is in sync, checks fail closed.
    """

    def __init__(
        self,
        config: RedisConfig | None = None,
        *,
        client: Any = None,
        clock: Clock = time.time,
    ) -> None:
        config = config or RedisConfig()
        super().__init__(config, clock)
        if client is None:
            client = redis.Redis.from_url(
                config.url or "redis://127.0.0.1:6379/0", **client_options(config)
            )
        self.client = client
        self._script = client.register_script(REVOKE_SCRIPT)
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._start_lock = threading.Lock()
        if config.mode == "roundtrip":
            self.is_revoked = self._is_revoked_roundtrip  # type: ignore[method-assign]
        else:
            os.register_at_fork(after_in_child=functools.partial(_forked, weakref.ref(self)))

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        client: Any = None,
        clock: Clock = time.time,
        **overrides: Any,
    ) -> RedisRevocationStore:
        """A store configured from ``JWTGUARD_REDIS_*``; see :meth:`RedisConfig.from_env`."""
        config = RedisConfig.from_env(environ, require_url=client is None, **overrides)
        return cls(config, client=client, clock=clock)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, wait: float | None = None) -> bool:
        """Start listening (push mode) and wait up to ``wait`` s (default: the timeout)
        for the first sync. Returns whether the store is in sync."""
        if self.config.mode == "roundtrip":
            return True
        self.ensure_listener()
        return self._ready.wait(self.config.timeout if wait is None else wait)

    def close(self) -> None:
        """Stop the listener and close the client's connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.heartbeat + self.config.timeout + 1)
        self.not_in_sync()
        self.client.close()

    def __enter__(self) -> RedisRevocationStore:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def ensure_listener(self) -> None:
        """Start (or restart after ``fork``) the pub/sub listener thread."""
        if self.config.mode != "push" or self._stop.is_set():
            return
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self.not_in_sync()
            self._ready.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._listen, name="jwtguard-revocation", daemon=True
            )
            self._thread.start()
        self._ready.wait(self.config.timeout)  # the first request waits at most this long

    # -- the checker -------------------------------------------------------------------

    def _is_revoked_roundtrip(self, claims: Claims) -> bool:
        """Round-trip mode's per-request check: one ``MGET`` per call."""
        try:
            answer = self._check_remote(claims)
        except _DOWN as exc:
            self.mark_down(exc)
            self.unavailable()
            return self.denylist.is_revoked(claims)
        self.mark_healthy()
        return answer or self.denylist.is_revoked(claims)

    def check(self, claims: Claims) -> bool:
        """Ask Redis itself whether ``claims`` are revoked; raises when it cannot."""
        try:
            return self._check_remote(claims)
        except _DOWN as exc:
            raise RevocationUnavailableError(self._retry_after) from exc

    def _check_remote(self, claims: Claims) -> bool:
        return self.decide(claims, list(self.client.mget(self.check_args(claims))))

    def is_jti_revoked(self, jti: str) -> bool:
        """Whether Redis holds a revocation of ``jti``; raises when it cannot answer."""
        try:
            return bool(self.client.exists(self.keys.item("j", jti)))
        except _DOWN as exc:
            raise RevocationUnavailableError(self._retry_after) from exc

    # -- writes ------------------------------------------------------------------------

    def _write(self, kind: str, name: str, expires_at: float, cutoff: float = 0.0) -> bool:
        keys, args = self.script_args(kind, name, expires_at, cutoff)
        try:
            added = bool(self._script(keys=keys, args=args))
        except _DOWN as exc:
            raise RevocationUnavailableError(self._retry_after) from exc
        self.remember(kind, name, expires_at + self.config.leeway, cutoff)
        return added

    def revoke(self, jti: str, expires_at: float) -> bool:
        """Revoke one token by ``jti`` until ``expires_at`` (+ leeway); False if it already was."""
        return self._write("j", jti, expires_at)

    def revoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every token whose ``fam`` claim is ``family`` until ``expires_at`` (+ leeway)."""
        self._write("f", family, expires_at)

    def revoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """Revoke ``subject``'s tokens issued before ``issued_before`` (default: the end of
        the current second; see :meth:`MemoryRevocationStore.revoke_subject`)."""
        cutoff, until = subject_window(
            self.clock(), issued_before, expires_at, self.config.max_token_lifetime
        )
        self._write("s", subject, until, cutoff)

    # -- async variants (run the sync calls in a thread; each bounded by the timeout) ---

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        """See :meth:`revoke`."""
        import asyncio

        return await asyncio.to_thread(self.revoke, jti, expires_at)

    async def ais_jti_revoked(self, jti: str) -> bool:
        """See :meth:`is_jti_revoked`."""
        import asyncio

        return await asyncio.to_thread(self.is_jti_revoked, jti)

    async def acheck(self, claims: Claims) -> bool:
        """See :meth:`check`."""
        import asyncio

        return await asyncio.to_thread(self.check, claims)

    async def arevoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """See :meth:`revoke_subject`."""
        import asyncio

        await asyncio.to_thread(
            lambda: self.revoke_subject(subject, issued_before=issued_before, expires_at=expires_at)
        )

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        """See :meth:`revoke_family`."""
        import asyncio

        await asyncio.to_thread(self.revoke_family, family, expires_at)

    # -- the listener ------------------------------------------------------------------

    def _listen(self) -> None:
        delay = 0.05
        while not self._stop.is_set():
            pubsub = None
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.keys.channel)
                self._resync()
                self.mark_healthy()
                self._ready.set()
                delay = 0.05
                self._pump(pubsub)
            except _DOWN as exc:
                self.mark_down(exc, delay * 2)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(*_DOWN):
                        pubsub.close()
            self._stop.wait(delay)
            delay = min(delay * 2, 1.0)

    def _pump(self, pubsub: Any) -> None:
        heartbeat = self.config.heartbeat
        last_seen = last_ping = time.monotonic()
        while not self._stop.is_set():
            msg = pubsub.get_message(timeout=min(heartbeat, 0.1))
            now = time.monotonic()
            if msg is not None:
                last_seen = now
                if msg.get("type") == "message":
                    self.apply(msg["data"])
            if now - last_ping >= heartbeat:
                pubsub.ping()
                last_ping = now
            if now - last_seen > 3 * heartbeat:
                raise redis.ConnectionError("no heartbeat from Redis")

    def _resync(self) -> None:
        start = f"({int(self.clock() * 1000)}"
        offset = 0
        while True:
            page = self.client.zrangebyscore(
                self.keys.index, start, "+inf", start=offset, num=SNAPSHOT_BATCH, withscores=True
            )
            subject_keys = self.snapshot_page(page)
            if subject_keys:
                self.snapshot_subjects(subject_keys, self.client.mget(subject_keys))
            if len(page) < SNAPSHOT_BATCH:
                return
            offset += SNAPSHOT_BATCH


def _forked(ref: weakref.ref[RedisRevocationStore]) -> None:
    """In a forked child the listener thread is gone: the local list is no longer fed."""
    store = ref()
    if store is not None:
        store.not_in_sync()
