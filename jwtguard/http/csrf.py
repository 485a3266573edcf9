"""CSRF tokens for cookie-borne credentials: double-submit values and signed tokens.

A browser sends cookies on its own, so a token in a cookie needs CSRF protection
on unsafe methods: jwtguard's adapters require a header (``X-CSRF-Token``) a
cross-site form cannot send and, in double-submit mode, that it equals a second,
script-readable cookie. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from jwtguard.errors import ConfigError

__all__ = ["SignedCSRF", "csrf_tokens_match", "new_csrf_token"]


def new_csrf_token(nbytes: int = 32) -> str:
    """A random URL-safe CSRF token (256 bits by default) for a double-submit cookie."""
    if nbytes < 16:
        raise ConfigError("nbytes: at least 16 (128 bits)")
    return secrets.token_urlsafe(nbytes)


def csrf_tokens_match(expected: str | None, received: str | None) -> bool:
    """Whether a CSRF header equals the cookie value, compared in constant time.

    False when either is missing or empty, so an absent cookie never matches an
    absent header.
    """
    if not expected or not received:
        return False
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogateescape"), received.encode("utf-8", "surrogateescape")
    )


class SignedCSRF:
    """Signed double-submit tokens (OWASP's recommended variant), bound to a session.

    ``issue(session_id)`` returns ``<random>.<HMAC(secret, session_id, random)>``;
    ``verify`` recomputes the MAC in constant time. Binding the token to the
    session (e.g. the access token's ``jti`` or ``sub``) means a token planted by
    an attacker, from a sibling subdomain or a plain-HTTP page, does not verify.
    """

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if not isinstance(secret, bytes) or len(secret) < 32:
            raise ConfigError("SignedCSRF: secret must be at least 32 random bytes")
        self._secret = secret

    def __repr__(self) -> str:
        return "SignedCSRF(secret=<hidden>)"

    def _mac(self, session_id: str, nonce: str) -> str:
        message = f"{len(session_id)}!{session_id}!{nonce}".encode("utf-8", "surrogateescape")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def issue(self, session_id: str) -> str:
        """A new token for ``session_id``."""
        nonce = secrets.token_urlsafe(16)
        return f"{nonce}.{self._mac(session_id, nonce)}"

    def verify(self, session_id: str, token: str | None) -> bool:
        """Whether ``token`` was issued by :meth:`issue` for ``session_id``."""
        if not token or not isinstance(token, str):
            return False
        nonce, sep, mac = token.partition(".")
        if not sep or not nonce:
            return False
        return hmac.compare_digest(
            self._mac(session_id, nonce).encode("ascii"),
            mac.encode("utf-8", "surrogateescape"),
        )
