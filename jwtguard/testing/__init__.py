"""Helpers for testing apps that use jwtguard: a frozen clock, ephemeral keys, a token factory.

Nothing here touches the network or the real clock::

    from jwtguard.testing import FrozenClock, TokenFactory

    clock = FrozenClock(1_700_000_000)
    factory = TokenFactory.hs256(clock=clock)
    guard = factory.guard(audience="api")
    token = factory.issue(sub="42", aud="api", scope="read")
    assert guard.verify(token)["sub"] == "42"
    clock.advance(3600)          # now the token is expired
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from jwtguard.guard import Guard
from jwtguard.issuer import TokenIssuer
from jwtguard.jose import b64url_encode
from jwtguard.keys import Key
from jwtguard.testing._dpop import DPoPKey
from jwtguard.testing._idp import FakeIdentityProvider
from jwtguard.testing._keys import generate_key, private_pem, public_pem

__all__ = [
    "DPoPKey",
    "FakeIdentityProvider",
    "FrozenClock",
    "TokenFactory",
    "encode_unchecked",
    "generate_key",
    "private_pem",
    "public_pem",
]


class FrozenClock:
    """A clock for ``Guard(clock=...)`` that only moves when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = float(now)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward (or back, with a negative number)."""
        self.now += seconds

    def set(self, now: float) -> None:
        """Jump to ``now``."""
        self.now = float(now)


def encode_unchecked(
    header: Mapping[str, Any] | bytes,
    payload: Mapping[str, Any] | bytes,
    key: Key | None = None,
    *,
    algorithm: str | None = None,
    signature: bytes | None = None,
) -> str:
    """Build any compact JWS, valid or hostile: raw header/payload bytes are used as given.

    The signature is computed with ``key`` under ``algorithm`` (default: the
    header's ``alg``) unless ``signature`` is given. For tests only.
    """
    raw_header = header if isinstance(header, bytes) else json.dumps(dict(header)).encode()
    raw_payload = payload if isinstance(payload, bytes) else json.dumps(dict(payload)).encode()
    signing_input = f"{b64url_encode(raw_header)}.{b64url_encode(raw_payload)}"
    if signature is None:
        if key is None:
            signature = b""
        else:
            alg = algorithm or (header.get("alg") if isinstance(header, Mapping) else None)
            if not isinstance(alg, str):
                raise ValueError("algorithm needed")
            signature = key.sign(alg, signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


class TokenFactory:
    """Issues tokens with one signing key, and builds Guards that accept them."""

    def __init__(self, key: Key, algorithm: str, *, clock: FrozenClock | None = None) -> None:
        self.key = key
        self.algorithm = algorithm
        self.clock = clock or FrozenClock()
        self._issuer = TokenIssuer(key, algorithm, clock=self.clock, ttl=900)

    @classmethod
    def hs256(cls, *, clock: FrozenClock | None = None, kid: str | None = None) -> TokenFactory:
        """A factory with a fresh random HS256 secret."""
        return cls(generate_key("HS256", kid=kid), "HS256", clock=clock)

    @classmethod
    def for_algorithm(
        cls, algorithm: str, *, clock: FrozenClock | None = None, kid: str | None = None
    ) -> TokenFactory:
        """A factory with a fresh key for ``algorithm``."""
        return cls(generate_key(algorithm, kid=kid), algorithm, clock=clock)

    def guard(self, **options: Any) -> Guard:
        """A :class:`Guard` that accepts this factory's tokens (same key, algorithm and clock)."""
        options.setdefault("algorithms", [self.algorithm])
        options.setdefault("clock", self.clock)
        return Guard(self.key, **options)

    def issue(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        ttl: float = 900,
        headers: Mapping[str, Any] | None = None,
        **more_claims: Any,
    ) -> str:
        """A signed token with ``exp``/``iat``/``nbf``/``jti`` plus the given claims.

        ``ttl`` may be zero or negative: an already expired token, for tests.
        """
        expires = {"exp": int(self.clock()) + math.ceil(ttl)}
        return self._issuer.issue({**expires, **(claims or {}), **more_claims}, headers=headers)
