"""Apps written the way users of flask-jwt-extended, FastAPI and Starlette write them, served by
real servers on loopback for the suites beside this file.

Imported by the servers, not by pytest (``gunicorn --chdir tests/e2e
'convention_apps:flask_extension()'``, ``uvicorn --app-dir tests/e2e --factory
convention_apps:...``). The HS256 secret comes from ``ROUTING_SECRET`` (see conftest.py);
``ALLOWED_ORIGIN`` is the one origin the CORS apps allow. (No ``from __future__ import
annotations`` here: FastAPI reads the endpoints' annotations at definition time.)
"""

import os
from typing import Any

from jwtguard import Guard

AUDIENCE = "conventions"
USERS = {"ada": "Ada Lovelace", "alan": "Alan Turing"}


def guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"], audience=AUDIENCE)


# -- the Flask extension -------------------------------------------------------------------


def flask_extension() -> Any:
    """A blueprint guarded in ``before_request``, a user loader, an error handler, an
    optional feed, a view verifying in its body, and a login route that issues tokens
    through the extension."""
    from flask import Blueprint, Flask, Response, request

    from jwtguard.adapters.flask import (
        JWTGuard,
        current_claims,
        current_user,
        get_current_user,
        jwt_required,
        verify_jwt_in_request,
    )

    app = Flask("conventions")
    app.config.update(
        JWTGUARD_SECRET_KEY=os.environ["ROUTING_SECRET"],
        JWTGUARD_AUDIENCE=AUDIENCE,
        JWTGUARD_ACCESS_TTL="5m",
    )
    jwt = JWTGuard(app)

    @jwt.user_loader
    def load_user(claims: Any) -> Any:
        return USERS.get(claims["sub"])

    @jwt.error_handler
    def refused(denial: Any) -> Any:  # the refusal as it is, marked as the handler's
        return Response(denial.body, denial.status, [*denial.headers, ("X-Refused-By", "app")])

    admin = Blueprint("admin", "conventions", url_prefix="/admin")

    @admin.before_request
    def admins_only() -> None:
        verify_jwt_in_request(roles="admin")

    @admin.get("/panel")
    def panel() -> Any:
        return {"admin": current_user.title()}

    app.register_blueprint(admin)

    @app.post("/login")
    def login() -> Any:
        name = request.get_json()["user"]
        roles = ["admin"] if name == "ada" else []
        return {"access_token": jwt.issue({"sub": name, "roles": roles})}

    @app.get("/feed")
    @jwt_required(optional=True)
    def feed() -> Any:
        user = get_current_user()
        return {"sub": current_claims.get("sub"), "claims": len(current_claims), "user": user}

    @app.get("/me")
    def me() -> Any:  # verified in the view, with verify_jwt_in_request's defaults
        verify_jwt_in_request()
        return {"sub": current_claims["sub"], "has_roles": "roles" in current_claims}

    @app.get("/health")
    def health() -> Any:
        return {"ok": True}

    return app


# -- CORS: a page on one origin calling an API on another ---------------------------------

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>CORS probe</title></head>
<body><pre id="result">pending</pre>
<script>
const params = new URLSearchParams(location.search);
async function probe(headers) {
  try {
    const answer = await fetch(params.get("api") + "/items", { headers });
    return {
      status: answer.status,
      challenge: answer.headers.get("WWW-Authenticate"),
      body: await answer.json(),
    };
  } catch (error) {
    return { error: error.name };
  }
}
(async () => {
  const refused = await probe({ Authorization: "Bearer not-a-token" });
  const allowed = await probe({ Authorization: "Bearer " + params.get("token") });
  document.getElementById("result").textContent = JSON.stringify({ refused, allowed });
})();
</script></body></html>
"""


def cors_page() -> Any:
    """The page (its own origin) whose script calls the API given in its query string."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, PlainTextResponse
    from starlette.routing import Route

    async def page(request: Any) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def health(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/page", page), Route("/health", health)])


def _cors_options() -> dict[str, Any]:
    return {
        "allow_origins": [os.environ["ALLOWED_ORIGIN"]],
        "allow_headers": ["Authorization"],
        "expose_headers": ["WWW-Authenticate"],
    }


def starlette_cors() -> Any:
    """An API under Starlette's CORSMiddleware, outside jwtguard (``CORS_ORDER=outside``)
    or inside it (``CORS_ORDER=inside``, warned about at start-up)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def items(request: Any) -> JSONResponse:
        return JSONResponse({"sub": request.state.claims["sub"]})

    async def health(request: Any) -> JSONResponse:
        return JSONResponse({"ok": True})

    cors = Middleware(CORSMiddleware, **_cors_options())
    jwt = Middleware(JWTGuardMiddleware, guard=guard(), exempt=["/health"])
    order = [cors, jwt] if os.environ["CORS_ORDER"] == "outside" else [jwt, cors]
    return Starlette(routes=[Route("/items", items), Route("/health", health)], middleware=order)


def flask_cors_extension() -> Any:
    """An API protected by the Flask extension, flask-cors registered after it."""
    from flask import Flask
    from flask_cors import CORS

    from jwtguard.adapters.flask import JWTGuard, current_claims

    app = Flask("cors")
    app.config.update(JWTGUARD_PROTECT_ALL=True, JWTGUARD_EXEMPT=["/health"])
    JWTGuard(app, guard=guard())
    options = _cors_options()
    CORS(
        app,
        origins=options["allow_origins"],
        allow_headers=options["allow_headers"],
        expose_headers=options["expose_headers"],
    )

    @app.get("/items")
    def items() -> Any:
        return {"sub": current_claims["sub"]}

    @app.get("/health")
    def health() -> Any:
        return {"ok": True}

    return app


# -- FastAPI with the OAuth 2 flows of a real identity provider ----------------------------


def fastapi_oauth2() -> Any:
    """A FastAPI app whose bearer verifies the tokens of the provider at ``OIDC_ISSUER``
    (``OIDC_AUDIENCE``) and declares its flows, found by discovery, in the OpenAPI document."""
    from typing import Annotated

    from fastapi import Depends, FastAPI

    from jwtguard import JWKSOptions, RemoteKeySet
    from jwtguard.adapters.fastapi import JWTBearer, OAuth2Flows

    issuer, audience = os.environ["OIDC_ISSUER"], os.environ["OIDC_AUDIENCE"]
    options = JWKSOptions(allow_insecure_http=True)  # the provider is on loopback
    keys = RemoteKeySet(issuer=issuer, algorithms=["RS256"], options=options)
    idp = Guard(keys, algorithms=["RS256"], audience=audience, issuer=issuer, typ="at+jwt")
    flows = OAuth2Flows.from_discovery(
        issuer,
        grants=("client_credentials", "authorization_code"),
        scopes={"read": "Read items", "write": "Write items"},
        options=options,
    )
    bearer = JWTBearer(idp, oauth2=flows, exempt=["/health", "/whoami"])
    maybe = JWTBearer(idp, oauth2=flows, auto_error=False)  # FastAPI's optional auth
    app = FastAPI(
        dependencies=[Depends(bearer)],
        swagger_ui_init_oauth={"clientId": "interop", "usePkceWithAuthorizationCodeGrant": True},
    )
    bearer.install(app)

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/items")
    async def items(claims: Annotated[Any, Depends(bearer.requires("read"))]) -> dict[str, Any]:
        return {"client": claims["client_id"], "scope": claims["scope"]}

    @app.post("/items")
    async def create(claims: Annotated[Any, Depends(bearer.requires("write"))]) -> str:
        return "created"

    @app.get("/whoami")
    async def whoami(claims: Annotated[Any, Depends(maybe)]) -> dict[str, Any]:
        return {"client": None if claims is None else claims["client_id"]}

    return app


# -- browser sessions: cookie-borne tokens, CSRF, logout with Clear-Site-Data -------------


def _sessions() -> Any:
    from jwtguard import MemoryRevocationStore, RefreshTokens

    store = MemoryRevocationStore()
    verifier = Guard(
        os.environ["ROUTING_SECRET"], algorithms=["HS256"], audience=AUDIENCE, revocation=store
    )
    return RefreshTokens(verifier)


def starlette_sessions() -> Any:
    """Starlette: the refresh routes in cookie mode with ``clear_site_data=True``, and an API
    reading its token from the ``at`` cookie (so unsafe methods need the CSRF header)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard import AuthCookie
    from jwtguard.adapters.asgi import JWTGuardMiddleware
    from jwtguard.adapters.starlette_refresh import refresh_routes

    sessions = _sessions()

    async def orders(request: Any) -> JSONResponse:
        return JSONResponse({"sub": request.state.claims["sub"]})

    async def health(request: Any) -> JSONResponse:
        return JSONResponse({"ok": True})

    routes = refresh_routes(
        sessions,
        authenticate=lambda request: {"sub": "browser"},
        cookie=AuthCookie(name="refresh_token", max_age=3600),
        clear_site_data=True,
    )
    guard_layer = Middleware(
        JWTGuardMiddleware,
        guard=sessions.access,
        cookie="at",
        exempt=["/auth/*", "/health"],
    )
    return Starlette(
        routes=[
            *routes,
            Route("/orders", orders, methods=["GET", "POST"]),
            Route("/health", health),
        ],
        middleware=[guard_layer],
    )


def flask_sessions() -> Any:
    """Flask: the refresh blueprint in cookie mode, clearing cache and storage on logout."""
    from flask import Flask

    from jwtguard import AuthCookie
    from jwtguard.adapters.flask import JWTGuard
    from jwtguard.adapters.flask_refresh import refresh_blueprint

    sessions = _sessions()
    app = Flask("sessions")
    app.register_blueprint(
        refresh_blueprint(
            sessions,
            authenticate=lambda: {"sub": "browser"},
            cookie=AuthCookie(name="refresh_token", max_age=3600),
            clear_site_data=("cache", "storage"),
        )
    )
    JWTGuard(app, guard=sessions.access)

    @app.get("/health")
    def health() -> Any:
        return {"ok": True}

    return app


# -- claims handed to the frameworks' own JSON tools ---------------------------------------


def flask_claims() -> Any:
    """``jsonify(current_claims)`` and a view returning ``current_claims``."""
    from flask import Flask, jsonify

    from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required

    app = Flask("claims")
    app.config.update(JWTGUARD_GUARD=guard())
    JWTGuard(app)

    @app.get("/jsonify")
    @jwt_required
    def jsonified() -> Any:
        return jsonify(current_claims)

    @app.get("/returned")
    @jwt_required
    def returned() -> Any:
        return current_claims

    return app


def fastapi_claims() -> Any:
    """Starlette's ``JSONResponse(request.state.claims)`` behind the ASGI middleware, and
    FastAPI endpoints returning the dependency's claims (``jsonable_encoder``, a return
    type)."""
    from typing import Annotated

    from fastapi import Depends, FastAPI, Request
    from fastapi.responses import JSONResponse

    from jwtguard.adapters.asgi import JWTGuardMiddleware
    from jwtguard.adapters.fastapi import JWTBearer
    from jwtguard.claims import Claims

    verifier = guard()
    bearer = JWTBearer(verifier)
    api = FastAPI()
    bearer.install(api)

    @api.get("/state")
    async def state(request: Request) -> JSONResponse:
        return JSONResponse(request.state.claims)

    @api.get("/returned")
    async def returned(claims: Annotated[Claims, Depends(bearer)]):  # type: ignore[no-untyped-def]
        return claims

    @api.get("/typed")
    async def typed(claims: Annotated[Claims, Depends(bearer)]) -> dict[str, Any]:
        return claims

    return JWTGuardMiddleware(api, guard=verifier)
