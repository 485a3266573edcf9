"""RFC 9864 fully-specified EdDSA names: ``Ed25519`` and ``Ed448``, each bound to its curve."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed448, ed25519

from jwtguard import Guard, Key, KeyLoadError, KeySet, TokenIssuer, UnknownKeyError
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.testing import FrozenClock, encode_unchecked, generate_key

CURVES = {"Ed25519": ed25519.Ed25519PrivateKey, "Ed448": ed448.Ed448PrivateKey}


@pytest.mark.parametrize("curve", ["Ed25519", "Ed448"])
def test_a_curve_name_is_an_algorithm_bound_to_that_curve(curve: str, clock: FrozenClock) -> None:
    private = CURVES[curve].generate()
    key = Key.from_crypto(private, kid="ed")
    assert key.algorithms == {"EdDSA", curve}  # the polymorphic name and the fully specified one
    other = "Ed448" if curve == "Ed25519" else "Ed25519"
    with pytest.raises(KeyLoadError, match=f"cannot be used with {other}"):
        Key.from_crypto(private, other)
    for alg in (curve, "EdDSA"):
        token = TokenIssuer(Key.from_crypto(private, alg, kid="ed"), alg, clock=clock).issue({})
        guard = Guard(
            Key.from_crypto(private.public_key(), kid="ed"), algorithms=[alg], clock=clock
        )
        assert guard.verify(token)["exp"] == clock() + 900


@pytest.mark.parametrize("curve", ["Ed25519", "Ed448"])
def test_a_token_naming_the_other_curve_finds_no_key(curve: str, clock: FrozenClock) -> None:
    private = CURVES[curve].generate()
    other = "Ed448" if curve == "Ed25519" else "Ed25519"
    guard = Guard(Key.from_crypto(private.public_key(), kid="ed"), algorithms=[curve, other])
    signing = Key.from_crypto(private, "EdDSA", kid="ed")
    forged = encode_unchecked(
        {"alg": other, "kid": "ed"}, {"exp": clock() + 60}, signing, algorithm="EdDSA"
    )
    with pytest.raises(UnknownKeyError):
        guard.verify(forged)


def test_jwk_alg_must_fit_the_curve() -> None:
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert Key.from_jwk({**jwk, "alg": "Ed25519"}).algorithms == {"Ed25519"}
    assert Key.from_jwk(jwk).algorithms == {"EdDSA", "Ed25519"}
    with pytest.raises(KeyLoadError, match="does not fit"):
        Key.from_jwk({**jwk, "alg": "Ed448"})
    keys = KeySet.from_jwks({"keys": [{**jwk, "kid": "a"}]}, ["Ed448"])
    assert len(keys) == 0 and keys.skipped[0].reason == "no allowed algorithm fits this key"


@pytest.mark.parametrize("alg", sorted(SUPPORTED_ALGORITHMS))
def test_generate_key_offers_every_supported_algorithm(alg: str, clock: FrozenClock) -> None:
    key = generate_key(alg, kid="k")
    assert key.can_sign and alg in key.algorithms
    token = TokenIssuer(key, alg, clock=clock).issue({"sub": alg})
    assert Guard(key, algorithms=[alg], clock=clock).verify(token)["sub"] == alg


def test_generate_key_refuses_an_unknown_algorithm_clearly() -> None:
    with pytest.raises(KeyLoadError, match="unsupported algorithm 'HS1'"):
        generate_key("HS1")
