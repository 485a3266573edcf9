"""An OAuth 2.1 resource server's configuration: its identifier, which sender
constraints it accepts, and its RFC 9728 protected-resource metadata.

``resource`` is the resource's canonical URI (RFC 8707 section 2, RFC 9728 section 1.2):
the ``aud`` its access tokens must carry (the Guard's ``audience`` must name it, checked
when the pipeline is built: RFC 9068 section 4 and the MCP authorization spec make it
the resource server's duty; RFC 7519 compares audiences as exact strings, so spell it
as the authorization server does) and the ``resource`` of its metadata, served at
``/.well-known/oauth-protected-resource`` with the resource's path appended (RFC 9728
section 3.1), and named in every 401 challenge as ``resource_metadata`` so clients find
the authorization server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from jwtguard.errors import ConfigError
from jwtguard.oauth.dpop import DPoP
from jwtguard.oauth.forwarded import ForwardedHeaders
from jwtguard.oauth.mtls import MTLS
from jwtguard.oauth.urls import normalize_url

__all__ = ["METADATA_PATH", "ResourceServer"]

METADATA_PATH: Final = "/.well-known/oauth-protected-resource"


def _strings(value: str | Iterable[str], what: str, problems: list[str]) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(v, str) and v and not any(c.isspace() for c in v) for v in items):
        problems.append(f"{what}: each entry must be a non-empty string without spaces")
    return items


def _url_problem(value: str, what: str) -> str | None:
    try:
        parts = urlsplit(value)
        normalize_url(value)
    except ValueError:
        return f"{what}: must be an absolute http(s) URL"
    if parts.query or parts.fragment:
        return f"{what}: must have no query or fragment (RFC 9728 section 2)"
    return None


def _same_url(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one URL after RFC 3986 normalisation."""
    try:
        return normalize_url(a) == normalize_url(b)
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class ResourceServer:
    """What this app is as an OAuth 2.1 resource server (``Pipeline(resource_server=...)``).

    Args:
        resource: the canonical URI (``https://api.example.com`` or
            ``https://mcp.example.com/mcp``): the metadata's ``resource`` and where it is
            served. None: no metadata, no ``resource_metadata`` in challenges.
        authorization_servers: issuer URLs clients get tokens from (RFC 8414); empty:
            the Guard's issuers (or its tenants').
        scopes_supported: scopes advertised in the metadata.
        dpop: accept DPoP-bound tokens with proofs (RFC 9449); None: DPoP is refused.
        mtls: accept certificate-bound tokens (RFC 8705); None: they are refused.
        require_binding: refuse unbound (plain bearer) tokens on every route.
        forwarded: forwarded headers to trust for the request URL (default: none).
        origin: the public ``scheme://host[:port]`` requests arrive at, used for DPoP
            ``htu`` instead of the scheme and ``Host`` the server reports (takes
            precedence over ``forwarded`` proto and host).
        resource_name: an optional metadata member, the resource's name for people.
        resource_documentation: an optional metadata member, a URL of its documentation.
        serve_metadata: answer ``GET`` on the metadata path (when ``resource`` is set).
    """

    resource: str | None = None
    authorization_servers: tuple[str, ...] = ()
    scopes_supported: tuple[str, ...] = ()
    dpop: DPoP | None = None
    mtls: MTLS | None = None
    require_binding: bool = False
    forwarded: ForwardedHeaders | None = None
    origin: str | None = None
    resource_name: str | None = None
    resource_documentation: str | None = None
    serve_metadata: bool = True
    _origin: str | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        problems: list[str] = []
        servers = _strings(self.authorization_servers, "authorization_servers", problems)
        scopes = _strings(self.scopes_supported, "scopes_supported", problems)
        object.__setattr__(self, "authorization_servers", servers)
        object.__setattr__(self, "scopes_supported", scopes)
        for what, value in (
            ("resource", self.resource),
            ("resource_documentation", self.resource_documentation),
        ):
            if value is not None:
                problem = _url_problem(value, what) if isinstance(value, str) else f"{what}: a URL"
                if problem:
                    problems.append(problem)
        for server in servers:
            if server and _url_problem(server, "authorization_servers"):
                problems.append(f"authorization_servers: {server[:80]!r} is not an http(s) URL")
        if self.origin is not None:
            try:
                parts = urlsplit(self.origin)
                normalised = normalize_url(self.origin)
            except ValueError:
                problems.append("origin: must be scheme://host[:port]")
            else:
                if parts.path not in ("", "/") or parts.query or parts.fragment:
                    problems.append("origin: scheme://host[:port] only, no path")
                object.__setattr__(self, "_origin", normalised[:-1])
        if self.dpop is not None and not isinstance(self.dpop, DPoP):
            problems.append("dpop: a jwtguard.oauth.DPoP")
        if self.mtls is not None and not isinstance(self.mtls, MTLS):
            problems.append("mtls: a jwtguard.oauth.MTLS")
        if self.forwarded is not None and not isinstance(self.forwarded, ForwardedHeaders):
            problems.append("forwarded: a jwtguard.oauth.ForwardedHeaders")
        if self.require_binding and self.dpop is None and self.mtls is None:
            problems.append("require_binding: needs dpop or mtls (or no token could pass)")
        if self.resource_name is not None and not isinstance(self.resource_name, str):
            problems.append("resource_name: a string")
        if problems:
            raise ConfigError(problems)

    @property
    def public_origin(self) -> str | None:
        """``origin`` normalised (no trailing slash), or None."""
        return self._origin

    @property
    def metadata_path(self) -> str | None:
        """Where the metadata is served (RFC 9728 section 3.1): the well-known path, then
        the resource's path; None without a ``resource``."""
        if self.resource is None:
            return None
        path = urlsplit(self.resource).path
        return METADATA_PATH + ("" if path in ("", "/") else path)

    @property
    def metadata_url(self) -> str | None:
        """The absolute URL of the metadata (the challenges' ``resource_metadata``)."""
        if self.resource is None:
            return None
        parts = urlsplit(self.resource)
        return f"{parts.scheme}://{parts.netloc}{self.metadata_path}"

    def audience_problems(self, audiences: Iterable[tuple[str, ...]]) -> list[str]:
        """What is wrong with the audiences tokens are checked against (the Guard's, or
        each tenant's), for this resource: each must name ``resource`` exactly (RFC 8707
        section 2, RFC 9068 section 4). Without a check of ``aud``, a token the
        authorization server issued for another resource would be accepted here."""
        resource = self.resource
        if resource is None:
            return []
        problems: list[str] = []
        for audience in audiences:
            if resource in audience:
                continue
            if not audience:
                problems.append(
                    f"audience: a resource server checks aud: give the Guard audience="
                    f"{resource!r}, its resource URI (RFC 8707, RFC 9068 section 4)"
                )
                continue
            near = [a for a in audience if _same_url(a, resource)]
            hint = f" ({near[0]!r} is spelled differently: aud is an exact string)" if near else ""
            problems.append(
                f"audience: must include the resource {resource!r}, the aud its tokens "
                f"carry (RFC 8707, RFC 9068 section 4){hint}"
            )
        return list(dict.fromkeys(problems))

    def metadata(
        self,
        authorization_servers: Iterable[str] = (),
        bearer_methods: Iterable[str] = ("header",),
    ) -> dict[str, Any]:
        """The RFC 9728 metadata document (``authorization_servers``: used when none are
        configured, e.g. the Guard's issuers)."""
        document: dict[str, Any] = {"resource": self.resource}
        servers = list(self.authorization_servers or authorization_servers)
        if servers:
            document["authorization_servers"] = servers
        if self.scopes_supported:
            document["scopes_supported"] = list(self.scopes_supported)
        document["bearer_methods_supported"] = list(bearer_methods)
        if self.resource_name is not None:
            document["resource_name"] = self.resource_name
        if self.resource_documentation is not None:
            document["resource_documentation"] = self.resource_documentation
        if self.mtls is not None:
            document["tls_client_certificate_bound_access_tokens"] = True
        if self.dpop is not None:
            document["dpop_signing_alg_values_supported"] = list(self.dpop.algorithms)
            document["dpop_bound_access_tokens_required"] = bool(
                self.require_binding and self.mtls is None
            )
        return document

    def metadata_body(
        self, authorization_servers: Iterable[str] = (), bearer_methods: Iterable[str] = ("header",)
    ) -> bytes:
        """:meth:`metadata` as compact JSON bytes (UTF-8)."""
        return json.dumps(
            self.metadata(authorization_servers, bearer_methods),
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode("utf-8")
