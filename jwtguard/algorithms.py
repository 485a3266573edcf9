"""Deprecated: this module moved to :mod:`jwtguard.jose.algorithms`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.jose.algorithms import (
    ALGORITHM_FAMILY,
    EC_CURVE_ALGORITHM,
    FAMILY_ALGORITHMS,
    HMAC_MIN_KEY_BYTES,
    SUPPORTED_ALGORITHMS,
)

__all__ = [
    "ALGORITHM_FAMILY",
    "EC_CURVE_ALGORITHM",
    "FAMILY_ALGORITHMS",
    "HMAC_MIN_KEY_BYTES",
    "SUPPORTED_ALGORITHMS",
]

warnings.warn(
    "jwtguard.algorithms is deprecated: import from jwtguard.jose.algorithms (or jwtguard)",
    DeprecationWarning,
    stacklevel=2,
)
