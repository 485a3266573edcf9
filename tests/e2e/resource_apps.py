"""Apps the resource-server suite serves with real servers on loopback.

Imported by the servers: ``uvicorn --app-dir tests/e2e --factory resource_apps:starlette_app``
and ``gunicorn --chdir tests/e2e 'resource_apps:flask_app()'`` (or ``wsgi_app()``). The
HS256 secret comes from ``ROUTING_SECRET``, the resource server from the ``JWTGUARD_*``
variables the test sets (``resource_server_from_env``: the configuration users deploy
with). Every route answers
``{"sub": ..., "path": ...}`` (Flask's also its worker's ``pid``); ``/health`` is exempt,
and so is ``/stats``: the answering worker's Guard cache counters ``{"hits", "misses"}``.
``flask_views`` and ``django_views`` protect no route but one view, ``/open``, declaring
its own ``binding="bearer"`` (a decorator: start-up cannot see it).
"""

import os
from typing import Any, cast

from jwtguard import Guard
from jwtguard.config.resource import resource_server_from_env

AUDIENCE = "https://api.example"


def guard() -> Guard:
    return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"], audience=AUDIENCE)


EXEMPT = ["/health", "/stats"]


def stats(protected: Guard) -> dict[str, int]:
    counters = protected.stats()
    return {"hits": counters.hits, "misses": counters.misses}


def starlette_app() -> Any:
    """Starlette behind JWTGuardMiddleware."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    protected = guard()

    async def endpoint(request: Any) -> JSONResponse:
        claims = request.state.claims
        return JSONResponse({"sub": claims and claims["sub"], "path": request.url.path})

    async def counters(request: Any) -> JSONResponse:
        return JSONResponse(stats(protected))

    app = Starlette(routes=[Route("/stats", counters), Route("/{path:path}", endpoint)])
    return JWTGuardMiddleware(
        app, guard=protected, exempt=EXEMPT, resource_server=resource_server_from_env()
    )


def flask_app() -> Any:
    """Flask with the JWTGuard extension protecting every view."""
    from flask import Flask, g, jsonify, request

    from jwtguard.adapters.flask import JWTGuard

    app = Flask("resource")
    protected = guard()

    @app.route("/stats")
    def counters() -> Any:
        return jsonify(stats(protected))

    @app.route("/<path:path>")
    def endpoint(path: str) -> Any:
        claims = g.get("jwtguard_claims")
        return jsonify(sub=claims and claims["sub"], path=request.path, pid=os.getpid())

    app.config["JWTGUARD_PROTECT_ALL"] = True
    JWTGuard(app, guard=protected, exempt=EXEMPT, resource_server=resource_server_from_env())
    return app


def wsgi_app() -> Any:
    """A plain WSGI app behind JWTGuardWSGIMiddleware."""
    import json

    from jwtguard.adapters.wsgi import CLAIMS_KEY, JWTGuardWSGIMiddleware

    protected = guard()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        claims = environ.get(CLAIMS_KEY)
        path = environ["PATH_INFO"]
        body: dict[str, Any] = (
            stats(protected)
            if path == "/stats"
            else {"sub": claims and claims["sub"], "path": path, "pid": os.getpid()}
        )
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return JWTGuardWSGIMiddleware(
        app, guard=protected, exempt=EXEMPT, resource_server=resource_server_from_env()
    )


def flask_views() -> Any:
    """Flask with the extension but no app-wide protection: ``/open`` is a view of its own
    (``@jwt_required(binding="bearer")``)."""
    from flask import Flask, jsonify

    from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required

    app = Flask("resource-views")

    @app.route("/open")
    @jwt_required(binding="bearer")
    def open_view() -> Any:
        return jsonify(sub=current_claims["sub"], path="/open")

    JWTGuard(app, guard=guard(), resource_server=resource_server_from_env())
    return app


class _DjangoURLs:
    def __init__(self, view: Any) -> None:
        from django.urls import path

        self.urlpatterns = [path("open", view)]


def django_views() -> Any:
    """Django's ASGI handler without jwtguard's middleware: ``/open`` is an async view
    with ``@jwt_required(binding="bearer")`` (the decorator decides alone)."""
    from django.conf import settings
    from django.core.asgi import get_asgi_application
    from django.http import HttpRequest, JsonResponse

    from jwtguard.adapters.django import jwt_required

    async def open_view(request: HttpRequest) -> JsonResponse:
        claims = cast("Any", request).jwt_claims
        return JsonResponse({"sub": claims["sub"], "path": request.path})

    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only-not-a-secret-" + "d" * 40,
        ALLOWED_HOSTS=["127.0.0.1"],
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        ROOT_URLCONF=_DjangoURLs(jwt_required(open_view, binding="bearer")),
        JWTGUARD={"GUARD": guard(), "RESOURCE_SERVER": resource_server_from_env()},
    )
    return get_asgi_application()
