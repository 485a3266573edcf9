"""Fresh keys for tests: every algorithm, ready to sign."""

from __future__ import annotations

import secrets
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from jwtguard.errors import KeyLoadError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY, HMAC_MIN_KEY_BYTES, SUPPORTED_ALGORITHMS
from jwtguard.keys import Key

__all__ = ["generate_key", "private_pem", "public_pem"]


_EC_CURVES: Final[dict[str, type[ec.EllipticCurve]]] = {
    "ES256": ec.SECP256R1,
    "ES384": ec.SECP384R1,
    "ES512": ec.SECP521R1,
    "ES256K": ec.SECP256K1,
}


def _new_private_key(algorithm: str) -> Any:
    family = ALGORITHM_FAMILY[algorithm]
    if family == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if family == "EC":
        return ec.generate_private_key(_EC_CURVES[algorithm]())
    if algorithm == "Ed448":
        return ed448.Ed448PrivateKey.generate()
    return ed25519.Ed25519PrivateKey.generate()  # EdDSA and Ed25519


def generate_key(algorithm: str = "HS256", *, kid: str | None = None) -> Key:
    """A fresh key that can sign, for any of :data:`jwtguard.SUPPORTED_ALGORITHMS`.

    ``EdDSA`` makes an Ed25519 key; ``Ed448`` (RFC 9864) an Ed448 one.
    """
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise KeyLoadError(
            f"unsupported algorithm {algorithm[:20]!r} "
            f"(supported: {', '.join(sorted(SUPPORTED_ALGORITHMS))})"
        )
    if ALGORITHM_FAMILY[algorithm] == "oct":
        size = HMAC_MIN_KEY_BYTES[algorithm]
        return Key.from_secret(secrets.token_bytes(size), algorithm, kid=kid)
    return Key.from_crypto(_new_private_key(algorithm), algorithm, kid=kid)


def private_pem(key: Key) -> str:
    """The PKCS#8 PEM of a private key made by :func:`generate_key`."""
    return key.to_pem(private=True)


def public_pem(key: Key) -> str:
    """The SubjectPublicKeyInfo PEM of an asymmetric key."""
    return key.to_pem()
