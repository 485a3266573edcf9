"""Throw-away X.509 certificates for the mTLS tests: a CA, and leaves it signed."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
_END = datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc)


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def make_certificate(
    common: str,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[str, str]:
    """``(certificate PEM, private key PEM)``; self-signed unless ``issuer`` is given."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name = _name(common) if issuer is None else issuer[0].subject
    signer = key if issuer is None else issuer[1]
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_START)
        .not_valid_after(_END)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        # key identifiers and a CA's key usage: Python 3.13's default context verifies with
        # VERIFY_X509_STRICT, which refuses a chain without them (RFC 5280 section 4.2.1)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(_loopback())]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    certificate = builder.sign(signer, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key)


def _loopback() -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address("127.0.0.1")


class PKI:
    """A CA, a server certificate for 127.0.0.1 and client certificates, in ``directory``."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        ca_pem, ca_key_pem = make_certificate("jwtguard test CA", ca=True)
        self._ca = (
            x509.load_pem_x509_certificate(ca_pem.encode()),
            serialization.load_pem_private_key(ca_key_pem.encode(), None),
        )
        self.ca = self._write("ca.pem", ca_pem)
        server_pem, server_key = make_certificate("127.0.0.1", self._ca, server=True)  # type: ignore[arg-type]
        self.server_cert = self._write("server.pem", server_pem)
        self.server_key = self._write("server.key", server_key)

    def _write(self, name: str, text: str) -> Path:
        path = self.directory / name
        path.write_text(text)
        return path

    def client(self, name: str) -> tuple[Path, Path, str]:
        """``(certificate path, key path, certificate PEM)`` of a new client certificate."""
        pem, key = make_certificate(name, self._ca)  # type: ignore[arg-type]
        return self._write(f"{name}.pem", pem), self._write(f"{name}.key", key), pem
