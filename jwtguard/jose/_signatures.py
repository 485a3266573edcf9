"""Signature checks for one key and one algorithm, with everything precomputed.

PyJWT's algorithm objects build a new padding and hash object and convert the
signature in Python on every call; verification is the hot path of a cache
miss, so here each (key, algorithm) pair gets a closure over ready-made
parameters. The primitives are the same (``hmac`` and ``cryptography``):
``hmac.compare_digest`` compares MACs in constant time, and ``cryptography``
(OpenSSL) verifies the asymmetric signatures.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

__all__ = ["SignatureCheck", "make_check", "raw_to_der"]

SignatureCheck = Callable[[bytes, bytes], bool]
"""``check(signing_input, signature) -> bool``; never raises for any signature bytes."""

_HASHES: Final[dict[str, type[hashes.HashAlgorithm]]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def make_check(algorithm: str, key: Any) -> SignatureCheck:
    """A signature check for ``algorithm`` with ``key`` (HMAC bytes or a public key object)."""
    family = algorithm[:2]
    if family == "HS":
        return _hmac_check(key, "sha" + algorithm[2:])
    if family == "Ed":
        return _eddsa_check(key)
    hash_algorithm = _HASHES["256" if algorithm == "ES256K" else algorithm[2:]]()
    if family == "RS":
        return _rsa_check(key, padding.PKCS1v15(), hash_algorithm)
    if family == "PS":
        pss = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=hash_algorithm.digest_size)
        return _rsa_check(key, pss, hash_algorithm)
    if family == "ES":
        return _ecdsa_check(key, hash_algorithm)
    raise ValueError(f"no signature check for {algorithm}")  # pragma: no cover


def _hmac_check(secret: bytes, digest: str) -> SignatureCheck:
    compute, same = hmac.digest, hmac.compare_digest

    def check(message: bytes, signature: bytes) -> bool:
        return same(signature, compute(secret, message, digest))

    return check


def _rsa_check(key: Any, pad: padding.AsymmetricPadding, hash_algorithm: Any) -> SignatureCheck:
    """An RSA signature is exactly the modulus' length (RFC 8017 sections 8.1.2 and 8.2.2,
    step 1): OpenSSL verifies a PSS signature whose leading zero bytes were dropped, a second
    encoding of the same signature, so the length is checked here first."""
    verify = key.verify
    size = (key.key_size + 7) // 8

    def check(message: bytes, signature: bytes) -> bool:
        if len(signature) != size:
            return False
        try:
            verify(signature, message, pad, hash_algorithm)
        except (InvalidSignature, ValueError):
            return False
        return True

    return check


_LENGTH: Final = tuple(bytes((n,)) for n in range(128))
"""DER short-form lengths (an INTEGER of a JWS ECDSA signature has at most 67 octets)."""


def raw_to_der(r: bytes, s: bytes) -> bytes:
    """The DER ``Ecdsa-Sig-Value`` (SEQUENCE of two INTEGERs) of big-endian ``r`` and ``s``:
    what ``encode_dss_signature(int(r), int(s))`` returns, built from the bytes as they
    are (minimal length, a zero octet before a high bit), at under half its cost with the
    two ``int.from_bytes`` it needs."""
    r = r.lstrip(b"\0")
    s = s.lstrip(b"\0")
    if not r or r[0] > 127:
        r = b"\0" + r
    if not s or s[0] > 127:
        s = b"\0" + s
    body = len(r) + len(s) + 4
    head = b"0" + _LENGTH[body] if body < 128 else b"0\x81" + bytes((body,))
    return b"".join((head, b"\x02", _LENGTH[len(r)], r, b"\x02", _LENGTH[len(s)], s))


def _ecdsa_check(key: Any, hash_algorithm: Any) -> SignatureCheck:
    """JWS ECDSA signatures are raw ``R || S`` of exactly twice the curve's byte size
    (RFC 7518 section 3.4); DER or any other length is refused before any math."""
    verify = key.verify
    size = (key.curve.key_size + 7) // 8
    ecdsa = ec.ECDSA(hash_algorithm)
    der = raw_to_der

    def check(message: bytes, signature: bytes) -> bool:
        if len(signature) != 2 * size:
            return False
        try:
            verify(der(signature[:size], signature[size:]), message, ecdsa)
        except (InvalidSignature, ValueError):
            return False
        return True

    return check


def _eddsa_check(key: Any) -> SignatureCheck:
    verify = key.verify

    def check(message: bytes, signature: bytes) -> bool:
        try:
            verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    return check
