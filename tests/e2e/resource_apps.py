"""Apps the resource-server suite serves with real servers on loopback.

Imported by the servers: ``uvicorn --app-dir tests/e2e --factory resource_apps:starlette_app``
and ``gunicorn --chdir tests/e2e 'resource_apps:flask_app()'`` (or ``wsgi_app()``). The
HS256 secret comes from ``ROUTING_SECRET``, the resource server from the ``JWTGUARD_*``
variables the test sets (``resource_server_from_env``: the configuration users deploy
with). Every route answers
``{"sub": ..., "path": ...}`` (Flask's also its worker's ``pid``); ``/health`` is exempt.
"""

import os
from typing import Any

from jwtguard import Guard
from jwtguard.config.resource import resource_server_from_env

AUDIENCE = "https://api.example"


def guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"], audience=AUDIENCE)


def starlette_app() -> Any:
    """Starlette behind JWTGuardMiddleware."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def endpoint(request: Any) -> JSONResponse:
        claims = request.state.claims
        return JSONResponse({"sub": claims and claims["sub"], "path": request.url.path})

    app = Starlette(routes=[Route("/{path:path}", endpoint)])
    return JWTGuardMiddleware(
        app, guard=guard(), exempt=["/health"], resource_server=resource_server_from_env()
    )


def flask_app() -> Any:
    """Flask with the JWTGuard extension protecting every view."""
    from flask import Flask, g, jsonify, request

    from jwtguard.adapters.flask import JWTGuard

    app = Flask("resource")

    @app.route("/<path:path>")
    def endpoint(path: str) -> Any:
        claims = g.get("jwtguard_claims")
        return jsonify(sub=claims and claims["sub"], path=request.path, pid=os.getpid())

    app.config["JWTGUARD_PROTECT_ALL"] = True
    JWTGuard(app, guard=guard(), exempt=["/health"], resource_server=resource_server_from_env())
    return app


def wsgi_app() -> Any:
    """A plain WSGI app behind JWTGuardWSGIMiddleware."""
    import json

    from jwtguard.adapters.wsgi import CLAIMS_KEY, JWTGuardWSGIMiddleware

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        claims = environ.get(CLAIMS_KEY)
        body = {"sub": claims and claims["sub"], "path": environ["PATH_INFO"], "pid": os.getpid()}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return JWTGuardWSGIMiddleware(
        app, guard=guard(), exempt=["/health"], resource_server=resource_server_from_env()
    )
