"""Deprecated: this module moved to :mod:`jwtguard.http.cookies` and :mod:`jwtguard.http.csrf`.

It re-exports the same names; import them from their new home (or from
:mod:`jwtguard`) instead. It will be removed in a later release.
"""

import warnings

from jwtguard.http.cookies import MAX_COOKIE_BYTES, AuthCookie
from jwtguard.http.csrf import SignedCSRF, csrf_tokens_match, new_csrf_token

__all__ = ["MAX_COOKIE_BYTES", "AuthCookie", "SignedCSRF", "csrf_tokens_match", "new_csrf_token"]

warnings.warn(
    "jwtguard.cookies is deprecated: import from jwtguard.http.cookies (or jwtguard)",
    DeprecationWarning,
    stacklevel=2,
)
