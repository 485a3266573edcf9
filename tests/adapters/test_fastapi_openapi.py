"""The OpenAPI document of a FastAPI app protected by JWTBearer: scopes per operation, exempt
routes unsecured, optional ones marked, 401/403 with the RFC 6750 body, OAuth 2 flows,
``auto_error=False``."""

# No `from __future__ import annotations`: FastAPI reads these Annotated hints at run time.
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Security

from jwtguard import ConfigError
from jwtguard.adapters import Requirement
from jwtguard.adapters.fastapi import JWTBearer, OAuth2Flows
from jwtguard.claims import Claims
from jwtguard.keys.remote import ProviderMetadata
from jwtguard.testing import TokenFactory

from .conftest import TestClient

FLOWS = OAuth2Flows(
    token_url="https://idp.example/token",
    authorization_url="https://idp.example/authorize",
    grants=("authorization_code", "client_credentials"),
    scopes={"items:read": "Read items", "items:write": "Write items"},
)


def build(factory: TokenFactory, **options: Any) -> tuple[FastAPI, JWTBearer]:
    """An app-wide bearer (``/health`` exempt, a rule on ``/admin/*``) and per-route ones."""
    jwt = JWTBearer(
        factory.guard(),
        exempt=["/health"],
        rules={"/admin/*": Requirement.build(scopes="admin")},
        **options,
    )
    app = FastAPI(dependencies=[Depends(jwt)])
    jwt.install(app)

    @app.get("/health")
    async def health() -> str:
        return "ok"

    @app.get("/items")
    async def list_items() -> list[str]:
        return []

    @app.post("/items")
    async def create_item(
        claims: Annotated[Claims, Depends(jwt.requires("items:write", roles="editor"))],
    ) -> str:
        return "created"

    @app.delete("/items/{item}")
    async def delete_item(
        item: str, claims: Annotated[Claims, Security(jwt, scopes=["items:delete"])]
    ) -> str:
        return item

    @app.get("/admin/stats")
    async def stats() -> dict[str, int]:
        return {}

    return app, jwt


def operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["paths"][path][method]
    return found


def test_each_operation_lists_the_scopes_it_demands(factory: TokenFactory) -> None:
    schema = TestClient(build(factory)[0]).get("/openapi.json").json()
    assert operation(schema, "get", "/items")["security"] == [{"JWTBearer": []}]
    assert operation(schema, "post", "/items")["security"] == [{"JWTBearer": ["items:write"]}]
    assert operation(schema, "delete", "/items/{item}")["security"] == [
        {"JWTBearer": ["items:delete"]}
    ]
    assert operation(schema, "get", "/admin/stats")["security"] == [{"JWTBearer": ["admin"]}]


def test_exempt_routes_are_not_secured(factory: TokenFactory) -> None:
    schema = TestClient(build(factory)[0]).get("/openapi.json").json()
    health = operation(schema, "get", "/health")
    assert "security" not in health
    assert "401" not in health["responses"]
    assert TestClient(build(factory)[0]).get("/health").status_code == 200  # as documented


def test_refusals_are_documented_with_the_rfc_6750_body(factory: TokenFactory) -> None:
    app, _ = build(factory)
    client = TestClient(app)
    schema = client.get("/openapi.json").json()
    listed = operation(schema, "get", "/items")["responses"]
    assert listed["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JWTGuardError"
    }
    assert "WWW-Authenticate" in listed["401"]["headers"]
    assert "403" not in listed  # any valid token will do there
    assert "403" in operation(schema, "post", "/items")["responses"]
    body = schema["components"]["schemas"]["JWTGuardError"]
    assert body["required"] == ["error", "error_description"]
    refusal = client.get("/items").json()  # what is sent has the documented shape
    assert set(refusal) == set(body["properties"])


def test_optional_operations_allow_anonymous_access(factory: TokenFactory) -> None:
    app, jwt = build(factory)

    @app.get("/feed")
    async def feed(claims: Annotated[Claims | None, Depends(jwt.requires(optional=True))]) -> Any:
        return None if claims is None else claims["sub"]

    schema = TestClient(app).get("/openapi.json").json()
    # /feed also depends on the app-wide bearer, which is not optional: both must pass.
    assert operation(schema, "get", "/feed")["security"] == [{"JWTBearer": []}]
    optional_app, _ = build(factory, optional=True)
    schema = TestClient(optional_app).get("/openapi.json").json()
    assert operation(schema, "get", "/items")["security"] == [{"JWTBearer": []}, {}]


def test_auto_error_false_is_anonymous_without_a_token(factory: TokenFactory) -> None:
    jwt = JWTBearer(factory.guard(), auto_error=False)
    app = FastAPI()
    jwt.install(app)

    @app.get("/whoami")
    async def whoami(claims: Annotated[Claims | None, Depends(jwt)]) -> Any:
        return None if claims is None else claims["sub"]

    client = TestClient(app)
    assert client.get("/whoami").json() is None
    token = factory.issue(sub="u")
    assert client.get("/whoami", headers={"Authorization": f"Bearer {token}"}).json() == "u"
    refused = client.get("/whoami", headers={"Authorization": "Bearer junk"})
    assert refused.status_code == 401  # a bad token is never anonymous
    schema = client.get("/openapi.json").json()
    assert operation(schema, "get", "/whoami")["security"] == [{"JWTBearer": []}, {}]


def test_the_oauth2_flows_are_the_scheme(factory: TokenFactory) -> None:
    app, _ = build(factory, oauth2=FLOWS, description="Tokens from the IdP")
    schema = TestClient(app).get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["JWTBearer"] == {
        "type": "oauth2",
        "description": "Tokens from the IdP",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "https://idp.example/authorize",
                "tokenUrl": "https://idp.example/token",
                "scopes": {"items:read": "Read items", "items:write": "Write items"},
            },
            "clientCredentials": {
                "tokenUrl": "https://idp.example/token",
                "scopes": {"items:read": "Read items", "items:write": "Write items"},
            },
        },
    }
    assert operation(schema, "post", "/items")["security"] == [{"JWTBearer": ["items:write"]}]


def test_included_routers_and_a_user_response_are_kept(factory: TokenFactory) -> None:
    jwt = JWTBearer(factory.guard())
    router = APIRouter(dependencies=[Depends(jwt.requires("reports"))])

    @router.get("/reports", responses={401: {"description": "Log in first"}})
    async def reports() -> list[str]:
        return []

    app = FastAPI()
    app.include_router(router, prefix="/v1")
    jwt.install(app)
    schema = TestClient(app).get("/openapi.json").json()
    found = operation(schema, "get", "/v1/reports")
    assert found["security"] == [{"JWTBearer": ["reports"]}]
    assert found["responses"]["401"] == {"description": "Log in first"}  # the app's own words
    assert found["responses"]["403"]["description"].startswith("The access token lacks")


def test_flows_are_checked() -> None:
    with pytest.raises(ConfigError) as caught:
        OAuth2Flows(token_url="", grants=("password", "authorization_code"))
    problems = caught.value.problems
    assert any("grants" in p for p in problems)
    assert any("token_url" in p for p in problems)
    assert any("authorization_url: needed" in p for p in problems)
    flows = OAuth2Flows("https://idp.example/token", grants="client_credentials")
    assert flows.grants == ("client_credentials",)


def test_flows_from_provider_metadata() -> None:
    metadata = ProviderMetadata(
        "https://idp.example",
        "https://idp.example/auth",
        "https://idp.example/token",
        "https://idp.example/jwks",
        scopes_supported=("openid", "items:read"),
        grant_types_supported=("authorization_code", "refresh_token"),
    )
    flows = OAuth2Flows.from_metadata(metadata)
    assert (flows.authorization_url, flows.token_url) == (
        "https://idp.example/auth",
        "https://idp.example/token",
    )
    assert dict(flows.scopes) == {"openid": "openid", "items:read": "items:read"}
    with pytest.raises(ConfigError, match="does not offer client_credentials"):
        OAuth2Flows.from_metadata(metadata, grants=["client_credentials"])
