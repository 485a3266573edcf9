"""uvicorn's HTTP protocol with the ASGI TLS extension: the client certificate in the scope.

uvicorn verifies client certificates (``--ssl-ca-certs ca.pem --ssl-cert-reqs 2``) but
does not hand them to the app. This protocol adds the ASGI TLS extension
(``scope["extensions"]["tls"]``, with ``client_cert_chain``) to every request on a TLS
connection, so certificate-bound tokens (RFC 8705) can be checked without a proxy::

    uvicorn app:app --ssl-certfile server.pem --ssl-keyfile server.key \\
        --ssl-ca-certs clients-ca.pem --ssl-cert-reqs 2 \\
        --http jwtguard.adapters.uvicorn:TLSH11Protocol

(``uvicorn.run(app, ..., http=TLSH11Protocol)`` in Python.) Only what the TLS layer
verified is reported: the certificate of the connection, never a header.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["TLSH11Protocol", "tls_extension"]


def tls_extension(transport: asyncio.BaseTransport) -> dict[str, Any] | None:
    """The ASGI TLS extension of a connection (None when it is not TLS)."""
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    chain = [] if der is None else [ssl.DER_cert_to_PEM_cert(der)]
    return {
        "server_cert": None,
        "client_cert_chain": chain,
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": None,
        "cipher_suite": None,
    }


class TLSH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, reporting the TLS client certificate to the app."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        tls = tls_extension(transport)
        if tls is None:
            return
        app = self.app

        async def with_tls(scope: Any, receive: Any, send: Any) -> None:
            extensions = scope.get("extensions")
            if extensions is None:
                scope["extensions"] = {"tls": tls}
            else:
                extensions["tls"] = tls
            await app(scope, receive, send)

        self.app = with_tls
