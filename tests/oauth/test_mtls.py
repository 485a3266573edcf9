"""Client certificates from TLS-terminating proxies: Envoy's XFCC and escaped PEM headers."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from jwtguard.errors import ConfigError
from jwtguard.keys.thumbprint import certificate_thumbprint
from jwtguard.oauth import MTLS
from jwtguard.oauth.mtls import thumbprint_from_header
from tests.http.certificates import make_certificate

PEM, _ = make_certificate("client-a")
OTHER, _ = make_certificate("client-b")
DER = x509.load_pem_x509_certificate(PEM.encode()).public_bytes(serialization.Encoding.DER)
X5T = certificate_thumbprint(PEM)
HEX = hashlib.sha256(DER).hexdigest()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(quote(PEM), id="nginx-escaped"),
        pytest.param(PEM, id="raw-pem"),
        pytest.param(PEM.replace("\n", "\n\t"), id="nginx-ssl_client_cert-tabs"),
        pytest.param(base64.b64encode(DER).decode(), id="traefik-bare-der"),
    ],
)
def test_pem_formats(value: str) -> None:
    assert thumbprint_from_header(value, "pem") == X5T


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(f'By=spiffe://proxy;Hash={HEX};Subject="CN=client-a"', id="hash"),
        pytest.param(f'Hash={HEX};Cert="{quote(PEM)}";URI=spiffe://client', id="hash-and-cert"),
        pytest.param(f'Cert="{quote(PEM)}"', id="cert-only"),
        pytest.param(
            f'Hash={hashlib.sha256(b"x").hexdigest()};Subject="CN=x, O=a;b",By=p;Hash={HEX}',
            id="last-element-wins",
        ),
    ],
)
def test_xfcc(value: str) -> None:
    assert thumbprint_from_header(value, "xfcc") == X5T


@pytest.mark.parametrize(
    ("value", "header_format"),
    [
        pytest.param("", "pem", id="empty"),
        pytest.param("garbage", "pem", id="garbage-pem"),
        pytest.param(
            "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----", "pem", id="bad-b64"
        ),
        pytest.param("Hash=zz", "xfcc", id="bad-hash"),
        pytest.param('Hash="unterminated', "xfcc", id="unbalanced-quote"),
        pytest.param("NoEquals", "xfcc", id="no-pairs"),
        pytest.param(f'Hash={HEX};Cert="{quote(OTHER)}"', "xfcc", id="self-contradicting"),
        pytest.param("x" * 40000, "pem", id="huge"),
    ],
)
def test_unreadable_headers_carry_no_certificate(value: str, header_format: str) -> None:
    assert thumbprint_from_header(value, header_format) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [{"header": "bad header"}, {"header": "Authorization"}, {"header_format": "der"}],
)
def test_bad_configuration(options: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        MTLS(**options)  # type: ignore[arg-type]


def test_header_names_are_case_insensitive() -> None:
    assert MTLS(header="X-Forwarded-Client-Cert").header == "x-forwarded-client-cert"
