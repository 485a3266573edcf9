"""Deprecated: this module moved to :mod:`jwtguard.keys.remote`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.keys.remote import JWKSFetchError, JWKSHealth, JWKSOptions, RemoteKeySet

__all__ = ["JWKSFetchError", "JWKSHealth", "JWKSOptions", "RemoteKeySet"]

warnings.warn(
    "jwtguard.jwks is deprecated: import from jwtguard.keys.remote (or jwtguard)",
    DeprecationWarning,
    stacklevel=2,
)
