"""Fresh keys for tests: every algorithm, ready to sign."""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from jwtguard.keys import Key

__all__ = ["generate_key", "private_pem", "public_pem"]


def generate_key(algorithm: str = "HS256", *, kid: str | None = None) -> Key:
    """A fresh key for ``algorithm`` (HS*, RS*, PS*, ES256/384/512, EdDSA) that can sign."""
    if algorithm.startswith("HS"):
        size = {"HS256": 32, "HS384": 48, "HS512": 64}[algorithm]
        return Key.from_secret(secrets.token_bytes(size), algorithm, kid=kid)
    key_object: Any
    if algorithm[:2] in ("RS", "PS"):
        key_object = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm.startswith("ES"):
        curves: dict[str, ec.EllipticCurve] = {
            "ES256": ec.SECP256R1(),
            "ES384": ec.SECP384R1(),
            "ES512": ec.SECP521R1(),
        }
        key_object = ec.generate_private_key(curves[algorithm])
    elif algorithm == "EdDSA":
        key_object = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"no generator for {algorithm}")
    return Key.from_crypto(key_object, algorithm, kid=kid)


def private_pem(key: Key) -> str:
    """The PKCS#8 PEM of a private key made by :func:`generate_key`."""
    return key.to_pem(private=True)


def public_pem(key: Key) -> str:
    """The SubjectPublicKeyInfo PEM of an asymmetric key."""
    return key.to_pem()
