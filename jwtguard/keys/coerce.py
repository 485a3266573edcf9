"""What users pass as a key, turned into a key source bound to the allowed algorithms."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

from jwtguard.errors import ConfigError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY
from jwtguard.keys.key import Key
from jwtguard.keys.keyset import KeySet
from jwtguard.protocols import KeySource

logger = logging.getLogger("jwtguard.keys")

__all__ = ["KeyInput", "as_key_source", "static_key_problems"]

KeyInput = (
    str | bytes | Key | KeySet | Mapping[str, Any] | KeySource | PublicKeyTypes | PrivateKeyTypes
)
"""What ``Guard(key=...)`` accepts: an HMAC secret, a PEM, a JWK or JWKS dict,
a :class:`Key`, a :class:`KeySet`, any :class:`KeySource`, or a ``cryptography`` key."""


def as_key_source(key: KeyInput, algorithms: tuple[str, ...]) -> KeySource:
    """Turn whatever the user passed as ``key`` into a key source bound to ``algorithms``."""
    if isinstance(key, KeySource):
        return key
    if isinstance(key, Key):
        return KeySet([key])
    families = {ALGORITHM_FAMILY.get(a) for a in algorithms} - {None}
    if isinstance(key, Mapping):
        if "keys" in key:
            return KeySet.from_jwks(key, algorithms)
        return KeySet([Key.from_jwk(key, _fitting(algorithms, key.get("kty")))])
    if isinstance(key, (str, bytes)):
        text = key.encode("utf-8") if isinstance(key, str) else key
        if b"-----BEGIN" in text:
            if "oct" in families:
                raise ConfigError(
                    "key: a PEM key cannot be used with HMAC algorithms "
                    "(HS256/384/512); a public key is never an HMAC secret"
                )
            return KeySet([Key.from_pem(text, algorithms)])
        if families - {"oct"}:
            raise ConfigError(
                "key: a secret can only be used with HMAC algorithms; "
                "HMAC and public-key algorithms are mixed for one key"
            )
        return KeySet([Key.from_secret(text, algorithms)])
    return KeySet([Key.from_crypto(key, algorithms)])


def _fitting(algorithms: tuple[str, ...], kty: Any) -> tuple[str, ...]:
    return tuple(a for a in algorithms if ALGORITHM_FAMILY.get(a) == kty)


def static_key_problems(source: KeySource, algorithms: tuple[str, ...]) -> list[str]:
    """What makes a :class:`KeySet` unusable under the allow-list ``algorithms``.

    Its keys must verify at least one allowed algorithm, and a key nobody bound (an RSA
    JWK without ``alg``) must be left exactly one by the list (RFC 8725 section 3.1).
    Skipped JWKS keys are logged once here and named when nothing usable is left.
    """
    if not isinstance(source, KeySet):
        return []
    skipped = source.skipped
    if skipped:
        logger.warning(
            "jwtguard: JWKS: skipped %d unusable key(s): %s",
            len(skipped),
            ", ".join(f"{s.kid!r} ({s.reason})" for s in skipped),
        )
    allowed = set(algorithms)
    problems = [
        f"key {key.kid!r}: its JWK has no 'alg' and the allow-list leaves "
        f"{', '.join(sorted(key.algorithms & allowed))} for it: name one "
        "(KeySet.from_jwks(jwks, algorithms))"
        for key in source
        if not key.bound and len(key.algorithms & allowed) > 1
    ]
    if not any(key.algorithms & allowed for key in source):
        why = "".join(f"; skipped {s.kid!r}: {s.reason}" for s in skipped)
        problems.append(f"key: no configured key can verify any allowed algorithm{why}")
    return problems
