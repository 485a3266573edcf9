"""``jwtguard keygen``: a new key as an HMAC secret, PEM, JWK or JWKS."""

from __future__ import annotations

import argparse
import json
import secrets

from jwtguard.cli._common import UsageError
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.testing import generate_key, private_pem, public_pem

__all__ = ["configure_keygen"]

_KEYGEN_ALGORITHMS = tuple(sorted(SUPPORTED_ALGORITHMS))  # every one the core verifies


_SECRET_FORMATS = ("secret", "jwk")
_KEY_PAIR_FORMATS = ("pem", "jwk", "jwks")


def _keygen(args: argparse.Namespace) -> int:
    alg = args.alg
    hmac = alg.startswith("HS")
    fits = _SECRET_FORMATS if hmac else _KEY_PAIR_FORMATS
    if args.format is None:
        args.format = fits[0]
    elif args.format not in fits:
        kind = "an HMAC secret" if hmac else "a key pair"
        raise UsageError(
            f"--format {args.format} does not fit {alg} ({kind}): use "
            f"{', '.join(fits[:-1])} or {fits[-1]}"
        )
    kid = args.kid or secrets.token_hex(8)
    key = generate_key(alg, kid=kid)
    if hmac:
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
        help="HS*: secret (default) or jwk; others: pem (default), jwk (private and public) "
        "or jwks (public only)",
    )
    keygen.set_defaults(func=_keygen)
