"""Every algorithm through a remote JWKS: accept and reject cases, signatures, key rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from jwtguard import (
    AlgorithmNotAllowedError,
    ConfigError,
    InvalidSignatureError,
    Key,
    KeyLoadError,
    KeySet,
    TokenError,
    UnknownKeyError,
)
from jwtguard.guard import Guard
from jwtguard.jose import b64url_decode, b64url_encode
from jwtguard.keys.remote import JWKSFetchError, JWKSOptions
from jwtguard.testing import FakeIdentityProvider, FrozenClock, encode_unchecked, generate_key

ALGORITHMS = [  # a published JWKS holds public keys: HMAC is refused (see below)
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512", "ES256K", "EdDSA", "Ed25519", "Ed448",
]  # fmt: skip
SIGNATURE_BYTES = {"ES256": 64, "ES384": 96, "ES512": 132, "ES256K": 64, "EdDSA": 64}


@pytest.fixture(params=ALGORITHMS)
def alg_idp(request: pytest.FixtureRequest, clock: FrozenClock) -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider(request.param, clock=clock) as provider:
        yield provider


def _resign(token: str, signature: bytes) -> str:
    return token.rsplit(".", 1)[0] + "." + b64url_encode(signature)


def _signature(token: str) -> bytes:
    return b64url_decode(token.rsplit(".", 1)[1])


def test_accepts_a_valid_token(alg_idp: FakeIdentityProvider) -> None:
    guard = alg_idp.guard()
    assert guard.verify(alg_idp.issue(sub="ok"))["sub"] == "ok"
    key = guard.keys.keys[0]
    assert key.algorithms == {alg_idp.algorithm}  # bound by the JWK's alg


def test_rejects_a_flipped_signature_bit(alg_idp: FakeIdentityProvider) -> None:
    guard = alg_idp.guard()
    token = alg_idp.issue(sub="x")
    sig = bytearray(_signature(token))
    sig[len(sig) // 2] ^= 1
    with pytest.raises(InvalidSignatureError):
        guard.verify(_resign(token, bytes(sig)))


def test_rejects_an_all_zero_signature(alg_idp: FakeIdentityProvider) -> None:
    guard = alg_idp.guard()
    token = alg_idp.issue(sub="x")
    with pytest.raises(InvalidSignatureError):
        guard.verify(_resign(token, bytes(len(_signature(token)))))


def test_rejects_a_signature_by_another_key_under_the_same_kid(
    alg_idp: FakeIdentityProvider,
) -> None:
    guard = alg_idp.guard()
    guard.keys.preload()
    impostor = generate_key(alg_idp.algorithm, kid="key-1")
    header = {"alg": alg_idp.algorithm, "kid": "key-1"}
    payload = {"sub": "x", "exp": alg_idp.clock() + 60, "iss": alg_idp.issuer, "aud": "api"}
    with pytest.raises(InvalidSignatureError):
        guard.verify(encode_unchecked(header, payload, impostor))


def test_rejects_an_algorithm_outside_the_allow_list(alg_idp: FakeIdentityProvider) -> None:
    other = "ES256" if alg_idp.algorithm != "ES256" else "RS256"
    guard = alg_idp.guard(algorithms=[alg_idp.algorithm, other])
    token = alg_idp.issue(sub="x")
    header, payload, signature = token.split(".")
    swapped = json.loads(b64url_decode(header))
    swapped["alg"] = other
    forged = f"{b64url_encode(json.dumps(swapped).encode())}.{payload}.{signature}"
    with pytest.raises(TokenError) as info:
        guard.verify(forged)
    assert info.value.code in ("unknown_key", "invalid_signature")
    narrow = alg_idp.guard(algorithms=[other])
    with pytest.raises((AlgorithmNotAllowedError, UnknownKeyError)):
        narrow.verify(token)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_a_public_key_is_never_an_hmac_secret(clock: FrozenClock, alg: str) -> None:
    with FakeIdentityProvider(alg, clock=clock) as idp:
        guard = Guard(idp.key_set([alg]), algorithms=[alg, "HS256"], clock=clock)
        guard.keys.preload()  # type: ignore[attr-defined]
        jwk = idp.jwks()["keys"][0]
        for secret in (json.dumps(jwk).encode(), b64url_decode(jwk.get("n") or jwk["x"])):
            header = {"alg": "HS256", "kid": "key-1"}
            payload = {"sub": "x", "exp": clock() + 60}
            import hashlib
            import hmac

            signing_input = encode_unchecked(header, payload, signature=b"").rsplit(".", 1)[0]
            mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            with pytest.raises(TokenError) as info:
                guard.verify(f"{signing_input}.{b64url_encode(mac)}")
            assert info.value.code == "unknown_key"


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_ecdsa_signatures_must_be_raw_r_s_of_exact_length(clock: FrozenClock, alg: str) -> None:
    with FakeIdentityProvider(alg, clock=clock) as idp:
        guard = idp.guard()
        token = idp.issue(sub="x")
        raw = _signature(token)
        assert len(raw) == SIGNATURE_BYTES[alg]
        half = len(raw) // 2
        r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        der = encode_dss_signature(r, s)
        assert decode_dss_signature(der) == (r, s)
        for bad in (der, raw[:-1], raw + b"\x00", b"\x00" + raw, raw[:half], raw * 2, b""):
            with pytest.raises(TokenError) as info:
                guard.verify(_resign(token, bad))
            assert info.value.code in ("invalid_signature", "malformed")
        assert guard.verify(token)["sub"] == "x"


def test_eddsa_with_ed448(clock: FrozenClock) -> None:
    key = Key.from_crypto(ed448.Ed448PrivateKey.generate(), "EdDSA", kid="ed448")
    with FakeIdentityProvider("EdDSA", clock=clock) as idp:
        idp.add_key(key=key, kid="ed448")
        guard = idp.guard()
        token = idp.issue(sub="448", kid="ed448")
        assert len(_signature(token)) == 114
        assert guard.verify(token)["sub"] == "448"
        assert {k["crv"] for k in idp.jwks()["keys"]} == {"Ed25519", "Ed448"}
        with pytest.raises(InvalidSignatureError):
            guard.verify(_resign(token, bytes(114)))


def test_rsa_under_2048_bits_is_refused_at_load(clock: FrozenClock) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    jwk = Key.from_crypto(rsa.generate_private_key(65537, 2048), "RS256").to_jwk()
    from jwt.algorithms import RSAAlgorithm

    small_jwk = {**RSAAlgorithm.to_jwk(small.public_key(), as_dict=True), "alg": "RS256"}
    with pytest.raises(KeyLoadError, match="1024 bits"):
        Key.from_jwk(small_jwk)
    keys = KeySet.from_jwks({"keys": [jwk, {**small_jwk, "kid": "small"}]}, ["RS256"])
    assert len(keys) == 1 and "1024 bits" in keys.skipped[0].reason  # skipped, never used
    with FakeIdentityProvider("RS256", clock=clock) as idp:
        idp.extra_jwks = [{**small_jwk, "kid": "small"}]
        remote = idp.guard().keys
        remote.preload()  # type: ignore[attr-defined]
        assert remote.kids == ("key-1",)  # type: ignore[attr-defined]


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_never_comes_from_a_remote_jwks(clock: FrozenClock, alg: str) -> None:
    with FakeIdentityProvider("ES256", clock=clock) as idp:
        with pytest.raises(ConfigError, match="public-key algorithms"):
            idp.key_set([alg])
        idp.extra_jwks = [generate_key(alg, kid="leaked").to_jwk(private=True)]
        with pytest.raises(JWKSFetchError, match="secret_in_jwks"):
            idp.key_set(["ES256"]).preload()  # a published secret refuses the whole set


def test_duplicate_kids_are_a_clear_load_time_error() -> None:
    a = generate_key("ES256", kid="same").to_jwk()
    b = generate_key("ES256", kid="same").to_jwk()
    with pytest.raises(KeyLoadError, match="duplicate key id 'same'"):
        KeySet.from_jwks({"keys": [a, b]}, ["ES256"])


def test_ec_curve_is_bound_to_its_algorithm(clock: FrozenClock) -> None:
    p384 = Key.from_crypto(ec.generate_private_key(ec.SECP384R1()), "ES384", kid="p384")
    jwk = p384.to_jwk()
    with pytest.raises(KeyLoadError):
        Key.from_jwk({**jwk, "alg": "ES256"})
    without_alg = {k: v for k, v in jwk.items() if k != "alg"}
    assert KeySet.from_jwks({"keys": [without_alg]}, ["ES256"]).kids == ()  # P-384 is not ES256


def test_jwk_alg_binds_the_key_against_a_wider_allow_list(clock: FrozenClock) -> None:
    with FakeIdentityProvider("PS256", clock=clock) as idp:
        guard = idp.guard(algorithms=["RS256", "PS256"])
        token = idp.issue(sub="x")
        assert guard.verify(token)["sub"] == "x"
        key, _ = idp.signing_key()
        header = {"alg": "RS256", "kid": "key-1"}
        payload = {"sub": "x", "exp": clock() + 60, "iss": idp.issuer, "aud": "api"}
        with pytest.raises(UnknownKeyError):
            guard.verify(encode_unchecked(header, payload, key, algorithm="PS256"))


def test_rsa_jwk_without_alg_verifies_the_allowed_rsa_algorithms(clock: FrozenClock) -> None:
    with FakeIdentityProvider("RS256", clock=clock) as idp:
        jwk = idp.jwks()["keys"][0]
        del jwk["alg"]
        idp.body = json.dumps({"keys": [jwk]}).encode()
        guard = idp.guard(algorithms=["RS256", "PS256"])
        assert guard.verify(idp.issue(sub="x"))["sub"] == "x"
        assert guard.keys.keys[0].algorithms == {"RS256", "PS256"}


def test_remote_guard_keeps_only_allowed_families(clock: FrozenClock) -> None:
    with FakeIdentityProvider("RS256", clock=clock) as idp:
        idp.add_key("ES256", kid="ec")
        guard: Guard = idp.guard(
            algorithms=["RS256"], jwks_options=JWKSOptions(allow_insecure_http=True)
        )
        guard.keys.preload()
        assert guard.keys.kids == ("key-1",)
