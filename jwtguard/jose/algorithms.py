"""The JWS algorithms jwtguard accepts, grouped by key family (RFC 7518, RFC 8037, RFC 9864).

A key belongs to exactly one family and can only ever verify algorithms of that
family: this table is what makes algorithm confusion (an RSA public key used as
an HMAC secret, RFC 8725 section 2.1) impossible by construction.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ALGORITHM_FAMILY",
    "EC_CURVE_ALGORITHM",
    "FAMILY_ALGORITHMS",
    "HMAC_MIN_KEY_BYTES",
    "OKP_CURVE_ALGORITHMS",
    "SUPPORTED_ALGORITHMS",
]

HMAC_MIN_KEY_BYTES: Final[dict[str, int]] = {"HS256": 32, "HS384": 48, "HS512": 64}
"""RFC 7518 section 3.2: an HMAC key at least as long as the hash output."""

FAMILY_ALGORITHMS: Final[dict[str, frozenset[str]]] = {
    "oct": frozenset(HMAC_MIN_KEY_BYTES),
    "RSA": frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}),
    "EC": frozenset({"ES256", "ES384", "ES512", "ES256K"}),
    "OKP": frozenset({"EdDSA", "Ed25519", "Ed448"}),
}

ALGORITHM_FAMILY: Final[dict[str, str]] = {
    alg: family for family, algs in FAMILY_ALGORITHMS.items() for alg in algs
}

SUPPORTED_ALGORITHMS: Final[frozenset[str]] = frozenset(ALGORITHM_FAMILY)

EC_CURVE_ALGORITHM: Final[dict[str, str]] = {
    "secp256r1": "ES256",
    "secp384r1": "ES384",
    "secp521r1": "ES512",
    "secp256k1": "ES256K",
}
"""cryptography's curve name -> the one ECDSA algorithm that curve may sign with."""

OKP_CURVE_ALGORITHMS: Final[dict[str, frozenset[str]]] = {
    "Ed25519": frozenset({"EdDSA", "Ed25519"}),
    "Ed448": frozenset({"EdDSA", "Ed448"}),
}
"""An Edwards curve -> what it may sign with: the polymorphic ``EdDSA`` (RFC 8037) and
its fully specified name (RFC 9864), which is bound to that one curve."""

RSA_MIN_BITS: Final = 2048
"""NIST SP 800-131A, RFC 7518 section 3.3: smaller RSA keys are refused at load."""
