"""Deprecated: this module moved to :mod:`jwtguard.config.settings`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.config.settings import Secret, Settings, mask_url, parse_duration

__all__ = ["Secret", "Settings", "mask_url", "parse_duration"]

warnings.warn(
    "jwtguard.settings is deprecated: import from jwtguard.config.settings (or jwtguard)",
    DeprecationWarning,
    stacklevel=2,
)
