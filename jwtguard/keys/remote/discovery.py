"""An identity provider's endpoints by OpenID Connect discovery (RFC 8414 metadata).

:class:`~jwtguard.keys.remote.RemoteKeySet` reads only ``jwks_uri`` from the discovery
document; :func:`discover` reads the endpoints a client needs (where to send users to
log in, where to get tokens), for instance to declare the OAuth 2 flows of an OpenAPI
document. The same fetch (limits, TLS, no redirects) and the same issuer rule apply: the
document's ``issuer`` must equal the issuer asked for, exactly (OpenID Connect Discovery
1.0, section 4.3), and every endpoint must be an https URL (http only with
``allow_insecure_http``, for loopback tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jwtguard.errors import ConfigError
from jwtguard.keys.remote._documents import discovery_url
from jwtguard.keys.remote._fetch import (
    Fetched,
    FetchError,
    afetch_json,
    check_url,
    fetch_json,
    require_httpx,
)
from jwtguard.keys.remote.options import JWKSFetchError, JWKSOptions

__all__ = ["DiscoveryError", "ProviderMetadata", "adiscover", "discover"]

_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class DiscoveryError(JWKSFetchError):
    """Discovery failed; ``kind`` is a fixed label (``timeout``, ``http_404``,
    ``invalid_json``, ``issuer_mismatch``, ``invalid_metadata``, ...), as for key sets."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.args = (f"OpenID Connect discovery failed: {kind}",)


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """What discovery says about an identity provider (the members jwtguard uses)."""

    issuer: str
    authorization_endpoint: str | None
    token_endpoint: str | None
    jwks_uri: str | None
    scopes_supported: tuple[str, ...] = ()
    grant_types_supported: tuple[str, ...] = ()

    @classmethod
    def from_document(
        cls, document: dict[str, Any], issuer: str, *, allow_insecure_http: bool = False
    ) -> ProviderMetadata:
        """The metadata of a discovery ``document`` fetched for ``issuer``; raises
        :class:`DiscoveryError` (``issuer_mismatch``, ``invalid_metadata``) otherwise."""
        if document.get("issuer") != issuer:
            raise DiscoveryError("issuer_mismatch")
        endpoints: dict[str, str | None] = {}
        for name in _ENDPOINTS:
            value = document.get(name)
            try:
                endpoints[name] = (
                    None
                    if value is None
                    else check_url(value, allow_insecure_http=allow_insecure_http, what=name)
                )
            except ConfigError:
                raise DiscoveryError("invalid_metadata") from None
        return cls(
            issuer,
            endpoints["authorization_endpoint"],
            endpoints["token_endpoint"],
            endpoints["jwks_uri"],
            _strings(document.get("scopes_supported")),
            _strings(document.get("grant_types_supported")),
        )


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _checked(issuer: str, options: JWKSOptions | None) -> tuple[str, JWKSOptions]:
    require_httpx()
    opts = options or JWKSOptions()
    check_url(issuer, allow_insecure_http=opts.allow_insecure_http, what="OIDC issuer")
    return discovery_url(issuer), opts


def _read(fetched: Fetched, issuer: str, options: JWKSOptions) -> ProviderMetadata:
    return ProviderMetadata.from_document(
        fetched.document, issuer, allow_insecure_http=options.allow_insecure_http
    )


def discover(issuer: str, options: JWKSOptions | None = None) -> ProviderMetadata:
    """Fetch ``issuer``'s discovery document (blocking: call it at start-up) within
    ``options``' limits. Raises :class:`DiscoveryError` with a fixed label on failure."""
    url, opts = _checked(issuer, options)
    try:
        return _read(fetch_json(url, opts.limits), issuer, opts)
    except FetchError as exc:
        raise DiscoveryError(exc.kind) from None


async def adiscover(issuer: str, options: JWKSOptions | None = None) -> ProviderMetadata:
    """:func:`discover`, awaited (for an async start-up such as a lifespan handler)."""
    url, opts = _checked(issuer, options)
    try:
        return _read(await afetch_json(url, opts.limits), issuer, opts)
    except FetchError as exc:
        raise DiscoveryError(exc.kind) from None
