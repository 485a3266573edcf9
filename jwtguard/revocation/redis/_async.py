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
import time
from typing import TYPE_CHECKING, Any

import redis.asyncio as aredis
from redis.exceptions import RedisError

from jwtguard.errors import ConfigError
from jwtguard.revocation.redis import _flows
from jwtguard.revocation.redis._client import client_options, is_cluster
from jwtguard.revocation.redis._config import RedisConfig
from jwtguard.revocation.redis._protocol import (
    SCRIPTS,
    Command,
    GetMessage,
    Ping,
    Script,
    Sleep,
    Subscribe,
    Write,
)
from jwtguard.revocation.redis._state import RedisStoreBase

if TYPE_CHECKING:
    from collections.abc import Iterable

    from jwtguard.claims import Claims
    from jwtguard.protocols import Clock

__all__ = ["AsyncRedisRevocationStore"]

_DOWN = (RedisError, OSError, asyncio.TimeoutError)


class AsyncRedisRevocationStore(RedisStoreBase):
    """A :class:`jwtguard.AsyncRevocationStore` on ``redis.asyncio``, push mode only.

    Checks fail closed until :meth:`start` has synced the local denylist. Every
    Redis call is bounded by ``config.timeout``.
    """

    def __init__(
        self,
        config: RedisConfig | None = None,
        *,
        client: Any = None,
        clock: Clock = time.time,
    ) -> None:
        config = config or RedisConfig()
        if config.mode != "push":
            raise ConfigError("mode: the asyncio store supports only 'push'")
        super().__init__(config, clock)
        if client is None:
            client = aredis.Redis.from_url(
                config.url or "redis://127.0.0.1:6379/0", **client_options(config)
            )
        if config.replicas and is_cluster(client):
            raise ConfigError("replicas: WAIT is not available through a Redis Cluster client")
        self.client = client
        self._scripts = {name: client.register_script(text) for name, text in SCRIPTS.items()}
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

    async def _run(self, flow: _flows.Flow, session: list[Any] | None = None) -> Any:
        reply: Any = None
        while True:
            if session is not None and self._closing:
                flow.close()  # redis-py may swallow the task's cancellation: stop here too
                return None
            try:
                op = flow.send(reply)
            except StopIteration as done:
                return done.value
            reply = await asyncio.wait_for(self._execute(op, session), self._bound(op))

    def _bound(self, op: Any) -> float | None:
        if isinstance(op, Sleep):
            return None
        return self.config.timeout + (op.timeout if isinstance(op, GetMessage) else 0.0)

    async def _execute(self, op: Any, session: list[Any] | None) -> Any:
        if isinstance(op, Script):
            return await self._scripts[op.name](keys=op.keys, args=op.args)
        if isinstance(op, Command):
            return await self.client.execute_command(*op.args)
        if isinstance(op, Write):
            if not op.replicas:
                return await self._execute(op.script, session), 0
            pipe = self.client.pipeline(transaction=False)
            await self._scripts[op.script.name](
                keys=op.script.keys, args=op.script.args, client=pipe
            )
            pipe.execute_command("WAIT", op.replicas, op.timeout_ms)
            result, acked = await pipe.execute()
            return result, int(acked)
        assert session is not None  # the listener-only operations below
        if isinstance(op, GetMessage):
            return await session[0].get_message(timeout=op.timeout)
        if isinstance(op, Ping):
            return await session[0].ping()
        if isinstance(op, Subscribe):
            session.append(self.client.pubsub(ignore_subscribe_messages=True))
            return await session[0].subscribe(op.channel)
        if isinstance(op, Sleep):
            return await asyncio.sleep(op.seconds)
        raise TypeError(f"unknown operation {op!r}")

    async def _call(self, flow: _flows.Flow) -> Any:
        try:
            return await self._run(flow)
        except _DOWN as exc:
            raise self.call_failed() from exc

    async def _listen(self) -> None:
        delay = 0.05
        while not self._closing:
            session: list[Any] = []
            try:
                await self._run(_flows.listen(self), session)
            except _DOWN as exc:
                if self.healthy:
                    delay = 0.05
                self.mark_down(exc, delay * 2)
            finally:
                for pubsub in session:
                    with contextlib.suppress(*_DOWN):
                        await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

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
