"""Revocation shared through Redis (``pip install jwtguard[redis]``), sync and asyncio.

Writes go to Redis first (a revoke that cannot reach Redis raises
:class:`jwtguard.RevocationUnavailableError`; it never pretends), then to this
process's denylist, so the revoking process enforces it on its very next request.
Every other process learns it by pub/sub into its own denylist (push mode), so the
Guard's per-request check is a dict look-up. On every (re)connect the listener
subscribes first, then reloads the whole index, so nothing published while it was
away is missed. See docs/revocation.md and docs/deployment.md.

``_config`` is :class:`RedisConfig`; ``_protocol`` the keys, scripts, messages and
operations; ``_flows`` every sequence (listen, resync with loss detection and
repair, writes, reads) written once as an I/O-free generator; ``_state`` what a
store knows and decides; ``_sync`` and ``_async`` drive the flows on redis-py's
two clients.
"""

from jwtguard.revocation.redis._async import AsyncRedisRevocationStore
from jwtguard.revocation.redis._client import client_options
from jwtguard.revocation.redis._config import ENV_NAMES, RedisConfig
from jwtguard.revocation.redis._sync import RedisRevocationStore
from jwtguard.revocation.redis.replay import RedisReplayCache

__all__ = [
    "ENV_NAMES",
    "AsyncRedisRevocationStore",
    "RedisConfig",
    "RedisReplayCache",
    "RedisRevocationStore",
    "client_options",
]
