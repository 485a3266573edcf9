"""The same MCP server as ``mcp_server.py``, on FastMCP, protected by jwtguard.

Configured from the same ``JWTGUARD_*`` variables; run it with uvicorn::

    uvicorn --app-dir examples --factory fastmcp_server:create_app --port 8000
"""

from __future__ import annotations

from typing import Any

from fastmcp import FastMCP
from fastmcp.server.dependencies import get_access_token

from jwtguard import Guard
from jwtguard.adapters.fastmcp import JWTGuardVerifier
from jwtguard.config.resource import resource_server_from_env

REQUIRED_SCOPES = ["notes:read"]


def create_app() -> Any:
    """The ASGI app: FastMCP's streamable HTTP app with jwtguard as its auth provider."""
    auth = JWTGuardVerifier(
        Guard.from_env(dotenv=False),
        resource_server=resource_server_from_env(),
        required_scopes=REQUIRED_SCOPES,
    )
    server = FastMCP("jwtguard-notes", auth=auth)

    @server.tool
    def whoami() -> dict[str, Any]:
        """Who the access token says the caller is."""
        token = get_access_token()
        assert token is not None  # FastMCP runs tools for authenticated requests only
        return {
            "subject": token.subject,
            "client_id": token.client_id,
            "scopes": token.scopes,
            "resource": token.resource,
            "bound": "cnf" in token.claims,
        }

    return server.http_app(path="/mcp")
