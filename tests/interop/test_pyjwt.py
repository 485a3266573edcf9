"""jwtguard and PyJWT, both directions, for every algorithm PyJWT has.

PyJWT is an independent implementation of the JWS algorithms (jwtguard uses its
algorithm objects only to load keys and to sign; verification is jwtguard's own).
PyJWT has no RFC 9864 names (``Ed25519``, ``Ed448``): EdDSA is tried with both curves.
"""

from __future__ import annotations

import os
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from jwtguard import Guard, InvalidSignatureError, Key, TokenIssuer
from jwtguard.testing import generate_key, private_pem, public_pem

CASES = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "ES256K", "EdDSA/Ed25519", "EdDSA/Ed448",
]  # fmt: skip
CURVES = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1, "ES512": ec.SECP521R1}


def _private_key(case: str) -> Any:
    """A key made by ``cryptography`` directly, as a PyJWT user would."""
    alg = case.split("/")[0]
    if alg.startswith("HS"):
        return os.urandom({"HS256": 32, "HS384": 48, "HS512": 64}[alg])
    if alg[:2] in ("RS", "PS"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "ES256K":
        return ec.generate_private_key(ec.SECP256K1())
    if alg.startswith("ES"):
        return ec.generate_private_key(CURVES[alg]())
    if case.endswith("Ed448"):
        return ed448.Ed448PrivateKey.generate()
    return ed25519.Ed25519PrivateKey.generate()


def _claims() -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "interop", "aud": "api", "iat": now, "nbf": now, "exp": now + 300}


@pytest.mark.parametrize("case", CASES)
def test_jwtguard_verifies_what_pyjwt_signs(case: str) -> None:
    alg = case.split("/")[0]
    private = _private_key(case)
    token = jwt.encode(_claims(), private, algorithm=alg, headers={"kid": "py-1"})
    if isinstance(private, bytes):
        key = Key.from_secret(private, alg, kid="py-1")
    else:
        key = Key.from_crypto(private.public_key(), alg, kid="py-1")
    guard = Guard(key, algorithms=[alg], audience="api")
    assert guard.verify(token)["sub"] == "interop"
    head, body, signature = token.split(".")
    with pytest.raises(InvalidSignatureError):
        guard.verify(f"{head}.{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BA'}")


def _jwtguard_key(case: str) -> tuple[Key, Any]:
    """A jwtguard signing key for ``case`` and what PyJWT verifies with."""
    alg, _, curve = case.partition("/")
    if alg.startswith("HS"):
        secret = _private_key(case)
        return Key.from_secret(secret, alg, kid="jg-1"), secret
    key = generate_key(curve or alg, kid="jg-1")  # the RFC 9864 name Ed448 picks the curve
    if curve:
        key = Key.from_pem(private_pem(key), "EdDSA", kid="jg-1")
    return key, public_pem(key)


@pytest.mark.parametrize("case", CASES)
def test_pyjwt_verifies_what_jwtguard_signs(case: str) -> None:
    alg = case.split("/")[0]
    key, verifying = _jwtguard_key(case)
    token = TokenIssuer(key, alg, audience="api").issue({"sub": "interop"})
    assert jwt.get_unverified_header(token) == {"alg": alg, "typ": "JWT", "kid": "jg-1"}
    assert jwt.decode(token, verifying, algorithms=[alg], audience="api")["sub"] == "interop"
    other, _ = _jwtguard_key(case)
    head, body, _ = token.split(".")
    foreign = TokenIssuer(other, alg, audience="api").issue({"sub": "interop"}).split(".")[2]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{body}.{foreign}", verifying, algorithms=[alg], audience="api")
