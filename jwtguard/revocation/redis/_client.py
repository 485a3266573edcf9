"""The redis-py side shared by the sync and asyncio stores: client settings, the errors
that mean "Redis is away", and :class:`Session`, the client calls behind the flows'
operations (each returns what redis-py returns: a value, or an awaitable on
``redis.asyncio``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from jwtguard.errors import ConfigError
from jwtguard.revocation.redis._protocol import (
    SCRIPTS,
    Command,
    GetMessage,
    Ping,
    Script,
    Subscribe,
    Unsubscribe,
)

if TYPE_CHECKING:
    from jwtguard.revocation.redis._config import RedisConfig
    from jwtguard.revocation.redis._protocol import Operation

__all__ = ["DEFAULT_URL", "DOWN", "Session", "client_options", "connect", "is_cluster"]

DEFAULT_URL: Final = "redis://127.0.0.1:6379/0"
DOWN: Final = (RedisError, OSError, asyncio.TimeoutError)
"""What a Redis call raises when Redis cannot answer (refused, reset, timed out)."""


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


def connect(config: RedisConfig, client: Any, client_class: Any) -> Session:
    """A session on ``client`` (default: a ``client_class`` for ``config.url``) with the
    scripts registered; refuses ``replicas`` on a Cluster client."""
    if client is None:
        client = client_class.from_url(config.url or DEFAULT_URL, **client_options(config))
    if config.replicas and is_cluster(client):
        raise ConfigError("replicas: WAIT is not available through a Redis Cluster client")
    return Session(client, {name: client.register_script(text) for name, text in SCRIPTS.items()})


class Session:
    """One client, its registered scripts and (for a listener) its pub/sub connection."""

    __slots__ = ("client", "listener", "pubsub", "scripts")

    def __init__(self, client: Any, scripts: dict[str, Any], *, listener: bool = False) -> None:
        self.client = client
        self.scripts = scripts
        self.listener = listener
        """A listener's session: it stops (``Closed``) at its next operation once the
        store closes."""
        self.pubsub: Any = None

    def for_listener(self) -> Session:
        """A listener's session (its own pub/sub connection) on the same client and scripts."""
        return Session(self.client, self.scripts, listener=True)

    def call(self, op: Operation) -> Any:
        """Start the redis-py call for ``op`` (not :class:`Write` nor :class:`Sleep`,
        which the drivers perform)."""
        if isinstance(op, Script):
            return self.scripts[op.name](keys=op.keys, args=op.args)
        if isinstance(op, Command):
            return self.client.execute_command(*op.args)
        if isinstance(op, Subscribe):
            self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            return self.pubsub.subscribe(op.channel)
        if isinstance(op, GetMessage):
            return self.pubsub.get_message(timeout=op.timeout)
        if isinstance(op, Ping):
            return self.pubsub.ping()
        if isinstance(op, Unsubscribe):
            pubsub, self.pubsub = self.pubsub, None
            return getattr(pubsub, "aclose", pubsub.close)()  # asyncio: aclose
        raise TypeError(f"not a session operation: {op!r}")
