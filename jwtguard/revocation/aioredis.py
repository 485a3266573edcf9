"""Deprecated: this module moved to :mod:`jwtguard.revocation.redis`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.revocation.redis import AsyncRedisRevocationStore

__all__ = ["AsyncRedisRevocationStore"]

warnings.warn(
    "jwtguard.revocation.aioredis is deprecated: import from jwtguard.revocation.redis",
    DeprecationWarning,
    stacklevel=2,
)
