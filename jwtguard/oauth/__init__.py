"""The OAuth 2.1 resource server: sender-constrained tokens and resource metadata.

:class:`ResourceServer` is the configuration a :class:`~jwtguard.http.Pipeline` (and so
every adapter) takes as ``resource_server=``: DPoP proofs (:class:`DPoP`, RFC 9449),
certificate-bound tokens (:class:`MTLS`, RFC 8705), the trusted forwarded headers
(:class:`ForwardedHeaders`) and RFC 9728 metadata. Nothing here knows HTTP requests:
:mod:`jwtguard.http.sender` applies it to one. See docs/resource-server.md.
"""

from jwtguard.oauth.binding import Binding, confirmation
from jwtguard.oauth.dpop import DEFAULT_DPOP_ALGORITHMS, DPoP, DPoPVerifier, access_token_hash
from jwtguard.oauth.forwarded import ForwardedHeaders
from jwtguard.oauth.mtls import MTLS
from jwtguard.oauth.nonce import NonceIssuer
from jwtguard.oauth.resource import METADATA_PATH, ResourceServer
from jwtguard.oauth.urls import normalize_url

__all__ = [
    "DEFAULT_DPOP_ALGORITHMS",
    "METADATA_PATH",
    "MTLS",
    "Binding",
    "DPoP",
    "DPoPVerifier",
    "ForwardedHeaders",
    "NonceIssuer",
    "ResourceServer",
    "access_token_hash",
    "confirmation",
    "normalize_url",
]
