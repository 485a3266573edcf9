"""Certificate-bound access tokens (RFC 8705 section 3): where the client certificate
comes from, and its ``x5t#S256`` thumbprint.

The certificate is the one the TLS connection authenticated: from the server itself
(the ASGI TLS extension's ``client_cert_chain``, WSGI's ``SSL_CLIENT_CERT`` as Apache
``mod_ssl`` exports it, or :mod:`jwtguard.adapters.uvicorn` for uvicorn), or from a
header a TLS-terminating proxy sets and the client cannot: name that header, and make
the proxy overwrite it on every request (Envoy ``forward_client_cert_details:
SANITIZE_SET``; nginx ``proxy_set_header``). Formats:

* ``"xfcc"``: Envoy's ``X-Forwarded-Client-Cert`` (``Hash=<hex SHA-256 of the DER>``,
  ``Cert="<URL-escaped PEM>"``; with several elements the last, the nearest proxy's);
* ``"pem"``: a URL-escaped PEM (nginx ``$ssl_client_escaped_cert``, AWS ALB's
  ``X-Amzn-Mtls-Clientcert``), a raw PEM, or the bare base64 DER (Traefik).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Final, Literal
from urllib.parse import unquote

from jwtguard.errors import ConfigError, KeyLoadError
from jwtguard.jose import b64url_encode
from jwtguard.keys.thumbprint import certificate_thumbprint

__all__ = ["MTLS", "HeaderFormat", "thumbprint_from_header"]

HeaderFormat = Literal["xfcc", "pem"]

_HEADER_NAME: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_HEX_SHA256: Final = re.compile(r"[0-9A-Fa-f]{64}")
_MAX_HEADER: Final = 32768
_CACHE: Final = 256


@dataclass(frozen=True, slots=True)
class MTLS:
    """Where certificate-bound tokens find the client certificate.

    Args:
        header: the header a TLS-terminating proxy sets with the verified client
            certificate (None: the certificate of the TLS connection, as the server
            reports it). Trusted as is: the proxy must overwrite it on every request.
        header_format: ``"xfcc"`` (Envoy) or ``"pem"`` (nginx, AWS ALB, Traefik).
    """

    header: str | None = None
    header_format: HeaderFormat = "pem"

    def __post_init__(self) -> None:
        if self.header is not None:
            if not isinstance(self.header, str) or not _HEADER_NAME.fullmatch(self.header):
                raise ConfigError("mtls header: not a valid HTTP header name")
            if self.header.lower() == "authorization":
                raise ConfigError("mtls header: not Authorization")
            object.__setattr__(self, "header", self.header.lower())
        if self.header_format not in ("xfcc", "pem"):
            raise ConfigError("mtls header_format: 'xfcc' or 'pem'")


_memo: dict[tuple[str, str], str | None] = {}


def thumbprint_from_header(value: str, header_format: HeaderFormat) -> str | None:
    """The ``x5t#S256`` of the certificate a proxy header carries; None when it carries
    none that can be read (an empty value, a damaged PEM, a malformed element)."""
    if not value or len(value) > _MAX_HEADER:
        return None
    key = (header_format, value)
    if key in _memo:
        return _memo[key]
    found = _from_xfcc(value) if header_format == "xfcc" else _from_pem(value)
    if len(_memo) >= _CACHE:
        _memo.clear()
    _memo[key] = found
    return found


def _from_pem(value: str) -> str | None:
    text = unquote(value.strip()) if "%" in value else value.strip()
    try:
        if "-----BEGIN" in text:
            return certificate_thumbprint(text)
        der = base64.b64decode("".join(text.split()), validate=True)
    except (KeyLoadError, binascii.Error, ValueError):
        return None
    return b64url_encode(hashlib.sha256(der).digest()) if der else None


def _from_xfcc(value: str) -> str | None:
    elements = _split(value, ",")
    if not elements:
        return None
    fields: dict[str, str] = {}
    for pair in _split(elements[-1], ";"):
        name, sep, raw = pair.partition("=")
        if not sep:
            return None
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"')
        fields[name.strip().lower()] = raw
    from_cert = _from_pem(fields["cert"]) if "cert" in fields else None
    digest = fields.get("hash")
    from_hash = None
    if digest is not None:
        if not _HEX_SHA256.fullmatch(digest):
            return None
        from_hash = b64url_encode(bytes.fromhex(digest))
    if from_cert is not None and from_hash is not None and from_cert != from_hash:
        return None  # the element contradicts itself
    return from_cert or from_hash


def _split(value: str, separator: str) -> list[str]:
    """Split on ``separator`` outside double quotes (XFCC quotes values holding ``,;=``)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if quoted:
        return []
    parts.append("".join(current).strip())
    return [p for p in parts if p]
