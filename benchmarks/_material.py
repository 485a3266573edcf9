"""Keys and tokens shared by the benchmarks: one key per algorithm, realistic claims.

Tokens are signed with PyJWT (not jwtguard) so that every contender reads the
same bytes made by an independent implementation.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

__all__ = [
    "ALGORITHMS",
    "AUDIENCE",
    "ISSUER",
    "Material",
    "claims_for",
    "claims_of_size",
    "tamper",
]

ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")
AUDIENCE = "https://api.example.com"
ISSUER = "https://issuer.example.com/"
LIFETIME = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def claims_for(user: int | str, *, now: float | None = None, extra: int = 0) -> dict[str, Any]:
    """A realistic access-token claim set; ``extra`` pads it with that many bytes of roles."""
    now = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": f"user-{user}",
        "aud": AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + LIFETIME,
        "jti": secrets.token_urlsafe(12),
        "scope": "read write",
    }
    if extra:
        claims["roles"] = ["r" * 15] * max(1, extra // 18)
    return claims


def claims_of_size(size: int, user: int | str = 1) -> dict[str, Any]:
    """:func:`claims_for` grown to about ``size`` bytes of compact JSON the way identity
    providers grow them: nested role objects (Keycloak's ``realm_access`` and
    ``resource_access``) holding arrays of distinct role names."""
    claims = claims_for(user)
    realm: list[str] = []
    client: list[str] = []
    claims["realm_access"] = {"roles": realm}
    claims["resource_access"] = {"api": {"roles": client}}
    while len(json.dumps(claims, separators=(",", ":"))) < size:
        (realm if len(realm) <= len(client) else client).append(
            f"role-{len(realm) + len(client):04d}"
        )
    return claims


@dataclass(frozen=True)
class Material:
    """One algorithm's key in every form a contender wants."""

    alg: str
    signing_key: Any  # bytes secret or a cryptography private key
    verify_key: Any  # bytes secret or a cryptography public key
    verify_text: str  # HMAC secret as text, or the public key's PEM
    public_jwk: dict[str, Any]

    @classmethod
    def make(cls, alg: str) -> Material:
        if alg == "HS256":
            secret = secrets.token_urlsafe(32)  # 43 ASCII characters: usable as str or bytes
            raw = secret.encode("ascii")
            return cls(alg, raw, raw, secret, {"kty": "oct", "k": _b64(raw), "alg": alg})
        private: Any
        if alg == "RS256":
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)
        public = private.public_key()
        pem = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        jwk = _jwk_of(public, alg)
        return cls(alg, private, public, pem, jwk)

    def token(self, claims: dict[str, Any]) -> str:
        """A compact JWS over ``claims``."""
        return jwt.encode(claims, self.signing_key, algorithm=self.alg)


def _jwk_of(public: Any, alg: str) -> dict[str, Any]:
    algo = jwt.algorithms.get_default_algorithms()[alg]
    jwk: dict[str, Any] = algo.to_jwk(public, as_dict=True)
    jwk["alg"] = alg
    return jwk


def tamper(token: str) -> str:
    """The same token with its payload's ``sub`` changed and the old signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "admin"
    forged = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{forged}.{signature}"
