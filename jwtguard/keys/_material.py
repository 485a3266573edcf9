"""Reading key material, before a :class:`~jwtguard.keys.Key` is made of it: PEM and
DER, the JWK members that must be checked (curve sizes, ``use``, ``key_ops``), the key
family of a ``cryptography`` object, and the algorithms a key may verify."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    load_der_public_key,
    load_pem_private_key,
    load_pem_public_key,
)

from jwtguard.errors import KeyLoadError
from jwtguard.jose import b64url_decode
from jwtguard.jose.algorithms import (
    EC_CURVE_ALGORITHM,
    FAMILY_ALGORITHMS,
    OKP_CURVE_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
)

__all__ = [
    "PRIVATE_TYPES",
    "PUBLIC_TYPES",
    "as_algorithms",
    "check_jwk_curve",
    "check_jwk_use",
    "choose_algorithms",
    "default_algorithms",
    "describe_key",
    "family_of",
    "is_der",
    "is_jwk_text",
    "load_pem",
    "okp_curve",
    "rsa_modulus",
]

PUBLIC_TYPES = (
    rsa.RSAPublicKey,
    ec.EllipticCurvePublicKey,
    ed25519.Ed25519PublicKey,
    ed448.Ed448PublicKey,
)
PRIVATE_TYPES = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)


def describe_key(kid: str | None) -> str:
    """How messages name a key: ``key 'KID'`` (at most 64 characters of it), or ``key``."""
    return "key" if kid is None else f"key {kid[:64]!r}"


def family_of(key_object: Any, kid: str | None) -> str:
    if isinstance(key_object, (rsa.RSAPublicKey, rsa.RSAPrivateKey)):
        return "RSA"
    if isinstance(key_object, (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey)):
        return "EC"
    if isinstance(key_object, PUBLIC_TYPES + PRIVATE_TYPES):
        return "OKP"
    raise KeyLoadError(f"{describe_key(kid)}: unsupported key type {type(key_object).__name__}")


def okp_curve(key_object: Any) -> str:
    if isinstance(key_object, (ed448.Ed448PublicKey, ed448.Ed448PrivateKey)):
        return "Ed448"
    return "Ed25519"


def choose_algorithms(
    family: str, key_object: Any, requested: Iterable[str] | None, kid: str | None
) -> frozenset[str]:
    """The algorithms this key may verify: its family's, narrowed by the key and the caller."""
    allowed = FAMILY_ALGORITHMS[family]
    if family == "EC":
        curve_alg = EC_CURVE_ALGORITHM.get(key_object.curve.name)
        if curve_alg is None:
            raise KeyLoadError(f"{describe_key(kid)}: unsupported curve {key_object.curve.name}")
        allowed = frozenset({curve_alg})
    if family == "OKP":
        allowed = OKP_CURVE_ALGORITHMS[okp_curve(key_object)]
    if requested is None:
        if family == "RSA":
            raise KeyLoadError(
                f"{describe_key(kid)}: an RSA key needs its algorithms named "
                "(RS256, PS256, ...), by the caller or by the JWK's 'alg'"
            )
        return allowed
    chosen = frozenset(requested)
    unknown = sorted(a for a in chosen if a not in SUPPORTED_ALGORITHMS)
    if unknown:
        raise KeyLoadError(f"{describe_key(kid)}: unsupported algorithm(s) {', '.join(unknown)}")
    wrong = sorted(chosen - allowed)
    if wrong:
        raise KeyLoadError(
            f"{describe_key(kid)}: a {family} key cannot be used with {', '.join(wrong)} "
            f"(it allows {', '.join(sorted(allowed))})"
        )
    if not chosen:
        raise KeyLoadError(f"{describe_key(kid)}: no algorithm given")
    return chosen


def default_algorithms(pem: str | bytes, *, password: bytes | None = None) -> tuple[str, ...]:
    """The algorithms a PEM key is used with when none are named: ``RS256`` for RSA
    (an RSA key fits RS* and PS*; configuration must not guess between them, so it
    takes the one RFC 7518 recommends), the curve's for EC, and for Ed25519/Ed448 both
    ``EdDSA`` and the curve's RFC 9864 name.

    Raises :class:`KeyLoadError` for a PEM that is not a usable key.
    """
    key_object = load_pem(pem, password, None)
    family = family_of(key_object, None)
    if family == "RSA":
        return ("RS256",)
    return tuple(sorted(choose_algorithms(family, key_object, None, None)))


def load_pem(pem: str | bytes, password: bytes | None, kid: str | None) -> Any:
    data = pem.encode("utf-8") if isinstance(pem, str) else bytes(pem)
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data).public_key()
        if b"PRIVATE KEY-----" in data:
            return load_pem_private_key(data, password=password)
        return load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyLoadError(f"{describe_key(kid)}: not a readable PEM key") from None


def rsa_modulus(key_object: Any) -> int:
    public = key_object.public_key() if isinstance(key_object, rsa.RSAPrivateKey) else key_object
    modulus: int = public.public_numbers().n
    return modulus


def is_jwk_text(raw: bytes) -> bool:
    """A JSON object with ``kty`` (a JWK) or ``keys`` (a JWKS): a key document, never a secret.

    Any JSON encoding counts (``json.loads`` reads UTF-8, UTF-16 and UTF-32), so the
    test does not look for a leading ``{`` first: in UTF-16 BE the document starts with NUL.
    """
    try:
        document = json.loads(raw)
    except ValueError:
        return False
    return isinstance(document, dict) and ("kty" in document or "keys" in document)


def is_der(raw: bytes) -> bool:
    try:
        load_der_public_key(raw)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


_EC_COORDINATE_BYTES: Final = {"P-256": 32, "P-384": 48, "P-521": 66, "secp256k1": 32}
_ECDH_CURVES: Final = frozenset({"X25519", "X448"})


def check_jwk_curve(jwk: Mapping[str, Any], kty: str, kid: str | None) -> None:
    """A curve jwtguard signs with, and coordinates of its exact size (RFC 7518 6.2.1.2)."""
    crv = jwk.get("crv")
    if kty == "OKP" and crv not in OKP_CURVE_ALGORITHMS:
        named = f" {crv}" if crv in _ECDH_CURVES else ""  # only a name from a fixed list
        raise KeyLoadError(f"{describe_key(kid)}: unsupported OKP curve{named}")
    if kty != "EC":
        return
    size = _EC_COORDINATE_BYTES.get(crv) if isinstance(crv, str) else None
    if size is None:
        raise KeyLoadError(f"{describe_key(kid)}: unsupported EC curve")
    for member in ("x", "y"):
        value = jwk.get(member)
        if isinstance(value, str) and len(b64url_decode(value)) != size:
            raise KeyLoadError(
                f"{describe_key(kid)}: '{member}' must be {size} bytes for {crv} "
                "(RFC 7518 section 6.2.1.2)"
            )


def check_jwk_use(jwk: Mapping[str, Any], kid: str | None) -> None:
    use = jwk.get("use")
    if use == "enc":
        raise KeyLoadError(f"{describe_key(kid)}: use is 'enc', not 'sig'")
    if use is not None and use != "sig":
        raise KeyLoadError(f"{describe_key(kid)}: 'use' is not 'sig'")
    ops = jwk.get("key_ops")
    if ops is not None:
        if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
            raise KeyLoadError(f"{describe_key(kid)}: 'key_ops' must be a list of strings")
        if "verify" not in ops and "sign" not in ops:
            raise KeyLoadError(f"{describe_key(kid)}: 'key_ops' allows neither sign nor verify")


def as_algorithms(algorithms: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """``algorithms`` as a tuple (one name is a tuple of one); ``None`` stays ``None``."""
    if algorithms is None:
        return None
    if isinstance(algorithms, str):
        return (algorithms,)
    return tuple(algorithms)
