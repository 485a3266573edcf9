"""jwtguard.keys._material: reading key material before a Key is made of it."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jwtguard.errors import KeyLoadError
from jwtguard.keys._material import (
    as_algorithms,
    check_jwk_curve,
    check_jwk_use,
    choose_algorithms,
    default_algorithms,
    describe_key,
    family_of,
    is_der,
    is_jwk_text,
    load_pem,
    rsa_modulus,
)

RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
P256 = ec.generate_private_key(ec.SECP256R1())
ED = ed25519.Ed25519PrivateKey.generate()


def pem(key: object) -> bytes:
    public = key.public_key()  # type: ignore[attr-defined]
    return bytes(public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))


def test_the_default_algorithms_of_a_pem_key() -> None:
    assert default_algorithms(pem(RSA)) == ("RS256",)  # never a guess between RS* and PS*
    assert default_algorithms(pem(P256)) == ("ES256",)
    assert set(default_algorithms(pem(ED).decode())) == {"EdDSA", "Ed25519"}
    with pytest.raises(KeyLoadError, match="not a readable PEM key"):
        default_algorithms(b"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----")


def test_a_pem_is_loaded_and_its_family_named() -> None:
    assert family_of(load_pem(pem(RSA), None, "k"), "k") == "RSA"
    assert family_of(P256, None) == "EC"
    assert family_of(ED.public_key(), None) == "OKP"
    with pytest.raises(KeyLoadError, match="unsupported key type str"):
        family_of("secret", None)
    assert rsa_modulus(RSA) == rsa_modulus(RSA.public_key()) == RSA.public_key().public_numbers().n


def test_the_algorithms_a_key_may_verify() -> None:
    assert choose_algorithms("EC", P256, None, None) == {"ES256"}
    assert choose_algorithms("RSA", RSA, ["PS256", "RS256"], None) == {"PS256", "RS256"}
    with pytest.raises(KeyLoadError, match="needs its algorithms named"):
        choose_algorithms("RSA", RSA, None, None)
    with pytest.raises(KeyLoadError, match="cannot be used with ES384"):
        choose_algorithms("EC", P256, ["ES384"], "k")
    with pytest.raises(KeyLoadError, match="unsupported algorithm"):
        choose_algorithms("RSA", RSA, ["RS1"], None)
    with pytest.raises(KeyLoadError, match="no algorithm given"):
        choose_algorithms("RSA", RSA, [], None)


def test_key_documents_are_told_from_secrets_in_any_json_encoding() -> None:
    jwk = json.dumps({"kty": "oct", "k": "c2VjcmV0"})
    assert is_jwk_text(jwk.encode())
    assert is_jwk_text(jwk.encode("utf-16-be"))  # starts with NUL, still a key document
    assert is_jwk_text(b'{"keys": []}')
    assert not is_jwk_text(b"a plain secret of enough bytes for HS256 use")
    assert not is_jwk_text(b'{"kid": "no kty"}')
    der = RSA.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    assert is_der(der) and not is_der(b"\x30\x03junk")


def test_jwk_curves_and_coordinate_sizes_are_checked() -> None:
    check_jwk_curve({"crv": "Ed25519"}, "OKP", None)
    check_jwk_curve({"crv": "P-256", "x": "A" * 43, "y": "A" * 43}, "EC", None)
    with pytest.raises(KeyLoadError, match="unsupported OKP curve X25519"):
        check_jwk_curve({"crv": "X25519"}, "OKP", None)
    with pytest.raises(KeyLoadError, match="'x' must be 32 bytes for P-256"):
        check_jwk_curve({"crv": "P-256", "x": "AAAA", "y": "A" * 43}, "EC", None)
    with pytest.raises(KeyLoadError, match="unsupported EC curve"):
        check_jwk_curve({"crv": "P-192"}, "EC", None)


def test_jwk_use_and_key_ops_must_allow_signatures() -> None:
    check_jwk_use({"use": "sig", "key_ops": ["verify"]}, None)
    for jwk, problem in [
        ({"use": "enc"}, "use is 'enc'"),
        ({"use": "other"}, "'use' is not 'sig'"),
        ({"key_ops": "verify"}, "must be a list of strings"),
        ({"key_ops": ["encrypt"]}, "allows neither sign nor verify"),
    ]:
        with pytest.raises(KeyLoadError, match=problem):
            check_jwk_use(jwk, "k")


def test_names_and_algorithm_lists() -> None:
    assert describe_key(None) == "key"
    assert describe_key("k" * 100) == f"key {'k' * 64!r}"
    assert as_algorithms("RS256") == ("RS256",)
    assert as_algorithms(["RS256", "PS256"]) == ("RS256", "PS256")
    assert as_algorithms(None) is None
