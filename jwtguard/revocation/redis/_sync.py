"""The synchronous Redis store (redis-py): a daemon thread drives the listener flow.

Checks in a process whose first sync is running (a new worker, a fork) wait for it,
in every thread, at most ``sync_timeout``; each state change is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any

import redis

from jwtguard._flow import run
from jwtguard.revocation.redis import _flows
from jwtguard.revocation.redis._client import DOWN, Session
from jwtguard.revocation.redis._protocol import Operation, Sleep, Unsubscribe, Write
from jwtguard.revocation.redis._state import RedisStoreBase

if TYPE_CHECKING:
    from collections.abc import Iterable

    from jwtguard.claims import Claims

__all__ = ["RedisRevocationStore"]


class RedisRevocationStore(RedisStoreBase):
    """A :class:`jwtguard.RevocationStore` on a synchronous redis-py client.

    ``RedisRevocationStore.from_env()`` reads ``JWTGUARD_REDIS_URL`` and friends
    (see :class:`RedisConfig`); or pass ``client=`` (e.g. a ``RedisCluster`` or
    a Sentinel ``master_for(...)`` client, whose timeouts are then yours).
    In push mode a daemon thread listens; it starts on :meth:`start`, or on the
    first check (also after a ``fork``). Until it is in sync, checks wait for the
    first sync (at most ``sync_timeout``), then fail closed.
    """

    client_class = redis.Redis

    def _prepare(self) -> None:
        self._perform = functools.partial(self._execute, self.session)
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        if self.config.mode == "roundtrip":
            self.is_revoked = self._is_revoked_roundtrip  # type: ignore[method-assign]
        else:
            os.register_at_fork(after_in_child=functools.partial(_forked, weakref.ref(self)))

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, wait: float | None = None) -> bool:
        """Start listening (push mode) and wait up to ``wait`` s (default
        ``sync_timeout``) for the first sync. Returns whether the store is in sync."""
        if self.config.mode == "roundtrip":
            return True
        self.ensure_listener()
        return self.wait_for_sync(self.config.sync_timeout if wait is None else wait)

    def close(self) -> None:
        """Stop the listener and close the client's connections (idempotent)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.config.heartbeat + self.config.timeout + 1)
        self.forget_sync("closed")
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
            self.begin_sync(f"listener starting in process {os.getpid()}", announce=True)
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._listen, name="jwtguard-revocation", daemon=True
            )
            self._thread.start()

    # -- the driver --------------------------------------------------------------------

    def _execute(self, session: Session, op: Operation) -> Any:
        if session.listener and self._stop.is_set():
            raise _flows.Closed
        if isinstance(op, Sleep):
            return self._stop.wait(op.seconds)
        if isinstance(op, Write):
            pipe = self.client.pipeline(transaction=False)
            session.scripts[op.script.name](keys=op.script.keys, args=op.script.args, client=pipe)
            pipe.execute_command("WAIT", op.replicas, op.timeout_ms)
            result, acked = pipe.execute()
            return result, int(acked)
        return session.call(op)

    def _call(self, flow: _flows.Flow[Any]) -> Any:
        try:
            return run(flow, self._perform)
        except DOWN as exc:
            raise self.call_failed() from exc

    def _listen(self) -> None:
        session = self.session.for_listener()
        try:
            run(_flows.keep_listening(self), functools.partial(self._execute, session))
        except _flows.Closed:
            pass
        finally:
            if session.pubsub is not None:
                with contextlib.suppress(*DOWN):
                    session.call(Unsubscribe())

    # -- the checker -------------------------------------------------------------------

    def _is_revoked_roundtrip(self, claims: Claims) -> bool:
        """Round-trip mode's per-request check: one ``MGET`` per call."""
        try:
            answer = run(_flows.check(self, claims), self._perform)
        except DOWN as exc:
            self.mark_down(exc)
            self.unavailable()
            return self.denylist.is_revoked(claims)
        self.mark_healthy()
        return bool(answer) or self.denylist.is_revoked(claims)

    def check(self, claims: Claims) -> bool:
        """Ask Redis itself whether ``claims`` are revoked; raises when it cannot."""
        return bool(self._call(_flows.check(self, claims)))

    def is_jti_revoked(self, jti: str) -> bool:
        """Whether Redis holds a revocation of ``jti``; raises when it cannot answer."""
        return bool(self._call(_flows.jti_listed(self, jti)))

    # -- writes ------------------------------------------------------------------------

    def revoke(self, jti: str, expires_at: float) -> bool:
        """Revoke one token by ``jti`` until ``expires_at`` (+ leeway); False if it already was."""
        return bool(self._call(_flows.revoke(self, "j", jti, expires_at, 0.0)))

    def revoke_many(self, tokens: Iterable[tuple[str, float]]) -> int:
        """Revoke many tokens by ``(jti, expires_at)`` at once (an import, a migration):
        pages of 500 per script run, one resync of every store at the end instead of
        a push per entry. Returns how many were not revoked before."""
        return int(self._call(_flows.revoke_many(self, list(tokens))))

    def revoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every token whose ``fam`` claim is ``family`` until ``expires_at`` (+ leeway)."""
        self._call(_flows.revoke(self, "f", family, expires_at, 0.0))

    def revoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """Revoke ``subject``'s tokens issued before ``issued_before`` (default: the end of
        the current second; see :meth:`MemoryRevocationStore.revoke_subject`)."""
        cutoff, until = self.subject_window(issued_before, expires_at)
        self._call(_flows.revoke(self, "s", subject, until, cutoff))

    # -- async variants (run the sync calls in a thread; each bounded by the timeout) ---

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        """See :meth:`revoke`."""
        return await asyncio.to_thread(self.revoke, jti, expires_at)

    async def ais_jti_revoked(self, jti: str) -> bool:
        """See :meth:`is_jti_revoked`."""
        return await asyncio.to_thread(self.is_jti_revoked, jti)

    async def acheck(self, claims: Claims) -> bool:
        """See :meth:`check`."""
        return await asyncio.to_thread(self.check, claims)

    async def arevoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """See :meth:`revoke_subject`."""
        await asyncio.to_thread(
            functools.partial(
                self.revoke_subject, subject, issued_before=issued_before, expires_at=expires_at
            )
        )

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        """See :meth:`revoke_family`."""
        await asyncio.to_thread(self.revoke_family, family, expires_at)

    async def aclose(self) -> None:
        """See :meth:`close`."""
        await asyncio.to_thread(self.close)


def _forked(ref: weakref.ref[RedisRevocationStore]) -> None:
    """In a forked child the listener thread is gone: the local list is no longer fed.
    The child's first check starts its own listener, and every thread waits for its sync."""
    store = ref()
    if store is not None and store.state != "closed":
        store.forget_sync("syncing")
