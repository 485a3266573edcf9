"""Server-provided DPoP nonces (RFC 9449 section 9), stateless.

A nonce is a time step and an HMAC of it: ``base64url(step || HMAC-SHA256(secret,
step)[:16])``. It is valid during its step and the next, so a client that fetched one
just before a step ends is not refused at once. Nothing is stored: any process holding
the same secret accepts it (give every worker the same ``secret``; a random one per
process makes each worker refuse the others' nonces, which clients survive by retrying
with the ``DPoP-Nonce`` they are sent, one extra round trip).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from typing import Final

from jwtguard.errors import ConfigError
from jwtguard.jose import b64url_decode, b64url_encode
from jwtguard.protocols import Clock

__all__ = ["NonceIssuer"]

_STEP_BYTES: Final = 8
_MAC_BYTES: Final = 16
_LENGTH: Final = len(b64url_encode(b"\0" * (_STEP_BYTES + _MAC_BYTES)))


class NonceIssuer:
    """Issues and checks DPoP nonces for one secret and lifetime.

    Args:
        secret: at least 32 bytes, the same in every process that serves the resource
            (None: random, this process only).
        lifetime: seconds one nonce is current; it is accepted for up to twice as long.
        clock: Unix time.
    """

    __slots__ = ("_clock", "_current", "_lifetime", "_secret")

    def __init__(self, secret: bytes | None, lifetime: float, clock: Clock) -> None:
        if secret is None:
            secret = secrets.token_bytes(32)
        if not isinstance(secret, bytes) or len(secret) < 32:
            raise ConfigError("dpop nonce_secret: must be at least 32 bytes")
        if not isinstance(lifetime, (int, float)) or not 1 <= lifetime < math.inf:
            raise ConfigError("dpop nonce_lifetime: must be at least 1 second")
        self._secret = secret
        self._lifetime = float(lifetime)
        self._clock = clock
        self._current: tuple[int, str] = (-1, "")

    def _step(self) -> int:
        return int(self._clock() // self._lifetime)

    def _mac(self, step: int) -> bytes:
        message = step.to_bytes(_STEP_BYTES, "big", signed=False)
        return hmac.digest(self._secret, message, hashlib.sha256)[:_MAC_BYTES]

    def issue(self) -> str:
        """The current nonce (the same one for the whole step)."""
        step = self._step()
        cached = self._current
        if cached[0] == step:
            return cached[1]
        nonce = b64url_encode(step.to_bytes(_STEP_BYTES, "big") + self._mac(step))
        self._current = (step, nonce)
        return nonce

    def renewal(self, nonce: object) -> str | None:
        """The nonce to hand a client whose proof carried the accepted ``nonce``: the
        current one when ``nonce`` is from the previous step (it expires with this one),
        None when it is already current (RFC 9449 section 8.2: a new nonce may come with
        any response, so a client keeps ahead of the rotation without a refusal)."""
        current = self.issue()
        return None if nonce == current else current

    def accepts(self, nonce: object) -> bool:
        """Whether ``nonce`` was issued with this secret in this step or the previous one."""
        if not isinstance(nonce, str) or len(nonce) != _LENGTH:
            return False
        if nonce == self._current[1] and self._current[0] == self._step():
            return True
        try:
            raw = b64url_decode(nonce)
        except ValueError:
            return False
        step = int.from_bytes(raw[:_STEP_BYTES], "big")
        now = self._step()
        if step not in (now, now - 1):
            return False
        return hmac.compare_digest(raw[_STEP_BYTES:], self._mac(step))
