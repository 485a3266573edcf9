"""The MCP SDK's TokenVerifier and AuthSettings on a Guard, without a server."""

from __future__ import annotations

import pytest

from jwtguard.adapters.mcp import JWTGuardTokenVerifier
from jwtguard.errors import ConfigError
from jwtguard.oauth import DPoP, ResourceServer
from jwtguard.testing import TokenFactory

RESOURCE = "https://mcp.example/mcp"


@pytest.fixture
def verifier(factory: TokenFactory) -> JWTGuardTokenVerifier:
    rs = ResourceServer(resource=RESOURCE, authorization_servers=["https://as.example"])
    return JWTGuardTokenVerifier(
        factory.guard(audience=RESOURCE), resource_server=rs, required_scopes=["read"]
    )


async def test_a_token_becomes_the_sdks_access_token(
    verifier: JWTGuardTokenVerifier, factory: TokenFactory
) -> None:
    token = factory.issue(sub="alice", aud=RESOURCE, client_id="app", scope="read write")
    found = await verifier.verify_token(token)
    assert found is not None
    assert (found.subject, found.client_id, found.scopes) == ("alice", "app", ["read", "write"])
    assert found.resource == RESOURCE
    assert found.expires_at == int(factory.guard().clock()) + 900
    assert found.claims is not None and found.claims["sub"] == "alice"


@pytest.mark.parametrize(
    ("claims", "client_id", "resource"),
    [
        pytest.param({"azp": "web"}, "web", RESOURCE, id="azp"),
        pytest.param({}, "alice", RESOURCE, id="sub-as-client"),
        pytest.param({"aud": [RESOURCE, "other"]}, "alice", RESOURCE, id="aud-list"),
    ],
)
async def test_client_id_and_resource_fallbacks(
    verifier: JWTGuardTokenVerifier,
    factory: TokenFactory,
    claims: dict[str, object],
    client_id: str,
    resource: str,
) -> None:
    found = await verifier.verify_token(factory.issue({"sub": "alice", "aud": RESOURCE, **claims}))
    assert found is not None
    assert (found.client_id, found.resource) == (client_id, resource)


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": "https://other.example"}, id="another-audience"),
        pytest.param({"cnf": {"jkt": "x"}}, id="bound-without-the-front"),
        pytest.param({"exp": 1}, id="expired"),
    ],
)
async def test_refused_tokens_are_none(
    verifier: JWTGuardTokenVerifier, factory: TokenFactory, claims: dict[str, object]
) -> None:
    assert (
        await verifier.verify_token(factory.issue({"sub": "a", "aud": RESOURCE, **claims})) is None
    )
    assert await verifier.verify_token("not a token") is None


async def test_with_dpop_no_token_passes_without_the_front(factory: TokenFactory) -> None:
    rs = ResourceServer(resource=RESOURCE, dpop=DPoP(), require_binding=True)
    verifier = JWTGuardTokenVerifier(factory.guard(audience=RESOURCE), resource_server=rs)
    assert await verifier.verify_token(factory.issue(sub="a", aud=RESOURCE)) is None


def test_auth_settings(verifier: JWTGuardTokenVerifier) -> None:
    settings = verifier.auth_settings()
    assert str(settings.issuer_url) == "https://as.example"
    assert str(settings.resource_server_url) == RESOURCE
    assert settings.required_scopes == ["read"]
    assert settings.validate_token_resource is True


def test_auth_settings_need_an_issuer(factory: TokenFactory) -> None:
    with pytest.raises(ConfigError, match="authorization_servers"):
        JWTGuardTokenVerifier(factory.guard()).auth_settings()
