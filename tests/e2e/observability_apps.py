"""The apps the observability suite serves with real servers (uvicorn, gunicorn).

Imported by the servers, not by pytest: ``uvicorn --app-dir tests/e2e --factory
observability_apps:asgi_app`` and ``gunicorn --chdir tests/e2e
'observability_apps:wsgi_app()'``. The secret comes from ``ROUTING_SECRET``. Each app:
``/healthz``, ``/readyz`` and ``/metrics`` outside jwtguard, ``/health`` exempt, every
other path needs a token and answers ``ok``. ``JWKS_URL`` set: the keys are that
remote JWKS instead (preloaded unless ``JWKS_PRELOAD=0``).
"""

import os
from collections.abc import Iterable
from typing import Any

from jwtguard import Guard
from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.adapters.observability import ASGIEndpoints, WSGIEndpoints
from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware
from jwtguard.keys.remote import JWKSOptions, RemoteKeySet
from jwtguard.observability.prometheus import register


def guard() -> Guard:
    url = os.environ.get("JWKS_URL")
    if not url:
        return Guard(os.environ["ROUTING_SECRET"], algorithms=["HS256"])
    keys = RemoteKeySet(
        url,
        algorithms=["RS256"],
        options=JWKSOptions(allow_insecure_http=True),
        background_refresh=False,
    )
    if os.environ.get("JWKS_PRELOAD") != "0":
        keys.preload()
    return Guard(keys, algorithms=["RS256"], audience="api")  # FakeIdentityProvider's


def _flush_interval() -> float:
    return float(os.environ.get("FLUSH_INTERVAL", "5"))


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def asgi_app() -> Any:
    protected = guard()
    exporter = register(protected, flush_interval=_flush_interval())
    app = JWTGuardMiddleware(_ok, guard=protected, exempt=["/health"])
    return ASGIEndpoints(app, protected, metrics=exporter.asgi_app())


def _wsgi_ok(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"ok"]


def wsgi_app() -> Any:
    protected = guard()
    exporter = register(protected, flush_interval=_flush_interval())
    app = JWTGuardWSGIMiddleware(_wsgi_ok, guard=protected, exempt=["/health"])
    return WSGIEndpoints(app, protected, metrics=exporter.wsgi_app())
