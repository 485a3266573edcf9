"""RFC 7638 JWK thumbprints and RFC 8705 certificate thumbprints."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from jwtguard.errors import KeyLoadError
from jwtguard.jose import b64url_encode
from jwtguard.keys import Key
from jwtguard.keys.thumbprint import certificate_thumbprint, jwk_thumbprint
from jwtguard.testing import generate_key
from tests.http.certificates import make_certificate

# RFC 7638 section 3.1, the example RSA key and its thumbprint
RFC7638_JWK = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSo"
    "c_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4v"
    "MQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_the_rfc_7638_example() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT
    assert Key.from_jwk(RFC7638_JWK).thumbprint() == RFC7638_THUMBPRINT


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "EdDSA", "PS256"])
def test_only_the_required_members_count(alg: str) -> None:
    key = generate_key(alg)
    jwk = key.to_jwk()
    assert jwk_thumbprint({**jwk, "kid": "x", "use": "sig", "alg": alg}) == key.thumbprint()


@pytest.mark.parametrize(
    "jwk",
    [
        pytest.param({"kty": "EC", "crv": "P-256", "x": "AA"}, id="missing-y"),
        pytest.param({"kty": "RSA", "n": 1, "e": "AQAB"}, id="n-not-a-string"),
        pytest.param({"kty": "XYZ"}, id="unknown-kty"),
        pytest.param({}, id="empty"),
    ],
)
def test_incomplete_jwks_are_refused(jwk: dict[str, object]) -> None:
    with pytest.raises(KeyLoadError):
        jwk_thumbprint(jwk)


def test_an_hmac_key_has_no_thumbprint_to_bind_to() -> None:
    with pytest.raises(KeyLoadError):
        generate_key("HS256").thumbprint()


def test_certificate_thumbprint_is_sha256_of_der_in_pem_and_der() -> None:
    pem, _ = make_certificate("client")
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    expected = b64url_encode(hashlib.sha256(der).digest())
    assert certificate_thumbprint(pem) == expected
    assert certificate_thumbprint(pem.encode()) == expected
    assert certificate_thumbprint(der) == expected


@pytest.mark.parametrize(
    "text", ["", "not a pem", "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"]
)
def test_damaged_pem_is_a_key_load_error(text: str) -> None:
    with pytest.raises(KeyLoadError):
        certificate_thumbprint(text)
