"""FastAPI's OpenAPI document declares the OAuth 2 flows of panva's oidc-provider, found by
discovery, and a token obtained the way Swagger UI's *Authorize* button would (from the
declared ``tokenUrl``, client credentials) opens the protected routes behind uvicorn."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server, start

from .conftest import AUDIENCE, Jose, OidcProvider

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(
    jose: Jose, oidc_provider: Callable[..., OidcProvider], tmp_path: Path
) -> Iterator[tuple[Server, OidcProvider]]:
    private, _ = jose.generate("RS256", kid="swagger-1")
    provider = oidc_provider([private], "RS256")
    env = {"OIDC_ISSUER": provider.issuer, "OIDC_AUDIENCE": AUDIENCE}
    server = start(
        "fastapi-oauth2", "uvicorn", "convention_apps:fastapi_oauth2", env=env, log_dir=tmp_path
    )
    try:
        yield server, provider
    finally:
        server.stop()


def schema_of(server: Server) -> dict[str, Any]:
    answer = server.request("/openapi.json")
    assert answer.status == 200
    found: dict[str, Any] = json.loads(answer.body)
    return found


def test_the_flows_come_from_discovery_and_the_token_url_works(
    api: tuple[Server, OidcProvider],
) -> None:
    server, provider = api
    discovery = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    scheme = schema_of(server)["components"]["securitySchemes"]["JWTBearer"]
    flows = scheme["flows"]
    assert scheme["type"] == "oauth2"
    assert flows["clientCredentials"]["tokenUrl"] == discovery["token_endpoint"]
    assert flows["authorizationCode"]["tokenUrl"] == discovery["token_endpoint"]
    assert flows["authorizationCode"]["authorizationUrl"] == discovery["authorization_endpoint"]
    assert flows["clientCredentials"]["scopes"] == {"read": "Read items", "write": "Write items"}

    # What Swagger UI posts for the client credentials flow, to the declared tokenUrl.
    granted = httpx.post(
        flows["clientCredentials"]["tokenUrl"],
        data={
            "grant_type": "client_credentials",
            "client_id": "interop",
            "client_secret": "interop-secret",
            "scope": "read",
        },
    )
    assert granted.status_code == 200, granted.text
    token = granted.json()["access_token"]
    auth = [("Authorization", f"Bearer {token}")]
    listed = server.request("/items", headers=auth)
    assert listed.status == 200, listed.body
    assert json.loads(listed.body) == {"client": "interop", "scope": "read"}
    refused = server.request("/items", method="POST", headers=auth)  # read, not write
    assert refused.status == 403
    assert 'scope="write"' in (refused.header("www-authenticate") or "")
    assert server.request("/items").status == 401
    # auto_error=False: anonymous without a token, the client with one, refused with junk
    assert json.loads(server.request("/whoami").body) == {"client": None}
    assert json.loads(server.request("/whoami", headers=auth).body) == {"client": "interop"}
    assert server.request("/whoami", headers=[("Authorization", "Bearer junk")]).status == 401


def test_the_operations_say_what_they_need(api: tuple[Server, OidcProvider]) -> None:
    server, _ = api
    paths = schema_of(server)["paths"]
    assert paths["/items"]["get"]["security"] == [{"JWTBearer": ["read"]}]
    assert paths["/items"]["post"]["security"] == [{"JWTBearer": ["write"]}]
    assert "security" not in paths["/health"]["get"]
    assert paths["/whoami"]["get"]["security"] == [{"JWTBearer": []}, {}]  # optional
    assert set(paths["/items"]["post"]["responses"]) >= {"401", "403"}
    assert server.request("/health").status == 200
    docs = server.request("/docs")  # Swagger UI is set up for the authorization code + PKCE
    assert b'"usePkceWithAuthorizationCodeGrant": true' in docs.body
