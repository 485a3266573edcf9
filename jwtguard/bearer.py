"""Deprecated: moved to :mod:`jwtguard.http.credentials` and :mod:`jwtguard.http.challenges`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.http.challenges import challenge, error_body, quote
from jwtguard.http.credentials import (
    SAFE_METHODS,
    WEBSOCKET,
    CSRFError,
    MissingTokenError,
    TokenLocations,
    parse_authorization,
)

__all__ = [
    "SAFE_METHODS",
    "WEBSOCKET",
    "CSRFError",
    "MissingTokenError",
    "TokenLocations",
    "challenge",
    "error_body",
    "parse_authorization",
    "quote",
]

warnings.warn(
    "jwtguard.bearer is deprecated: import from jwtguard.http.credentials (or jwtguard)",
    DeprecationWarning,
    stacklevel=2,
)
