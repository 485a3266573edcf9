"""jwtguard and panva's jose, both directions, for every algorithm jose has.

jose signs, jwtguard verifies (with jose's public JWK, with and without its ``alg``);
`jwtguard keygen` makes a key, jwtguard signs, jose verifies with the exported public JWK.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from jwtguard import Guard, InvalidSignatureError, Key, KeySet, TokenIssuer
from jwtguard.cli import main

from .conftest import Jose

JOSE_ALGORITHMS = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
]  # fmt: skip


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "interop", "iat": now, "nbf": now, "exp": now + 300, **extra}


def _tamper(token: str) -> str:
    head, body, signature = token.split(".")
    return f"{head}.{body}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}"


@pytest.mark.parametrize("alg", JOSE_ALGORITHMS)
def test_jwtguard_verifies_what_jose_signs(alg: str, jose: Jose) -> None:
    private, public = jose.generate(alg, kid=f"jose-{alg}")
    token = jose.sign(alg, private, _claims(aud="api"), header={"typ": "at+jwt"})
    guard = Guard({"keys": [public]}, algorithms=[alg], audience="api", typ="at+jwt")
    assert guard.verify(token)["sub"] == "interop"
    with pytest.raises(InvalidSignatureError):
        guard.verify(_tamper(token))
    if alg.startswith("HS"):
        return  # an HMAC JWK is a local secret, not a published key: covered above
    bare = {k: v for k, v in public.items() if k not in ("alg", "use")}
    loose = Guard({"keys": [bare]}, algorithms=[alg], audience="api")
    assert loose.verify(token)["aud"] == "api"


def _keygen(alg: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    assert main(["keygen", "--alg", alg, "--format", "jwk", "--kid", f"jg-{alg}"]) == 0
    if alg.startswith("HS"):
        jwk = json.loads(capsys.readouterr().out)
        return jwk, jwk
    pair = json.loads(capsys.readouterr().out)
    return pair["private"], pair["public"]


@pytest.mark.parametrize("alg", JOSE_ALGORITHMS)
def test_jose_verifies_what_jwtguard_signs(
    alg: str, jose: Jose, capsys: pytest.CaptureFixture[str]
) -> None:
    private, public = _keygen(alg, capsys)
    key = Key.from_jwk(private)
    assert key.can_sign and key.algorithms == {alg}
    issuer = TokenIssuer(key, alg, audience="api", issuer="https://jwtguard.test", typ="at+jwt")
    token = issuer.issue({"sub": "interop", "scope": "read"})
    where = {"key": public} if alg.startswith("HS") else {"jwks": {"keys": [public]}}
    expected = {"issuer": "https://jwtguard.test", "audience": "api", "typ": "at+jwt"}
    verified = jose.verify(token, algorithms=[alg], **expected, **where)
    assert verified["payload"]["sub"] == "interop", verified
    assert verified["header"] == {"alg": alg, "typ": "at+jwt", "kid": f"jg-{alg}"}
    refused = jose.verify(_tamper(token), algorithms=[alg], **where)
    assert refused == {"error": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"}
    # and jwtguard reads its own exported public JWK the same way
    guard = Guard(KeySet.from_jwks({"keys": [public]}, [alg]), algorithms=[alg], audience="api")
    assert guard.verify(token)["scope"] == "read"
