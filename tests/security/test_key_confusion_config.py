"""Algorithm confusion on the configuration side (RFC 8725 section 2.1): a public key handed
to jwtguard where an HMAC secret is expected is refused at start-up, in every form.

The token-side attack (sign with the public key's bytes as the HMAC secret) is in
test_attacks.py; this file closes the other door: a deployment that *configures* a public key
as ``JWTGUARD_SECRET_KEY`` would let anyone who reads the public key forge HS256 tokens.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from jwtguard import ConfigError, Guard, Key
from jwtguard.testing import generate_key

PUBLIC = {alg: generate_key(alg, kid=alg.lower()) for alg in ("RS256", "ES256", "EdDSA")}


def forms(alg: str) -> dict[str, bytes]:
    public: Any = PUBLIC[alg].to_crypto()
    jwk = Key.from_crypto(public, alg, kid=alg.lower()).to_jwk()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "pem": pem,
        "der": public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "openssh": public.public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        ),
        "pem-after-bom": "\ufeff".encode() + pem,
        "pem-after-label": b"public key:\n" + pem,
        "jwk": json.dumps(jwk).encode(),
        "jwk-pretty": json.dumps(jwk, indent=2).encode(),
        "jwks": json.dumps({"keys": [jwk]}).encode(),
    }


CASES = [
    pytest.param(alg, form, hs, id=f"{alg}-{form}-as-{hs}-secret")
    for alg in PUBLIC
    for form in (
        "pem",
        "pem-after-bom",
        "pem-after-label",
        "der",
        "openssh",
        "jwk",
        "jwk-pretty",
        "jwks",
    )
    for hs in ("HS256", "HS384", "HS512")
    # a 44-byte Ed25519 DER is refused for HS384/512 by its length alone: not this test's point
    if len(forms(alg)[form]) >= {"HS256": 32, "HS384": 48, "HS512": 64}[hs]
]


@pytest.mark.parametrize(("alg", "form", "hs"), CASES)
def test_public_key_is_never_accepted_as_an_hmac_secret(alg: str, form: str, hs: str) -> None:
    material = forms(alg)[form]
    if len(material) < {"HS256": 32, "HS384": 48, "HS512": 64}[hs]:
        pytest.fail("the material would be refused for its length, not its nature")
    texts = [] if form == "der" else [material.decode("utf-8")]  # DER is binary: bytes only
    for given in (material, *texts):
        with pytest.raises(ConfigError):
            Key.from_secret(given, hs)
        with pytest.raises(ConfigError):
            Guard(given, algorithms=[hs])
    if form == "der":
        return
    with pytest.raises(ConfigError):
        Guard.from_env(
            {"JWTGUARD_SECRET_KEY": material.decode("utf-8"), "JWTGUARD_ALGORITHMS": hs},
            dotenv=False,
        )


def test_a_json_secret_that_is_not_a_key_document_still_works() -> None:
    """Only key documents are refused: a long random secret that happens to be JSON is not."""
    secret = json.dumps({"secret": "x" * 40})
    assert Key.from_secret(secret, "HS256").family == "oct"
