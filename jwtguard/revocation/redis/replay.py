"""One-time values (DPoP proof ``jti``) shared through Redis or Valkey: one ``SET NX``.

Every process of a deployment must refuse a proof any of them has seen, so the check is
a round trip per DPoP request (``SET key 1 NX PXAT expiry``: atomic, one command,
one key, so it works the same on a Redis Cluster). It fails closed: an unreachable or
slow Redis (``timeout``) refuses the request with a 503 rather than risk a replay.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import redis
import redis.asyncio

from jwtguard.errors import ConfigError, ReplayCheckUnavailableError
from jwtguard.revocation.redis._client import client_options

__all__ = ["RedisReplayCache"]


class _Timeouts:
    """What :func:`client_options` reads from a store's configuration."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout


class RedisReplayCache:
    """A :class:`jwtguard.protocols.ReplayCache` in Redis or Valkey.

    Args:
        url: ``redis://``, ``rediss://`` or ``unix://``; a sync and an asyncio client are
            made from it (each on first use; the asyncio one per event loop).
        client: a ready sync client (``redis.Redis``, ``RedisCluster``, Sentinel's
            master), instead of ``url``.
        aclient: a ready ``redis.asyncio`` client, instead of ``url``.
        namespace: the key prefix (``<namespace>:dpop:<hash>``).
        timeout: the longest one call waits, in seconds (clients made from ``url``).
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Any = None,
        aclient: Any = None,
        namespace: str = "jwtguard",
        timeout: float = 0.25,
    ) -> None:
        if url is None and client is None and aclient is None:
            raise ConfigError("RedisReplayCache: give url, client or aclient")
        if not isinstance(namespace, str) or not namespace or any(c.isspace() for c in namespace):
            raise ConfigError("namespace: a non-empty name without spaces")
        if not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
            raise ConfigError("timeout: must be between 0 and 60 seconds")
        self._url = url
        self._client = client
        self._aclient = aclient
        self._aclient_loop: Any = None
        self._prefix = f"{namespace}:dpop:"
        self._options = client_options(_Timeouts(float(timeout)))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"RedisReplayCache(namespace={self._prefix[:-6]!r})"  # never the URL

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return self._prefix + digest

    def _sync_client(self) -> Any:
        if self._client is None:
            if self._url is None:
                raise ConfigError("RedisReplayCache: no sync client (give url or client)")
            self._client = redis.Redis.from_url(self._url, **self._options)
        return self._client

    def _async_client(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._aclient is None or (self._url is not None and self._aclient_loop is not loop):
            if self._url is None:
                raise ConfigError("RedisReplayCache: no asyncio client (give url or aclient)")
            self._aclient = redis.asyncio.Redis.from_url(self._url, **self._options)
            self._aclient_loop = loop
        return self._aclient

    def first_use(self, key: str, expires_at: float) -> bool:
        try:
            client = self._sync_client()
            added = client.set(self._key(key), b"1", nx=True, pxat=_millis(expires_at))
        except ConfigError:
            raise
        except Exception as exc:
            raise ReplayCheckUnavailableError from exc
        return bool(added)

    async def afirst_use(self, key: str, expires_at: float) -> bool:
        try:
            client = self._async_client()
            added = await client.set(self._key(key), b"1", nx=True, pxat=_millis(expires_at))
        except ConfigError:
            raise
        except Exception as exc:
            raise ReplayCheckUnavailableError from exc
        return bool(added)

    def close(self) -> None:
        """Close the sync client made from ``url`` (a given client is the caller's)."""
        if self._url is not None and self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Close the asyncio client made from ``url``."""
        if self._url is not None and self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None


def _millis(expires_at: float) -> int:
    return max(int(expires_at * 1000) + 1, 1)
