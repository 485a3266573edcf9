"""Apps whose every route needs a token, for ``test_remembered_tokens.py``: with no route
rules, a token verified before is decided by the adapters' shortest path
(``Pipeline.decide_remembered``)."""

from __future__ import annotations

import os
from typing import Any

from jwtguard import Guard


def _guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"])


def starlette_app() -> Any:
    """Starlette behind ``JWTGuardMiddleware``, default configuration."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def me(request: Request) -> JSONResponse:
        return JSONResponse({"sub": request.state.claims["sub"], "pid": os.getpid()})

    app = Starlette(routes=[Route("/me", me), Route("/health", me)])
    return JWTGuardMiddleware(app, guard=_guard())


def _flask_app(protect: Any) -> Any:
    from flask import Flask

    app = Flask("remembered")

    @app.get("/me")
    @protect
    def me() -> dict[str, Any]:
        return {"pid": os.getpid()}

    return app


def flask_middleware() -> Any:
    """Flask behind ``JWTGuardWSGIMiddleware``, default configuration."""
    from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware

    def protect(view: Any) -> Any:
        return view

    return JWTGuardWSGIMiddleware(_flask_app(protect), guard=_guard())


def flask_extension() -> Any:
    """Flask with the ``JWTGuard`` extension and ``@jwt_required``, default configuration."""
    from jwtguard.adapters.flask import JWTGuard, jwt_required

    app = _flask_app(jwt_required)
    JWTGuard(app, guard=_guard())
    return app
