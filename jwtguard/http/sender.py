"""Sender-constrained access tokens on one request: a :class:`~jwtguard.oauth.ResourceServer`
applied to a :class:`~jwtguard.http.request.RequestView`.

:class:`SenderCheck` finds the ``DPoP`` credential, rebuilds the URL the client sent the
request to (trusted forwarded headers only, or the configured public origin), verifies
the proof for it, reads the client certificate (from the server, or the trusted proxy
header), and checks the token's ``cnf`` against both and against the route's demand.
The single-use check of the proof's ``jti`` is the caller's (it may wait: a Redis round
trip), so this module stays free of I/O. Under server nonces, the fresh nonce an allowed
request's response should carry is handed to the adapter through :func:`dpop_nonce`.
"""

from __future__ import annotations

import hmac
from contextvars import ContextVar
from typing import Final
from urllib.parse import quote, unquote

from jwtguard.claims import Claims
from jwtguard.errors import (
    InvalidDPoPProofError,
    InvalidRequestError,
    KeyLoadError,
    TokenBindingError,
)
from jwtguard.http.credentials import parse_dpop_authorization
from jwtguard.http.request import RequestView
from jwtguard.keys.thumbprint import certificate_thumbprint
from jwtguard.oauth.binding import Binding, confirmation, demand_refusal
from jwtguard.oauth.dpop import DPoPVerifier, VerifiedProof
from jwtguard.oauth.forwarded import ForwardedHeaders
from jwtguard.oauth.mtls import thumbprint_from_header
from jwtguard.oauth.resource import ResourceServer
from jwtguard.oauth.urls import normalize_url
from jwtguard.protocols import Clock

__all__ = ["REPLAYED", "SenderCheck", "dpop_nonce", "offer_nonce"]

REPLAYED: Final = "The DPoP proof was already used."
_TWO: Final = "The request carries more than one access token."
_NOT_DPOP_BOUND: Final = "The access token is not DPoP-bound."
_KEY_MISMATCH: Final = "Invalid DPoP key binding."
_DOWNGRADE: Final = "A DPoP-bound access token must be sent with the DPoP scheme and a proof."
_NO_MTLS: Final = "Certificate-bound access tokens are not accepted here."
_CERT_MISMATCH: Final = "The client certificate does not match the access token."
_PATH_SAFE: Final = "/!$&'()*+,;=:@-._~"
_CACHE: Final = 1024
_WS: Final = {"ws": "http", "wss": "https"}


_FRESH_NONCE: Final[ContextVar[str | None]] = ContextVar("jwtguard_dpop_nonce", default=None)


def offer_nonce(nonce: str) -> None:
    """Note ``nonce`` as the ``DPoP-Nonce`` for the response to the request being decided
    in this context (thread or task): the pipeline calls it when it allows a DPoP request
    whose proof's nonce is about to expire."""
    _FRESH_NONCE.set(nonce)


def dpop_nonce() -> str | None:
    """Under server nonces: the fresh ``DPoP-Nonce`` the response to the request this
    context last allowed should carry (RFC 9449 section 8.2), then forgotten; None when
    none is due. Adapters with a response channel call it right after an allowed decision
    and put it on the response."""
    nonce = _FRESH_NONCE.get()
    if nonce is not None:
        _FRESH_NONCE.set(None)
    return nonce


def _nth(values: list[str], trusted: int) -> str | None:
    """The value ``trusted`` from the right of a comma-separated header (ProxyFix's rule)."""
    items = [v.strip() for line in values for v in line.split(",")]
    return items[-trusted] if len(items) >= trusted and items[-trusted] else None


def _forwarded_element(values: list[str], trusted: int) -> dict[str, str]:
    element = _nth(values, trusted)
    found: dict[str, str] = {}
    for pair in (element or "").split(";"):
        name, sep, value = pair.partition("=")
        if sep:
            found[name.strip().lower()] = value.strip().strip('"')
    return found


class SenderCheck:
    """Applies one :class:`ResourceServer` to requests (built once per pipeline)."""

    def __init__(self, resource_server: ResourceServer, clock: Clock) -> None:
        self.resource_server = resource_server
        self.dpop = (
            None if resource_server.dpop is None else DPoPVerifier(resource_server.dpop, clock)
        )
        self.mtls = resource_server.mtls
        self.default_binding: Binding = "bound" if resource_server.require_binding else "bearer"
        self._forwarded: ForwardedHeaders | None = (
            resource_server.forwarded
            if resource_server.forwarded is not None and resource_server.forwarded.any
            else None
        )
        self._origin = resource_server.public_origin
        self._urls: dict[tuple[str, str, str, str | None, str, str], str] = {}
        self._certificates: dict[str, str | None] = {}

    # -- credentials -------------------------------------------------------------------

    def dpop_token(self, request: RequestView) -> str | None:
        """The access token of ``Authorization: DPoP``, or None (no DPoP credential, or
        DPoP not accepted here). Raises InvalidRequestError for two Authorization lines."""
        if self.dpop is None:
            return None
        lines = request.headers.get_all("authorization")
        if len(lines) > 1:
            raise InvalidRequestError(_TWO)
        return parse_dpop_authorization(lines[0]) if lines else None

    # -- the check ---------------------------------------------------------------------

    def check(
        self,
        request: RequestView,
        token: str,
        claims: Claims,
        dpop: bool,
        binding: Binding | None,
    ) -> VerifiedProof | None:
        """Check the token's binding on ``request`` (``dpop``: sent with the DPoP
        scheme) and the route's demand; the proof to record as used, if any.

        Raises :class:`InvalidDPoPProofError`, :class:`TokenBindingError` or
        :class:`BindingRequiredError`.
        """
        jkt, x5t = confirmation(claims)
        proof = None
        if dpop:
            proof = self._proof(request, token)
            if jkt is None:
                raise TokenBindingError(_NOT_DPOP_BOUND)
            if not hmac.compare_digest(jkt.encode(), proof.jkt.encode()):
                raise TokenBindingError(_KEY_MISMATCH)
        elif jkt is not None:
            raise TokenBindingError(_DOWNGRADE)
        if x5t is not None:
            if self.mtls is None:
                raise TokenBindingError(_NO_MTLS)
            presented = self.certificate(request)
            if presented is None or not hmac.compare_digest(x5t.encode(), presented.encode()):
                raise TokenBindingError(_CERT_MISMATCH)
        # require_binding wins over a route's own "bearer" (a decorator's, which start-up
        # cannot see): one switch refuses unbound tokens everywhere
        demand = self.default_binding if binding is None or binding == "bearer" else binding
        refusal = demand_refusal(demand, (jkt, x5t))
        if refusal is not None:
            raise refusal
        return proof

    def _proof(self, request: RequestView, token: str) -> VerifiedProof:
        lines = request.headers.get_all("dpop")
        if len(lines) != 1 or "," in lines[0]:
            raise InvalidDPoPProofError("missing" if not lines else "multiple")
        assert self.dpop is not None  # a DPoP credential is only read when DPoP is accepted
        return self.dpop.verify(lines[0].strip(), request.method, self.url(request), token)

    # -- the request URL ---------------------------------------------------------------

    def url(self, request: RequestView) -> str:
        """The normalised URL (no query) the client sent ``request`` to, as a DPoP ``htu``
        names it: the public origin or the trusted forwarded headers, else what the
        server reports; the path as received (root path included)."""
        scheme, host, prefix = request.scheme, request.host, ""
        forwarded = self._forwarded
        if forwarded is not None:
            scheme, host, prefix = self._forwarded_parts(request, forwarded, scheme, host)
        # everything the URL is made of: a repeated one costs a look-up, no quoting
        parts = (scheme, host, prefix, request.raw_path, request.root_path, request.path)
        found = self._urls.get(parts)
        if found is None:
            origin = self._origin or f"{_WS.get(scheme, scheme)}://{host}"
            try:
                found = normalize_url(origin + prefix + _path(request))
            except ValueError:
                found = ""  # matches no htu: the proof is refused
            if len(self._urls) >= _CACHE:
                self._urls.clear()
            self._urls[parts] = found
        return found

    def _forwarded_parts(
        self, request: RequestView, trusted: ForwardedHeaders, scheme: str, host: str
    ) -> tuple[str, str, str]:
        headers = request.headers
        prefix = ""
        if trusted.forwarded:
            element = _forwarded_element(headers.get_all("forwarded"), trusted.forwarded)
            scheme = element.get("proto", scheme).lower()
            host = element.get("host", host)
        if trusted.x_proto:
            scheme = (_nth(headers.get_all("x-forwarded-proto"), trusted.x_proto) or scheme).lower()
        if trusted.x_host:
            host = _nth(headers.get_all("x-forwarded-host"), trusted.x_host) or host
        if trusted.x_port:
            port = _nth(headers.get_all("x-forwarded-port"), trusted.x_port)
            if port is not None:
                name = host[: host.rindex(":")] if host.rfind(":") > host.rfind("]") else host
                host = f"{name}:{port}"
        if trusted.x_prefix:
            prefix = (_nth(headers.get_all("x-forwarded-prefix"), trusted.x_prefix) or "").rstrip(
                "/"
            )
            if prefix and not prefix.startswith("/"):
                prefix = ""
        return scheme, host, quote(prefix, safe=_PATH_SAFE)

    # -- the client certificate --------------------------------------------------------

    def certificate(self, request: RequestView) -> str | None:
        """The ``x5t#S256`` of the client certificate, or None when there is none."""
        mtls = self.mtls
        if mtls is None:
            return None
        if mtls.header is not None:
            lines = request.headers.get_all(mtls.header)
            if len(lines) != 1:
                return None
            return thumbprint_from_header(lines[0], mtls.header_format)
        pem = request.client_cert
        if not pem:
            return None
        if pem in self._certificates:
            return self._certificates[pem]
        try:
            found: str | None = certificate_thumbprint(pem)
        except KeyLoadError:
            found = None
        if len(self._certificates) >= _CACHE:
            self._certificates.clear()
        self._certificates[pem] = found
        return found


def _path(request: RequestView) -> str:
    """The request's path as the client sent it (percent-encoded), root path included."""
    raw = request.raw_path
    full = request.full_path
    if raw is not None and raw.startswith("/"):
        decoded = unquote(raw)
        if decoded == full:
            return raw
        root = request.root_path
        if root and root + decoded == full:
            return quote(root, safe=_PATH_SAFE) + raw
    return quote(full, safe=_PATH_SAFE)
