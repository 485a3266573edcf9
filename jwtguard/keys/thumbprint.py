"""Thumbprints that bind an access token to its holder: RFC 7638 JWK thumbprints (the
``cnf.jkt`` of a DPoP-bound token, RFC 9449) and X.509 certificate thumbprints (the
``cnf["x5t#S256"]`` of a certificate-bound token, RFC 8705)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from jwtguard.errors import KeyLoadError
from jwtguard.jose import b64url_encode

__all__ = ["THUMBPRINT_MEMBERS", "certificate_thumbprint", "jwk_thumbprint", "pem_to_der"]

THUMBPRINT_MEMBERS: Final[dict[str, tuple[str, ...]]] = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
"""RFC 7638 section 3.2 (and RFC 8037 for OKP): the required members, in lexicographic
order, that a thumbprint hashes; every other member is left out."""

_PEM: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----"
)


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The base64url SHA-256 JWK thumbprint of ``jwk`` (RFC 7638).

    Raises :class:`KeyLoadError` for an unknown ``kty`` or a required member that is
    missing or not a string.
    """
    members = THUMBPRINT_MEMBERS.get(jwk.get("kty"))  # type: ignore[arg-type]
    if members is None:
        raise KeyLoadError("a JWK thumbprint needs a kty of RSA, EC, OKP or oct")
    required = {}
    for name in members:
        value = jwk.get(name)
        if not isinstance(value, str):
            raise KeyLoadError(f"a JWK thumbprint needs the member '{name}' as a string")
        required[name] = value
    canonical = json.dumps(required, separators=(",", ":"), ensure_ascii=False)
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def pem_to_der(pem: str | bytes) -> bytes:
    """The DER bytes of the first certificate in a PEM text.

    Raises :class:`KeyLoadError` when there is none or its base64 is damaged.
    """
    data = pem.encode("latin-1") if isinstance(pem, str) else pem
    match = _PEM.search(data)
    if match is None:
        raise KeyLoadError("no PEM certificate found")
    try:
        return base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        raise KeyLoadError("the PEM certificate is not valid base64") from None


def certificate_thumbprint(certificate: str | bytes) -> str:
    """The ``x5t#S256`` of a certificate (RFC 8705 section 3.1): base64url SHA-256 of its
    DER form. ``certificate`` is DER bytes, or PEM text (str or bytes)."""
    if isinstance(certificate, str) or b"-----BEGIN" in certificate[:64]:
        certificate = pem_to_der(certificate)
    return b64url_encode(hashlib.sha256(certificate).digest())
