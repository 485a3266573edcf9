"""An MCP server (the official ``mcp`` SDK) protected end to end by jwtguard.

Everything comes from the environment, as it would in a deployment:

* the Guard: ``JWTGUARD_OIDC_ISSUER`` (or ``JWTGUARD_JWKS_URL``, or a key), with
  ``JWTGUARD_AUDIENCE`` the resource's URI and ``JWTGUARD_ALGORITHMS``;
* the resource server: ``JWTGUARD_RESOURCE`` (``https://mcp.example/mcp``),
  ``JWTGUARD_AUTHORIZATION_SERVERS``, ``JWTGUARD_DPOP=true`` to accept DPoP-bound tokens,
  ``JWTGUARD_REQUIRE_BINDING=true`` to accept nothing else (docs/resource-server.md).

Run it with uvicorn::

    uvicorn --app-dir examples --factory mcp_server:create_app --port 8000

Clients discover the authorization server from the ``resource_metadata`` of the 401
(``/.well-known/oauth-protected-resource/mcp``), then call the ``whoami`` tool.
"""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import MCPServer

from jwtguard import Guard
from jwtguard.adapters.mcp import JWTGuardTokenVerifier
from jwtguard.config.resource import resource_server_from_env

REQUIRED_SCOPES = ["notes:read"]


def create_app() -> Any:
    """The ASGI app: the SDK's streamable HTTP app behind jwtguard."""
    verifier = JWTGuardTokenVerifier(
        Guard.from_env(dotenv=False),
        resource_server=resource_server_from_env(),
        required_scopes=REQUIRED_SCOPES,
    )
    server = MCPServer("jwtguard-notes", token_verifier=verifier, auth=verifier.auth_settings())

    @server.tool()
    def whoami() -> dict[str, Any]:
        """Who the access token says the caller is."""
        token = get_access_token()
        assert token is not None  # the SDK runs tools for authenticated requests only
        return {
            "subject": token.subject,
            "client_id": token.client_id,
            "scopes": token.scopes,
            "resource": token.resource,
            "bound": "cnf" in (token.claims or {}),
        }

    return verifier.protect(server.streamable_http_app())
