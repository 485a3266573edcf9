"""``jwtguard keygen``: a new key as an HMAC secret, PEM, JWK or JWKS."""

from __future__ import annotations

import argparse
import json
import secrets

from jwtguard.testing import generate_key, private_pem, public_pem

__all__ = ["configure_keygen"]

_KEYGEN_ALGORITHMS = (
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip


def _keygen(args: argparse.Namespace) -> int:
    kid = args.kid or secrets.token_hex(8)
    alg = args.alg
    key = generate_key(alg, kid=kid)
    if args.format is None:
        args.format = "secret" if alg.startswith("HS") else "pem"
    if alg.startswith("HS"):
        secret_jwk = key.to_jwk(private=True)
        if args.format == "jwk":
            print(json.dumps({"kty": "oct", "k": secret_jwk["k"], "alg": alg, "kid": kid}))
        else:
            print(secret_jwk["k"])
        return 0
    if args.format == "pem":
        print(private_pem(key), end="")
        print(public_pem(key), end="")
        return 0
    public = key.to_jwk()
    if args.format == "jwks":
        print(json.dumps({"keys": [public]}, indent=2))
        return 0
    private = key.to_jwk(private=True)
    print(json.dumps({"private": private, "public": public}, indent=2))
    return 0


def configure_keygen(keygen: argparse.ArgumentParser) -> None:
    """The arguments of ``keygen``."""
    keygen.add_argument("--alg", choices=_KEYGEN_ALGORITHMS, default="HS256")
    keygen.add_argument("--kid", help="key id (default: random)")
    keygen.add_argument(
        "--format",
        choices=("pem", "jwk", "jwks", "secret"),
        default=None,
        help="HS*: secret (default) or jwk; others: pem (default), jwk (private+public) or jwks",
    )
    keygen.set_defaults(func=_keygen)
