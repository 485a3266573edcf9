"""The apps the routing suite serves with real servers (uvicorn, gunicorn) on loopback.

Imported by the servers, not by pytest: ``uvicorn --app-dir tests/e2e --factory
routing_apps:starlette_app`` and ``gunicorn --chdir tests/e2e 'routing_apps:flask_middleware()'``.
The shared secret comes from ``ROUTING_SECRET`` so the tests can issue tokens.

Every deployment protects the same routes the same way, relative to where jwtguard sits:
``/health`` is exempt, ``/admin`` and everything below it needs the ``admin`` scope,
``/billing`` needs ``billing``, and every other path is open to anonymous requests
(``optional=True``), which is what makes a rule bypass visible: a request that misses
its rule is served.
Each route answers ``{"route": <name>, "sub": <sub or null>}``. (No ``from __future__
import annotations`` here: FastAPI reads the endpoints' annotations at definition time.)
"""

import os
import sys
from pathlib import Path
from typing import Any

from jwtguard import Guard
from jwtguard.adapters import Requirement

AUDIENCE = "routing"


def guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"], audience=AUDIENCE)


def protection(prefix: str = "") -> dict[str, Any]:
    """The jwtguard options, for routes under ``prefix`` (where jwtguard sits)."""
    return {
        "exempt": [f"{prefix}/health"],
        "rules": {
            f"{prefix}/admin/*": Requirement.build(scopes="admin"),
            f"{prefix}/billing": Requirement.build(scopes="billing"),
        },
        "optional": True,
    }


# -- ASGI ----------------------------------------------------------------------------------


def _starlette_routes() -> list[Any]:
    from starlette.responses import JSONResponse
    from starlette.routing import Route, WebSocketRoute

    def endpoint(name: str) -> Any:
        async def answer(request: Any) -> JSONResponse:
            claims = request.state.claims if hasattr(request.state, "claims") else None
            return JSONResponse({"route": name, "sub": None if claims is None else claims["sub"]})

        return answer

    async def socket(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.user.identity or "anonymous")
        await websocket.close()

    methods = ["GET", "POST"]
    return [
        WebSocketRoute("/ws", socket),
        WebSocketRoute("/admin/ws", socket),
        Route("/admin", endpoint("admin"), methods=methods),
        Route("/admin/{item}", endpoint("admin-item"), methods=methods),
        Route("/billing", endpoint("billing"), methods=methods),
        Route("/health", endpoint("health")),
        Route("/me", endpoint("me")),
    ]


def starlette_app() -> Any:
    """Starlette behind JWTGuardMiddleware (served plain and with ``--root-path /api``)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    return Starlette(
        routes=_starlette_routes(),
        middleware=[Middleware(JWTGuardMiddleware, guard=guard(), **protection())],
    )


def starlette_mount() -> Any:
    """The guarded app mounted at ``/v1`` of an unguarded outer app."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def outer(request: Any) -> JSONResponse:
        return JSONResponse({"route": "outer", "sub": None})

    inner = JWTGuardMiddleware(Starlette(routes=_starlette_routes()), guard=guard(), **protection())
    return Starlette(routes=[Mount("/v1", app=inner), Route("/outer", outer)])


def fastapi_app() -> Any:
    """FastAPI: a router included under ``/api`` protected by the app-wide ``JWTBearer``
    dependency, and a sub-app mounted at ``/sub`` with its own ``JWTGuardMiddleware``."""
    from fastapi import APIRouter, Depends, FastAPI, Request

    from jwtguard.adapters.asgi import JWTGuardMiddleware
    from jwtguard.adapters.fastapi import JWTBearer

    def add_routes(router: Any) -> None:
        def endpoint(name: str) -> Any:
            async def answer(request: Request) -> dict[str, Any]:
                claims = getattr(request.state, "claims", None)
                return {"route": name, "sub": None if claims is None else claims["sub"]}

            return answer

        router.add_api_route("/admin", endpoint("admin"), methods=["GET", "POST"])
        router.add_api_route("/admin/{item}", endpoint("admin-item"), methods=["GET", "POST"])
        router.add_api_route("/billing", endpoint("billing"), methods=["GET", "POST"])
        router.add_api_route("/health", endpoint("health"))
        router.add_api_route("/me", endpoint("me"))

    bearer = JWTBearer(guard(), **protection("/api"))
    app = FastAPI(dependencies=[Depends(bearer)], openapi_url=None)
    bearer.install(app)
    router = APIRouter()
    add_routes(router)
    app.include_router(router, prefix="/api")

    sub = FastAPI(openapi_url=None)
    add_routes(sub.router)
    sub.add_middleware(JWTGuardMiddleware, guard=guard(), **protection())
    app.mount("/sub", sub)
    return app


# -- WSGI ----------------------------------------------------------------------------------


def _flask(extension: bool) -> Any:
    from flask import Flask, g, jsonify

    from jwtguard.adapters.flask import JWTGuard
    from jwtguard.adapters.wsgi import CLAIMS_KEY, JWTGuardWSGIMiddleware

    app = Flask("routing")

    def answer(name: str) -> Any:
        from flask import request

        claims = g.get("jwtguard_claims") if extension else request.environ.get(CLAIMS_KEY)
        return jsonify(route=name, sub=None if claims is None else claims["sub"])

    app.add_url_rule("/admin", "admin", lambda: answer("admin"), methods=["GET", "POST"])
    app.add_url_rule(
        "/admin/<item>", "admin-item", lambda item: answer("admin-item"), methods=["GET", "POST"]
    )
    app.add_url_rule("/billing", "billing", lambda: answer("billing"), methods=["GET", "POST"])
    app.add_url_rule("/health", "health", lambda: answer("health"))
    app.add_url_rule("/me", "me", lambda: answer("me"))
    if extension:
        app.config["JWTGUARD_PROTECT_ALL"] = True
        JWTGuard(app, guard=guard(), **protection())
    else:
        app.wsgi_app = JWTGuardWSGIMiddleware(  # type: ignore[method-assign]
            app.wsgi_app, guard=guard(), **protection()
        )
    return app


def flask_middleware() -> Any:
    """Flask behind JWTGuardWSGIMiddleware (served plain and under ``SCRIPT_NAME=/api``)."""
    return _flask(extension=False)


def flask_extension() -> Any:
    """Flask with the JWTGuard extension in protect-all mode."""
    return _flask(extension=True)


# -- Django --------------------------------------------------------------------------------
# The test project (tests/djangoproject/testproject) protects the same routes the same way
# in settings.JWTGUARD; its admin lives at /django-admin/ and an exempt page at /page.


def _django_project() -> None:
    project = str(Path(__file__).resolve().parents[1] / "djangoproject")
    if project not in sys.path:
        sys.path.insert(0, project)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings")


def django_wsgi() -> Any:
    """Django's WSGI handler with JWTGuardMiddleware (gunicorn, plain and under SCRIPT_NAME)."""
    _django_project()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


def django_asgi() -> Any:
    """Django's ASGI handler, the middleware in async mode (uvicorn, plain and --root-path)."""
    _django_project()
    from django.core.asgi import get_asgi_application

    return get_asgi_application()
