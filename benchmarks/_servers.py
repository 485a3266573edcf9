"""The apps that ``benchmarks.throughput`` serves over loopback (uvicorn and gunicorn).

Configured from the environment (the runner sets ``JWTGUARD_BENCH_SECRET``). Each
app has seven routes, each its own sub-app of one route behind the same dispatcher (one
dict look-up for every route, see :class:`Dispatcher`):
``/public/`` (the same sub-app without jwtguard), ``/protected/`` (jwtguard in its default
configuration, security headers on), ``/equal/`` (jwtguard with ``security_headers=None``,
the peers' work), ``/uncached/`` (default configuration, ``cache_size=0``) and ``/peer/``
(the common alternative: PyJWT behind Starlette's AuthenticationMiddleware, or
flask-jwt-extended) and ``/floor/`` (the reference floor: a raw dict middleware, or a
plain dict decorator, that verifies a user's token once and then only looks it up) and
``/floor-headers/`` (the same floor appending, unchecked, the header lines jwtguard's default
adds to that route's response: the least a layer adding those headers can cost).
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks._apps import (
    DictMiddleware,
    appending_headers,
    dict_decorator,
    flask_jwt_extended_config,
    pyjwt_backend,
)
from benchmarks._material import AUDIENCE, ISSUER

__all__: list[str] = []  # servers import asgi_app / wsgi_app by name (see __getattr__)

SECRET = os.environ.get("JWTGUARD_BENCH_SECRET", "")


def _guard(cache_size: int = 10_000) -> Any:
    from jwtguard import Guard

    return Guard(
        SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, cache_size=cache_size
    )


def _asgi_app() -> Any:
    from starlette.applications import Starlette
    from starlette.middleware.authentication import AuthenticationMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from jwtguard import SecurityHeaders
    from jwtguard.adapters.asgi import JWTGuardMiddleware

    api_set = SecurityHeaders().asgi_headers([], authenticated=True)  # text/plain: API

    async def endpoint(request: Any) -> Any:
        return PlainTextResponse("ok")

    def leaf() -> Any:
        return Starlette(routes=[Route("/", endpoint)])

    return Dispatcher(
        {
            "/public": leaf(),
            "/protected": JWTGuardMiddleware(leaf(), guard=_guard()),
            "/equal": JWTGuardMiddleware(leaf(), guard=_guard(), security_headers=None),
            "/uncached": JWTGuardMiddleware(leaf(), guard=_guard(0)),
            "/peer": AuthenticationMiddleware(leaf(), backend=pyjwt_backend(SECRET)),
            "/floor": DictMiddleware(leaf(), _guard(), learn=True),
            "/floor-headers": DictMiddleware(leaf(), _guard(), api_set, learn=True),
        }
    )


class Dispatcher:
    """An ASGI app passing ``/NAME/...`` to the app mounted at ``/NAME`` as Starlette's
    ``Mount`` does (``root_path`` extended, ``path`` kept), found with one dict look-up:
    the same cost for every route. A Starlette router tries its routes in order, so each
    later route paid for the failed matches of those before it (``/equal``, the third,
    took about 3 us more than ``/public``, the first, in process)."""

    def __init__(self, mounts: dict[str, Any]) -> None:
        self.mounts = mounts

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rpartition(".")[2]  # startup / shutdown
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        path: str = scope["path"]
        end = path.find("/", 1)
        prefix = path if end < 0 else path[:end]
        app = self.mounts.get(prefix)
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app({**scope, "root_path": scope.get("root_path", "") + prefix}, receive, send)


def _wsgi_app() -> Any:
    from flask import Flask
    from flask_jwt_extended import JWTManager
    from flask_jwt_extended import jwt_required as fjwt_required
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from jwtguard import SecurityHeaders
    from jwtguard.adapters.flask import JWTGuard, jwt_required

    def view() -> str:
        return "ok"

    def leaf(name: str, protect: Any = None, **jwtguard: Any) -> Any:
        # One JWTGuard per Flask app (its headers cover the whole app), so every route is
        # an app of its own behind the dispatcher, the unprotected one included.
        app = Flask(name)
        if protect is jwt_required:
            JWTGuard(app, **jwtguard)
        elif name == "peer":
            app.config.update(flask_jwt_extended_config(SECRET))
            JWTManager(app)
        app.add_url_rule("/", name, view if protect is None else protect(view))
        return app

    floored = leaf("floor_headers", dict_decorator(_guard(), learn=True))
    html_set = SecurityHeaders().wsgi_headers([], authenticated=True, html=True)  # text/html
    floored.wsgi_app = appending_headers(floored.wsgi_app, html_set)

    return DispatcherMiddleware(
        NotFound(),
        {
            "/public": leaf("public"),
            "/protected": leaf("protected", jwt_required, guard=_guard()),
            "/equal": leaf("equal", jwt_required, guard=_guard(), security_headers=None),
            "/uncached": leaf("uncached", jwt_required, guard=_guard(0)),
            "/peer": leaf("peer", fjwt_required()),
            "/floor": leaf("floor", dict_decorator(_guard(), learn=True)),
            "/floor-headers": floored,
        },
    )


def __getattr__(name: str) -> Any:
    # Built on first access so that importing this module for one server does not
    # import the other's framework.
    if name == "asgi_app":
        return _asgi_app()
    if name == "wsgi_app":
        return _wsgi_app()
    raise AttributeError(name)
