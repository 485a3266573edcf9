from __future__ import annotations

import base64
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from jwtguard import Key, KeyLoadError, KeySet
from jwtguard.testing import generate_key, public_pem


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(("alg", "need"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_hmac_secret_must_be_as_long_as_the_hash(alg: str, need: int) -> None:
    assert Key.from_secret(b"k" * need, alg).algorithms == {alg}
    with pytest.raises(KeyLoadError, match=f"at least {need}"):
        Key.from_secret(b"k" * (need - 1), alg)


def test_hmac_key_for_several_algorithms_needs_the_longest() -> None:
    with pytest.raises(KeyLoadError, match="at least 64"):
        Key.from_secret(b"k" * 48, ["HS256", "HS512"])


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_a_public_key_is_never_accepted_as_an_hmac_secret(alg: str) -> None:
    pem = public_pem(generate_key(alg))
    with pytest.raises(KeyLoadError, match="never be used as an HMAC secret"):
        Key.from_secret(pem, "HS256")


def test_secret_cannot_bind_a_public_key_algorithm() -> None:
    with pytest.raises(KeyLoadError, match="cannot be used with RS256"):
        Key.from_secret(b"k" * 32, "RS256")


def test_rsa_pem_needs_named_algorithms_and_rejects_other_families() -> None:
    pem = public_pem(generate_key("RS256"))
    with pytest.raises(KeyLoadError, match="needs its algorithms named"):
        Key.from_pem(pem)
    assert Key.from_pem(pem, ["RS256", "PS256"]).algorithms == {"RS256", "PS256"}
    with pytest.raises(KeyLoadError, match="cannot be used with HS256"):
        Key.from_pem(pem, ["RS256", "HS256"])


def test_rsa_keys_under_2048_bits_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(KeyLoadError, match="1024 bits"):
        Key.from_crypto(small, "RS256")


@pytest.mark.parametrize(
    ("curve", "alg", "other"),
    [
        (ec.SECP256R1(), "ES256", "ES384"),
        (ec.SECP384R1(), "ES384", "ES256"),
        (ec.SECP521R1(), "ES512", "ES256"),
    ],
)
def test_ec_key_is_bound_to_its_curve_algorithm(
    curve: ec.EllipticCurve, alg: str, other: str
) -> None:
    private = ec.generate_private_key(curve)
    assert Key.from_crypto(private).algorithms == {alg}
    with pytest.raises(KeyLoadError):
        Key.from_crypto(private, other)


def test_ed25519_binds_eddsa() -> None:
    assert Key.from_crypto(ed25519.Ed25519PrivateKey.generate()).algorithms == {
        "EdDSA",
        "Ed25519",  # RFC 9864: the fully specified name of EdDSA on this curve
    }


def test_unreadable_pem_is_a_clear_error() -> None:
    with pytest.raises(KeyLoadError, match="not a readable PEM key"):
        Key.from_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", "RS256")


def test_public_key_cannot_sign_private_key_can() -> None:
    private = generate_key("ES256")
    public = Key.from_pem(public_pem(private))
    assert private.can_sign and not public.can_sign
    sig = private.sign("ES256", b"msg")
    assert public.verify("ES256", b"msg", sig)
    assert not public.verify("ES384", b"msg", sig)
    with pytest.raises(KeyLoadError, match="cannot sign"):
        public.sign("ES256", b"msg")


def _jwk(alg: str, **extra: Any) -> dict[str, Any]:
    key = generate_key(alg)
    return {**Key.from_crypto(key.to_crypto(private=True), alg, kid="k1").to_jwk(), **extra}


def test_jwk_alg_binds_the_key() -> None:
    key = Key.from_jwk(_jwk("PS256"))
    assert key.algorithms == {"PS256"}
    assert key.kid == "k1"
    with pytest.raises(KeyLoadError, match="not among"):
        Key.from_jwk(_jwk("PS256"), ["RS256"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"use": "enc"}, "use is 'enc', not 'sig'", id="use-enc"),
        pytest.param({"use": "other"}, "'use' is not 'sig'", id="use-other"),
        pytest.param({"key_ops": ["encrypt"]}, "key_ops", id="key-ops-without-verify"),
        pytest.param({"alg": "HS256"}, "does not fit", id="alg-of-another-family"),
        pytest.param({"kty": "XYZ"}, "kty", id="unknown-kty"),
        pytest.param({"n": "not base64!"}, "not base64url", id="bad-member-encoding"),
        pytest.param({"n": 5}, "must be a string", id="member-wrong-type"),
        pytest.param({"kid": 5}, "kid", id="kid-wrong-type"),
    ],
)
def test_bad_jwks_are_refused_without_echoing_key_material(
    change: dict[str, Any], message: str
) -> None:
    jwk = {**_jwk("RS256"), **change}
    with pytest.raises(KeyLoadError, match=message) as info:
        Key.from_jwk(jwk)
    n = jwk.get("n")
    if isinstance(n, str) and len(n) > 20:
        assert n[:20] not in str(info.value)


def test_oct_jwk_secret_is_never_in_the_error() -> None:
    secret = b"s" * 16
    with pytest.raises(KeyLoadError) as info:
        Key.from_jwk({"kty": "oct", "k": b64(secret), "alg": "HS256"})
    assert b64(secret) not in str(info.value)


def test_key_repr_never_shows_material() -> None:
    secret = b"super-secret-value-that-is-32-by"
    text = repr(Key.from_secret(secret, "HS256", kid="a"))
    assert "super" not in text
    assert "kid='a'" in text


def test_keyset_selects_by_kid_and_alg() -> None:
    a = generate_key("HS256", kid="a")
    b = generate_key("ES256", kid="b")
    keys = KeySet([a, b])
    assert keys.find("a", "HS256") == (a,)
    assert keys.find("a", "ES256") == ()
    assert keys.find("b", "ES256") == (b,)
    assert keys.find("zzz", "HS256") == ()
    assert keys.find(None, "ES256") == (b,)
    assert set(keys.kids) == {"a", "b"}


def test_single_anonymous_key_accepts_any_kid() -> None:
    key = generate_key("HS256")
    assert KeySet([key]).find("whatever", "HS256") == (key,)


def test_duplicate_kids_are_refused() -> None:
    with pytest.raises(KeyLoadError, match="duplicate key id"):
        KeySet([generate_key("HS256", kid="x"), generate_key("HS256", kid="x")])


def test_replace_notifies_subscribers_and_bumps_generation() -> None:
    keys = KeySet([generate_key("HS256", kid="old")])
    calls: list[int] = []
    keys.subscribe(lambda: calls.append(keys.generation))
    keys.replace([generate_key("HS256", kid="new")])
    assert calls == [1]
    assert keys.find("old", "HS256") == ()


def test_from_jwks_skips_encryption_keys_and_unusable_algorithms() -> None:
    jwks = {
        "keys": [
            _jwk("RS256", kid="sig"),
            _jwk("RS256", kid="enc", use="enc"),
            _jwk("ES256", kid="ec"),
            {"kty": "oct", "k": b64(b"x" * 32), "kid": "aes", "use": "enc"},
        ]
    }
    keys = KeySet.from_jwks(jwks, ["RS256"])
    assert keys.kids == ("sig",)
    assert set(KeySet.from_jwks(jwks, ["RS256", "ES256"]).kids) == {"sig", "ec"}


@pytest.mark.parametrize("bad", [[], {"keys": {}}, {"nokeys": []}, "x"])
def test_from_jwks_needs_a_keys_array(bad: Any) -> None:
    with pytest.raises(KeyLoadError, match="'keys' array"):
        KeySet.from_jwks(bad)


@pytest.mark.parametrize(
    ("alg", "expected"),
    [
        ("RS256", ("RS256",)),
        ("PS384", ("RS256",)),
        ("ES256", ("ES256",)),
        ("ES512", ("ES512",)),
        ("EdDSA", ("Ed25519", "EdDSA")),  # RFC 8037 and RFC 9864 names of one algorithm
        ("Ed448", ("Ed448", "EdDSA")),
    ],
)
def test_default_algorithms_of_a_pem(alg: str, expected: tuple[str, ...]) -> None:
    from jwtguard.keys.key import default_algorithms

    private = generate_key(alg)
    assert default_algorithms(public_pem(private)) == expected


def test_default_algorithms_of_junk_is_a_key_load_error() -> None:
    from jwtguard.keys.key import default_algorithms

    with pytest.raises(KeyLoadError, match="not a readable PEM key"):
        default_algorithms("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
