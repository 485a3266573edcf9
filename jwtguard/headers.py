"""Deprecated: this module moved to :mod:`jwtguard.http.security_headers`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.http.security_headers import (
    CLEAR_SITE_DATA_TYPES,
    DEFAULT_PERMISSIONS_POLICY,
    SecurityHeaders,
    clear_site_data,
)

__all__ = [
    "CLEAR_SITE_DATA_TYPES",
    "DEFAULT_PERMISSIONS_POLICY",
    "SecurityHeaders",
    "clear_site_data",
]

warnings.warn(
    "jwtguard.headers is deprecated: import from jwtguard.http.security_headers (or jwtguard)",
    DeprecationWarning,
    stacklevel=2,
)
