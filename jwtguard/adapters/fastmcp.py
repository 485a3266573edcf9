"""FastMCP servers as OAuth 2.1 resource servers: an auth provider backed by jwtguard.

::

    from fastmcp import FastMCP
    from jwtguard.adapters.fastmcp import JWTGuardVerifier

    mcp = FastMCP("notes", auth=JWTGuardVerifier(guard, resource_server=ResourceServer(
        resource="https://mcp.example/mcp", authorization_servers=["https://idp.example"],
        dpop=DPoP(),
    )))
    app = mcp.http_app()

:class:`JWTGuardVerifier` is a FastMCP ``TokenVerifier``: ``verify_token`` is the
Guard's (allow-list bound to each key, exact ``iss``/``aud``, the verified-token cache,
single-flight JWKS with a cooldown), its middleware puts jwtguard's pipeline
(:class:`jwtguard.adapters.mcp.MCPFront`) before FastMCP's authentication (DPoP,
certificate-bound tokens, RFC 9449/9728 challenges), and its routes serve the RFC 9728
metadata. Compared with FastMCP's own ``JWTVerifier`` see docs/resource-server.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from fastmcp.server.auth import AccessToken, TokenVerifier
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jwtguard.adapters.mcp import JWTGuardTokenVerifier, MCPFront
from jwtguard.guard import Guard
from jwtguard.http.pipeline import PipelineOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["JWTGuardVerifier"]


class JWTGuardVerifier(TokenVerifier):
    """A FastMCP auth provider on a :class:`~jwtguard.Guard` (see the module docstring).

    Args:
        guard: verifies the access tokens; give it ``audience=`` the resource's URI.
        required_scopes: scopes every request needs.
        **options: :class:`jwtguard.http.PipelineOptions`, above all ``resource_server``.
    """

    def __init__(
        self,
        guard: Guard,
        *,
        required_scopes: Iterable[str] = (),
        **options: Unpack[PipelineOptions],
    ) -> None:
        self.jwtguard = JWTGuardTokenVerifier(guard, required_scopes=required_scopes, **options)
        resource = self.jwtguard.resource
        super().__init__(base_url=resource, required_scopes=list(required_scopes))

    async def verify_token(self, token: str) -> AccessToken | None:
        """FastMCP's ``AccessToken`` (claims included) for ``token``, or None."""
        found = await self.jwtguard.verify_token(token)
        if found is None:
            return None
        return AccessToken(**{**found.model_dump(), "claims": found.claims or {}})

    def get_middleware(self) -> list[Any]:
        """jwtguard's pipeline, then FastMCP's authentication middleware."""
        return [Middleware(MCPFront, verifier=self.jwtguard), *super().get_middleware()]

    def get_routes(self, mcp_path: str | None = None) -> list[Route]:
        """The RFC 9728 metadata route (when the resource server has a ``resource``)."""
        pipeline = self.jwtguard.pipeline
        document = pipeline.metadata
        rs = pipeline.resource_server
        if document is None or rs is None or rs.metadata_path is None:
            return []

        async def metadata(_request: Request) -> Response:
            return Response(document.body, 200, document.joined_headers())

        return [Route(rs.metadata_path, metadata, methods=["GET"])]
