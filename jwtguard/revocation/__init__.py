"""Revocation stores: which tokens, families and subjects are no longer accepted.

``MemoryRevocationStore`` (this process) is the default; ``RedisRevocationStore``
and ``AsyncRedisRevocationStore`` (in :mod:`jwtguard.revocation.redis`, needs
``jwtguard[redis]``) share one list across workers and hosts. Any of them is a
:class:`jwtguard.RevocationChecker`: ``Guard(..., revocation=store)``; each reports
its state through ``store.health()`` (a :class:`RevocationHealth`).
See docs/revocation.md.
"""

from jwtguard.revocation._denylist import FAMILY_CLAIM
from jwtguard.revocation.health import RevocationHealth
from jwtguard.revocation.memory import MemoryRevocationStore

__all__ = ["FAMILY_CLAIM", "MemoryRevocationStore", "RevocationHealth"]
