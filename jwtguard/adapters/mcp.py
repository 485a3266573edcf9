"""Model Context Protocol servers as OAuth 2.1 resource servers (the official ``mcp`` SDK).

::

    from mcp.server.mcpserver import MCPServer
    from jwtguard.adapters.mcp import JWTGuardTokenVerifier

    verifier = JWTGuardTokenVerifier(guard, resource_server=ResourceServer(
        resource="https://mcp.example/mcp", authorization_servers=["https://idp.example"],
        dpop=DPoP(),
    ))
    mcp = MCPServer("notes", token_verifier=verifier, auth=verifier.auth_settings())
    app = verifier.protect(mcp.streamable_http_app())     # DPoP, mTLS, RFC 9728, challenges

:class:`JWTGuardTokenVerifier` is the SDK's ``TokenVerifier``: a token verified by the
Guard (signature, ``exp``, ``iss``, ``aud`` as the resource's URI, revocation, the cache)
becomes the SDK's ``AccessToken`` (subject, client id, scopes, expiry, resource, claims).
The SDK reads only ``Authorization: Bearer``; :meth:`~JWTGuardTokenVerifier.protect` puts
jwtguard's pipeline in front of the app, so DPoP proofs and certificate-bound tokens are
verified, every refusal carries the RFC 9449/9728 challenges, and the metadata document
names the DPoP algorithms. A sender-constrained token reaches the SDK only through that
front: verified alone (``verify_token`` without it) a token with ``cnf`` is refused.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import TYPE_CHECKING, Any, Final

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings

from jwtguard.adapters.asgi import request_from_scope
from jwtguard.claims import Claims
from jwtguard.errors import ConfigError, TokenError
from jwtguard.guard import Guard
from jwtguard.http.credentials import parse_authorization, parse_dpop_authorization
from jwtguard.http.pipeline import Denial, Pipeline, PipelineOptions
from jwtguard.oauth.resource import ResourceServer

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["JWTGuardTokenVerifier", "MCPFront", "access_token_fields"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_VERIFIED: Final[contextvars.ContextVar[tuple[str, Claims] | None]] = contextvars.ContextVar(
    "jwtguard_mcp_verified", default=None
)
"""The (token, claims) the front verified for the current request, sender binding included."""

_PUBLIC: Final = ("/.well-known/*",)


def access_token_fields(token: str, claims: Claims, resource: str | None) -> dict[str, Any]:
    """What an ``AccessToken`` holds, from verified claims: ``client_id`` (``client_id``,
    else ``azp``, else ``sub``), ``scopes``, ``expires_at`` (``exp``), ``subject``,
    ``resource`` (the ``aud`` naming ``resource``, else the only ``aud``), ``claims``."""
    client_id = claims.get("client_id") or claims.get("azp") or claims.subject or ""
    audience = claims.get("aud")
    audiences = (audience,) if isinstance(audience, str) else tuple(audience or ())
    if resource is not None and resource in audiences:
        found: str | None = resource
    else:
        found = audiences[0] if len(audiences) == 1 and isinstance(audiences[0], str) else None
    exp = claims.get("exp")
    return {
        "token": token,
        "client_id": client_id if isinstance(client_id, str) else "",
        "scopes": sorted(claims.scopes),
        "expires_at": int(exp) if isinstance(exp, (int, float)) else None,
        "resource": found,
        "subject": claims.subject,
        "claims": claims.to_dict(),
    }


class JWTGuardTokenVerifier:
    """The MCP SDK's ``TokenVerifier`` on a :class:`~jwtguard.Guard`.

    Args:
        guard: verifies the access tokens; give it ``audience=`` the resource's URI.
        required_scopes: scopes every request needs (also the SDK's ``required_scopes``).
        **options: :class:`jwtguard.http.PipelineOptions` for :meth:`protect`, above all
            ``resource_server`` (its URI, authorization servers, scopes; DPoP and mTLS when
            accepted; without one: plain bearer tokens, no metadata); ``exempt`` defaults
            to ``/.well-known/*``.
    """

    def __init__(
        self,
        guard: Guard,
        *,
        required_scopes: Iterable[str] = (),
        **options: Unpack[PipelineOptions],
    ) -> None:
        if not isinstance(guard, Guard):
            raise ConfigError("guard: must be a jwtguard.Guard")
        self.guard = guard
        resource_server = options.get("resource_server")
        self.resource_server: ResourceServer | None = resource_server
        self.required_scopes = tuple(required_scopes)
        options.setdefault("exempt", _PUBLIC)
        options.setdefault("scopes", self.required_scopes)
        self.pipeline = Pipeline(guard, adapter="mcp", **options)
        self._constrained = resource_server is not None and bool(
            resource_server.dpop or resource_server.mtls or resource_server.require_binding
        )

    @property
    def resource(self) -> str | None:
        """The resource's canonical URI, or None."""
        return None if self.resource_server is None else self.resource_server.resource

    async def verify_token(self, token: str) -> AccessToken | None:
        """The SDK's ``AccessToken`` for ``token``, or None when it is refused."""
        found = _VERIFIED.get()
        if found is not None and found[0] == token:
            claims = found[1]  # verified, binding included, by the front for this request
        else:
            try:
                claims = await self.guard.averify(token)
            except TokenError:
                return None
            if "cnf" in claims or self._constrained:
                return None  # its binding can only be checked in front of the app
        return AccessToken(**access_token_fields(token, claims, self.resource))

    def auth_settings(self, **settings: Any) -> AuthSettings:
        """The SDK's ``AuthSettings`` for this resource (``settings`` override): the first
        authorization server as ``issuer_url``, the resource's URI, the required scopes,
        and ``validate_token_resource`` (the Guard checks ``aud`` too)."""
        rs = self.resource_server
        issuers = (rs.authorization_servers if rs else ()) or self.guard.policy.issuer
        issuers = issuers or tuple(self.guard.tenants)
        if not issuers:
            raise ConfigError("authorization_servers: name the issuer clients get tokens from")
        values: dict[str, Any] = {
            "issuer_url": issuers[0],
            "resource_server_url": self.resource,
            "required_scopes": list(self.required_scopes) or None,
            "validate_token_resource": self.resource is not None,
        }
        values.update(settings)
        return AuthSettings(**values)

    def protect(self, app: ASGIApp) -> MCPFront:
        """``app`` behind jwtguard's pipeline (:class:`MCPFront`)."""
        return MCPFront(app, self)


class MCPFront:
    """ASGI middleware in front of an MCP server's app: jwtguard's full decision.

    Refusals are answered here (RFC 6750/9449/9728 challenges, ``DPoP-Nonce``), the
    metadata document is served here (with the DPoP algorithms), and a request that
    passes reaches the app with ``Authorization: Bearer <token>`` (the scheme the SDK
    reads) and the verified claims remembered for :meth:`JWTGuardTokenVerifier.verify_token`.
    """

    def __init__(self, app: ASGIApp, verifier: JWTGuardTokenVerifier) -> None:
        self.app = app
        self.verifier = verifier
        self._adecide = verifier.pipeline.adecide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        result = await self._adecide(request_from_scope(scope))
        if type(result) is Denial:
            await send(
                {
                    "type": "http.response.start",
                    "status": result.status,
                    "headers": list(result.raw_headers),
                }
            )
            await send({"type": "http.response.body", "body": result.body})
            return
        if result is None:  # exempt (the metadata routes) or anonymous
            await self.app(scope, receive, send)
            return
        token, headers = _as_bearer(scope["headers"])
        marker = _VERIFIED.set((token, result))  # type: ignore[arg-type]
        try:
            await self.app({**scope, "headers": headers}, receive, send)
        finally:
            _VERIFIED.reset(marker)


def _as_bearer(headers: list[tuple[bytes, bytes]]) -> tuple[str, list[tuple[bytes, bytes]]]:
    """The verified request's token, and its headers with ``Authorization: Bearer``."""
    out = []
    token = ""
    for name, value in headers:
        if name == b"authorization":
            text = value.decode("latin-1")
            token = parse_dpop_authorization(text) or parse_authorization(text) or ""
            value = b"Bearer " + token.encode("latin-1")
        out.append((name, value))
    return token, out
