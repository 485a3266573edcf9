"""Typed use of revocation and refresh; `make typecheck` runs mypy --strict over this file.

Assigning each store to the Protocols checks, statically, that it implements them.
"""

from __future__ import annotations

from jwtguard import (
    AsyncRevocationStore,
    Guard,
    MemoryRevocationStore,
    RefreshTokens,
    RevocationChecker,
    RevocationStore,
    TokenPair,
)
from jwtguard.revocation.redis import (
    AsyncRedisRevocationStore,
    RedisConfig,
    RedisRevocationStore,
)


def stores(url: str) -> list[RevocationChecker]:
    memory = MemoryRevocationStore()
    sync_store: RevocationStore = memory
    async_store: AsyncRevocationStore = memory
    redis_sync: RevocationStore = RedisRevocationStore(RedisConfig(url=url))
    redis_both: AsyncRevocationStore = RedisRevocationStore(RedisConfig(url=url))
    redis_async: AsyncRevocationStore = AsyncRedisRevocationStore(RedisConfig(url=url))
    return [sync_store, async_store, redis_sync, redis_both, redis_async]


async def rotate(guard: Guard, refresh_token: str) -> tuple[TokenPair, str]:
    sessions = RefreshTokens(guard, refresh_ttl=3600, max_session=86400)
    pair: TokenPair = await sessions.arefresh(refresh_token)
    sessions.logout(pair.refresh_token)
    return pair, pair.family
