"""redis-py client settings shared by the sync and asyncio stores."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redis.backoff import NoBackoff
from redis.retry import Retry

if TYPE_CHECKING:
    from jwtguard.revocation.redis._config import RedisConfig

__all__ = ["client_options", "is_cluster"]


def client_options(config: RedisConfig) -> dict[str, Any]:
    """Client settings that bound every call by ``config.timeout`` (no hidden retries)."""
    return {
        "socket_timeout": config.timeout,
        "socket_connect_timeout": config.timeout,
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 0,
    }


def is_cluster(client: Any) -> bool:
    """Whether ``client`` is a Redis Cluster client (sync or asyncio): keyless commands
    such as ``WAIT`` cannot be routed through it."""
    return callable(getattr(client, "get_nodes", None))
