"""The asyncio Redis store (``redis.asyncio``): the same flows, driven on the loop.

Same keys, scripts and messages as the sync store, so sync and async processes
share one Redis. The listener is a task on the running loop: ``await store.start()``
at application start-up (e.g. a lifespan hook). Only push mode: the Guard's check
is synchronous and must not wait on I/O, so a check never waits for a sync here
either (it fails closed until ``start`` has synced).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from typing import TYPE_CHECKING, Any

import redis.asyncio as aredis

from jwtguard._flow import arun
from jwtguard.revocation.redis import _flows
from jwtguard.revocation.redis._client import DOWN, Session
from jwtguard.revocation.redis._protocol import GetMessage, Operation, Sleep, Unsubscribe, Write
from jwtguard.revocation.redis._state import RedisStoreBase

if TYPE_CHECKING:
    from collections.abc import Iterable

    from jwtguard.claims import Claims

__all__ = ["AsyncRedisRevocationStore"]


class AsyncRedisRevocationStore(RedisStoreBase):
    """A :class:`jwtguard.AsyncRevocationStore` on ``redis.asyncio``, push mode only.

    Checks fail closed until :meth:`start` has synced the local denylist. Every
    Redis call is bounded by ``config.timeout``.
    """

    client_class = aredis.Redis
    modes = ("push",)

    def _prepare(self) -> None:
        self._perform = functools.partial(self._execute, self.session)
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self, wait: float | None = None) -> bool:
        """Start the listener task; wait up to ``wait`` s (default ``sync_timeout``) for sync."""
        self.ensure_listener()
        deadline = time.monotonic() + (self.config.sync_timeout if wait is None else wait)
        while not self.healthy and self.state != "down" and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return self.healthy

    async def aclose(self) -> None:
        """Stop the listener and close the client (idempotent)."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.forget_sync("closed")
        await self.client.aclose()

    close = aclose
    """Same as :meth:`aclose` (awaitable)."""

    async def __aenter__(self) -> AsyncRedisRevocationStore:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def ensure_listener(self) -> None:
        """Start the listener task if none runs (needs a running loop; else no-op)."""
        if self._closing or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self.begin_sync("listener starting", announce=True)
        self._task = loop.create_task(self._listen(), name="jwtguard-revocation")

    def wait_for_sync(self, timeout: float) -> bool:
        """Never blocks here: waiting would stall the very loop the listener runs on."""
        return self.healthy

    # -- the driver --------------------------------------------------------------------

    async def _execute(self, session: Session, op: Operation) -> Any:
        if session.listener and self._closing:
            raise _flows.Closed  # redis-py may swallow the task's cancellation: stop here too
        if isinstance(op, Sleep):
            return await asyncio.sleep(op.seconds)
        bound = self.config.timeout + (op.timeout if isinstance(op, GetMessage) else 0.0)
        if isinstance(op, Write):
            return await asyncio.wait_for(self._write(op), bound)
        return await asyncio.wait_for(session.call(op), bound)

    async def _write(self, op: Write) -> tuple[Any, int]:
        pipe = self.client.pipeline(transaction=False)
        await self.session.scripts[op.script.name](
            keys=op.script.keys, args=op.script.args, client=pipe
        )
        pipe.execute_command("WAIT", op.replicas, op.timeout_ms)
        result, acked = await pipe.execute()
        return result, int(acked)

    async def _call(self, flow: _flows.Flow[Any]) -> Any:
        try:
            return await arun(flow, self._perform)
        except DOWN as exc:
            raise self.call_failed() from exc

    async def _listen(self) -> None:
        session = self.session.for_listener()
        try:
            await arun(_flows.keep_listening(self), functools.partial(self._execute, session))
        except _flows.Closed:
            pass
        finally:
            if session.pubsub is not None:
                with contextlib.suppress(*DOWN):
                    await session.call(Unsubscribe())

    # -- authoritative reads and writes ----------------------------------------------

    async def acheck(self, claims: Claims) -> bool:
        """Ask Redis itself whether ``claims`` are revoked; raises when it cannot."""
        return bool(await self._call(_flows.check(self, claims)))

    async def ais_jti_revoked(self, jti: str) -> bool:
        """Whether Redis holds a revocation of ``jti``; raises when it cannot answer."""
        return bool(await self._call(_flows.jti_listed(self, jti)))

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        """Revoke one token by ``jti`` until ``expires_at`` (+ leeway); False if it already was."""
        return bool(await self._call(_flows.revoke(self, "j", jti, expires_at, 0.0)))

    async def arevoke_many(self, tokens: Iterable[tuple[str, float]]) -> int:
        """See :meth:`RedisRevocationStore.revoke_many`."""
        return int(await self._call(_flows.revoke_many(self, list(tokens))))

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every token whose ``fam`` claim is ``family``."""
        await self._call(_flows.revoke(self, "f", family, expires_at, 0.0))

    async def arevoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """Revoke ``subject``'s tokens issued before ``issued_before`` (default: this second)."""
        cutoff, until = self.subject_window(issued_before, expires_at)
        await self._call(_flows.revoke(self, "s", subject, until, cutoff))
