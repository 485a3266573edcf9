"""What only the FastAPI dependency does: per-route requirements, Security scopes, OpenAPI."""

# No `from __future__ import annotations`: FastAPI reads these Annotated hints at run time.
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.adapters.fastapi import JWTBearer
from jwtguard.claims import Claims
from jwtguard.oauth import DPoP, ResourceServer
from jwtguard.testing import DPoPKey, FrozenClock, TokenFactory

from .conftest import TestClient


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def build(factory: TokenFactory, install: bool = True) -> tuple[FastAPI, JWTBearer]:
    jwt = JWTBearer(factory.guard())
    app = FastAPI()
    if install:
        jwt.install(app)

    @app.get("/me")
    async def me(claims: Annotated[Claims, Depends(jwt)]) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    @app.get("/write")
    async def write(
        claims: Annotated[Claims, Depends(jwt.requires("write", roles="editor"))],
    ) -> str:
        return "written"

    @app.get("/secure")
    async def secure(claims: Annotated[Claims, Security(jwt, scopes=["read"])]) -> str:
        return "read"

    @app.get("/maybe")
    async def maybe(claims: Annotated[Claims | None, Depends(jwt.requires(optional=True))]) -> Any:
        return None if claims is None else claims["sub"]

    return app, jwt


def test_dependency_returns_claims(factory: TokenFactory) -> None:
    client = TestClient(build(factory)[0])
    assert client.get("/me", headers=bearer(factory.issue(sub="f"))).json() == {"sub": "f"}
    assert client.get("/me").status_code == 401


def test_requires_scopes_and_roles(factory: TokenFactory) -> None:
    client = TestClient(build(factory)[0])
    ok = factory.issue(scope="write", roles=["editor"])
    assert client.get("/write", headers=bearer(ok)).json() == "written"
    response = client.get("/write", headers=bearer(factory.issue(scope="read", roles=["editor"])))
    assert response.status_code == 403
    assert response.headers["www-authenticate"].endswith('scope="write"')
    no_role = client.get("/write", headers=bearer(factory.issue(scope="write")))
    assert no_role.status_code == 403


def test_security_scopes(factory: TokenFactory) -> None:
    client = TestClient(build(factory)[0])
    assert client.get("/secure", headers=bearer(factory.issue(scope="read"))).status_code == 200
    response = client.get("/secure", headers=bearer(factory.issue(scope="other")))
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_optional_route(factory: TokenFactory) -> None:
    client = TestClient(build(factory)[0])
    assert client.get("/maybe").json() is None
    assert client.get("/maybe", headers=bearer(factory.issue(sub="m"))).json() == "m"
    assert client.get("/maybe", headers=bearer("junk")).status_code == 401


def test_without_install_fastapi_wraps_the_body_in_detail(factory: TokenFactory) -> None:
    client = TestClient(build(factory, install=False)[0])
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    assert response.json() == {
        "detail": {"error": "missing_token", "error_description": "An access token is required."}
    }


def test_openapi_documents_a_bearer_scheme(factory: TokenFactory) -> None:
    schema = TestClient(build(factory)[0]).get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["JWTBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert schema["paths"]["/me"]["get"]["security"] == [{"JWTBearer": []}]


NESTED = {"sub": "7", "roles": ["reader"], "org": {"id": 3, "teams": ["a", "b"]}}


class Out(BaseModel):
    claims: dict[str, Any]


def test_claims_returned_from_endpoints_go_out_as_json(factory: TokenFactory) -> None:
    guard = factory.guard()
    jwt = JWTBearer(guard)
    app = FastAPI()
    jwt.install(app)
    Claimed = Annotated[Claims, Depends(jwt)]

    @app.get("/plain")
    async def plain(claims: Claimed):  # type: ignore[no-untyped-def]
        return claims  # through jsonable_encoder

    @app.get("/typed")
    async def typed(claims: Claimed) -> dict[str, Any]:
        return claims  # validated against the return type first

    @app.get("/state")
    async def state(request: Request, claims: Claimed) -> JSONResponse:
        return JSONResponse(request.state.claims)

    @app.get("/model", response_model=Out)
    async def model(claims: Claimed) -> Any:
        return {"claims": claims}  # pydantic serialises it (no jsonable_encoder)

    @app.get("/encoded")
    async def encoded(claims: Claimed) -> Any:
        return {"nested": jsonable_encoder(claims["org"]), "all": jsonable_encoder(claims)}

    client = TestClient(app)
    auth = bearer(factory.issue(NESTED))
    for path in ("/plain", "/typed", "/state"):
        body = client.get(path, headers=auth).json()
        assert {k: body[k] for k in NESTED} == NESTED, path
    assert client.get("/model", headers=auth).json()["claims"]["org"] == NESTED["org"]
    assert client.get("/encoded", headers=auth).json()["nested"] == NESTED["org"]
    assert guard.verify(auth["Authorization"][7:]).to_dict()["roles"] == ["reader"]  # unchanged


def test_an_endpoint_returning_its_own_response_can_hand_out_the_nonce() -> None:
    """FastAPI drops a dependency's headers when the endpoint returns a Response: the
    fresh DPoP nonce is on request.state.dpop_nonce for it (docs/resource-server.md)."""
    clock = FrozenClock()
    issuer = TokenFactory.for_algorithm("ES256", clock=clock)
    client = DPoPKey("ES256", clock=clock)
    origin = "https://api.example"
    dpop = DPoP(use_nonce=True, nonce_secret=b"n" * 32, nonce_lifetime=60)
    jwt = JWTBearer(
        issuer.guard(audience=origin),
        resource_server=ResourceServer(resource=origin, origin=origin, dpop=dpop),
    )
    app = FastAPI()
    jwt.install(app)

    @app.get("/own")
    async def own(request: Request, claims: Annotated[Claims, Depends(jwt)]) -> JSONResponse:
        response = JSONResponse({"sub": claims["sub"]})
        nonce = getattr(request.state, "dpop_nonce", None)
        if nonce is not None:
            response.headers["DPoP-Nonce"] = nonce
        return response

    @app.get("/data")
    async def data(claims: Annotated[Claims, Depends(jwt)]) -> dict[str, Any]:
        return {"sub": claims["sub"]}

    token = issuer.issue(sub="ann", aud=origin, cnf={"jkt": client.jkt})
    http = TestClient(app, base_url=origin)
    nonce = http.get("/data", headers=client.headers("GET", origin + "/data", token)).headers[
        "dpop-nonce"
    ]
    clock.advance(60)  # the nonce is now due for renewal
    for path in ("/own", "/data"):
        answer = http.get(path, headers=client.headers("GET", origin + path, token, nonce=nonce))
        assert answer.status_code == 200, answer.text
        assert answer.headers["dpop-nonce"] != nonce


def test_behind_a_report_only_middleware_a_refusal_is_counted_once(
    factory: TokenFactory,
) -> None:
    """Both report-only: the middleware counts and logs the refusal it lets through, and
    the dependency behind it does not decide (and count) it again; a request the
    middleware allowed is still judged by the dependency's own requirement."""
    guard = factory.guard()
    jwt = JWTBearer(guard, report_only=True)
    app = FastAPI()

    @app.get("/me")
    async def me(claims: Annotated[Claims | None, Depends(jwt)]) -> dict[str, Any]:
        return {"sub": claims and claims["sub"]}

    @app.get("/admin")
    async def admin(
        claims: Annotated[Claims | None, Depends(jwt.requires("admin"))],
    ) -> dict[str, Any]:
        return {"sub": claims and claims["sub"]}

    http = TestClient(JWTGuardMiddleware(app, guard=guard, report_only=True))
    assert http.get("/me").json() == {"sub": None}  # let through, counted by the middleware
    assert http.get("/me", headers=bearer("junk")).status_code == 200
    token = factory.issue(sub="ann", scope="read")
    assert http.get("/admin", headers=bearer(token)).json() == {"sub": "ann"}
    counted = {k: n for k, n in guard.decisions.snapshot().items() if n}
    assert counted == {
        ("asgi", "would_refuse", "missing_token", ""): 1,
        ("asgi", "would_refuse", "malformed", ""): 1,
        ("asgi", "allowed", "", ""): 1,
        ("fastapi", "would_refuse", "insufficient_scope", ""): 1,
    }
