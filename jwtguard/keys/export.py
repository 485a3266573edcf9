"""Key material out: JWK (RFC 7517) and PEM forms of the objects a :class:`Key` holds.

Used by :meth:`jwtguard.Key.to_jwk` and :meth:`jwtguard.Key.to_pem`; nothing here
decides what may be exported (the Key does).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from jwtguard.errors import KeyLoadError
from jwtguard.jose import b64url_encode

__all__ = ["jwk_members", "pem_text"]


def jwk_members(key_object: Any) -> dict[str, Any]:
    """The key-type members of the JWK for ``key_object`` (bytes: an ``oct`` secret)."""
    if isinstance(key_object, bytes):
        return {"kty": "oct", "k": b64url_encode(key_object)}
    for family in (RSAAlgorithm, ECAlgorithm, OKPAlgorithm):
        try:
            jwk: dict[str, Any] = family.to_jwk(key_object, as_dict=True)
        except Exception:  # noqa: BLE001, S112 - not this family: try the next
            continue
        jwk.pop("key_ops", None)
        return jwk
    raise KeyLoadError(f"cannot export a {type(key_object).__name__} as a JWK")


def pem_text(key_object: Any, *, private: bool) -> str:
    """PKCS#8 (private) or SubjectPublicKeyInfo (public) PEM of an asymmetric key."""
    if isinstance(key_object, bytes):
        raise KeyLoadError("an HMAC secret has no PEM form")
    if private:
        pem: bytes = key_object.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    else:
        pem = key_object.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return pem.decode("ascii")
