"""The asyncio Redis store (``redis.asyncio``): the sync store's twin for async apps.

Same keys, script and messages as :mod:`jwtguard.revocation.redis`, so sync and
async processes can share one Redis. The listener is a task on the running
loop: ``await store.start()`` at application start-up (e.g. a lifespan hook).
Only push mode: the Guard's check is synchronous and must not wait on I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

import redis.asyncio as aredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from jwtguard.errors import ConfigError, RevocationUnavailableError
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
        self.client = client
        self._script = client.register_script(REVOKE_SCRIPT)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._closing = False

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        client: Any = None,
        clock: Clock = time.time,
        **overrides: Any,
    ) -> AsyncRedisRevocationStore:
        """A store configured from ``JWTGUARD_REDIS_*``; see :meth:`RedisConfig.from_env`."""
        config = RedisConfig.from_env(environ, require_url=client is None, **overrides)
        return cls(config, client=client, clock=clock)

    async def start(self, wait: float | None = None) -> bool:
        """Start the listener task; wait up to ``wait`` s (default: the timeout) for sync."""
        self.ensure_listener()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                self._ready.wait(), self.config.timeout if wait is None else wait
            )
        return self.healthy

    async def close(self) -> None:
        """Stop the listener and close the client."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.not_in_sync()
        await self.client.aclose()

    async def __aenter__(self) -> AsyncRedisRevocationStore:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def ensure_listener(self) -> None:
        """Start the listener task if none runs (needs a running loop; else no-op)."""
        if self._closing or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._listen(), name="jwtguard-revocation")

    # -- authoritative reads and writes ----------------------------------------------

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await asyncio.wait_for(awaitable, self.config.timeout)
        except _DOWN as exc:
            raise RevocationUnavailableError(self._retry_after) from exc

    async def acheck(self, claims: Claims) -> bool:
        """Ask Redis itself whether ``claims`` are revoked; raises when it cannot."""
        values = await self._call(self.client.mget(self.check_args(claims)))
        return self.decide(claims, list(values))

    async def ais_jti_revoked(self, jti: str) -> bool:
        """Whether Redis holds a revocation of ``jti``; raises when it cannot answer."""
        return bool(await self._call(self.client.exists(self.keys.item("j", jti))))

    async def _write(self, kind: str, name: str, expires_at: float, cutoff: float = 0.0) -> bool:
        keys, args = self.script_args(kind, name, expires_at, cutoff)
        added = bool(await self._call(self._script(keys=keys, args=args)))
        self.remember(kind, name, expires_at + self.config.leeway, cutoff)
        return added

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        """Revoke one token by ``jti`` until ``expires_at`` (+ leeway); False if it already was."""
        return await self._write("j", jti, expires_at)

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every token whose ``fam`` claim is ``family``."""
        await self._write("f", family, expires_at)

    async def arevoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """Revoke ``subject``'s tokens issued before ``issued_before`` (default: this second)."""
        cutoff, until = subject_window(
            self.clock(), issued_before, expires_at, self.config.max_token_lifetime
        )
        await self._write("s", subject, until, cutoff)

    # -- the listener ------------------------------------------------------------------

    async def _listen(self) -> None:
        delay = 0.05
        while not self._closing:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await asyncio.wait_for(pubsub.subscribe(self.keys.channel), self.config.timeout)
                await self._resync()
                self.mark_healthy()
                self._ready.set()
                delay = 0.05
                await self._pump(pubsub)
            except _DOWN as exc:
                self.mark_down(exc, delay * 2)
            finally:
                with contextlib.suppress(*_DOWN):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _pump(self, pubsub: Any) -> None:
        heartbeat = self.config.heartbeat
        last_seen = last_ping = time.monotonic()
        while not self._closing:
            msg = await pubsub.get_message(timeout=min(heartbeat, 0.1))
            now = time.monotonic()
            if msg is not None:
                last_seen = now
                if msg.get("type") == "message":
                    self.apply(msg["data"])
            if now - last_ping >= heartbeat:
                await asyncio.wait_for(pubsub.ping(), self.config.timeout)
                last_ping = now
            if now - last_seen > 3 * heartbeat:
                raise RedisConnectionError("no heartbeat from Redis")

    async def _resync(self) -> None:
        start = f"({int(self.clock() * 1000)}"
        offset = 0
        timeout = self.config.timeout
        while True:
            page = await asyncio.wait_for(
                self.client.zrangebyscore(
                    self.keys.index,
                    start,
                    "+inf",
                    start=offset,
                    num=SNAPSHOT_BATCH,
                    withscores=True,
                ),
                timeout,
            )
            subject_keys = self.snapshot_page(page)
            if subject_keys:
                values = await asyncio.wait_for(self.client.mget(subject_keys), timeout)
                self.snapshot_subjects(subject_keys, values)
            if len(page) < SNAPSHOT_BATCH:
                return
            offset += SNAPSHOT_BATCH
