"""Revocation stores: which tokens, families and subjects are no longer accepted.

``MemoryRevocationStore`` (this process) is the default; ``RedisRevocationStore``
and ``AsyncRedisRevocationStore`` (in :mod:`jwtguard.revocation.redis`, needs
``jwtguard[redis]``) share one list across workers and hosts. Any of them is a
:class:`jwtguard.RevocationChecker`: ``Guard(..., revocation=store)``; each reports
its state through ``store.health()`` (a :class:`RevocationHealth`).
See docs/revocation.md. ``MemoryReplayCache`` (and ``RedisReplayCache``) remember
one-time values, DPoP proof ids, until they expire (docs/resource-server.md).
"""

from jwtguard.revocation._denylist import FAMILY_CLAIM
from jwtguard.revocation.health import RevocationHealth
from jwtguard.revocation.memory import MemoryRevocationStore
from jwtguard.revocation.replay import MemoryReplayCache

__all__ = ["FAMILY_CLAIM", "MemoryReplayCache", "MemoryRevocationStore", "RevocationHealth"]
