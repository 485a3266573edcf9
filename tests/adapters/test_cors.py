"""CORS in front of jwtguard, with the frameworks' own CORS layers: Starlette's CORSMiddleware
(Starlette and FastAPI), flask-cors and django-cors-headers.

With CORS outside jwtguard, a browser's preflight is answered by CORS and jwtguard's refusal
carries ``Access-Control-Allow-Origin`` (and exposes ``WWW-Authenticate``), so the page can
read it. With CORS inside, the refusal has none, and the adapter says so at start-up.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from corsheaders.middleware import CorsMiddleware
from django.http import HttpRequest, JsonResponse
from django.test import Client as DjangoClient
from django.test import override_settings
from django.urls import path
from fastapi import Depends, FastAPI
from flask import Flask
from flask_cors import CORS, cross_origin
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from jwtguard.adapters import Denial, Pipeline, Requirement
from jwtguard.adapters.asgi import JWTGuardMiddleware
from jwtguard.adapters.cors_order import cors_inside
from jwtguard.adapters.fastapi import JWTBearer
from jwtguard.adapters.flask import JWTGuard, current_claims, jwt_required
from jwtguard.adapters.wsgi import JWTGuardWSGIMiddleware, decide
from jwtguard.testing import TokenFactory

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

ORIGIN = "https://app.example"
Send = Callable[..., tuple[int, dict[str, str]]]
PREFLIGHT = {
    "Origin": ORIGIN,
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
}


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _httpx(app: Any) -> Send:
    client = TestClient(app, base_url="https://api.example")

    def send(method: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        answer = client.request(method, "/items", headers=headers)
        return answer.status_code, _lower(answer.headers)

    return send


def _werkzeug(app: Flask) -> Send:
    client = app.test_client()

    def send(method: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        answer = client.open("/items", method=method, headers=headers)
        return answer.status_code, _lower(answer.headers)

    return send


async def _items(request: Request) -> JSONResponse:
    return JSONResponse({"sub": request.state.claims["sub"]})


def starlette(guard: Any, outside: bool) -> Send:
    cors = Middleware(
        CORSMiddleware,
        allow_origins=[ORIGIN],
        allow_headers=["Authorization"],
        expose_headers=["WWW-Authenticate"],
    )
    jwt = Middleware(JWTGuardMiddleware, guard=guard)
    app = Starlette(
        routes=[Route("/items", _items)], middleware=[cors, jwt] if outside else [jwt, cors]
    )
    return _httpx(app)


def fastapi_middleware(guard: Any, outside: bool) -> Send:
    app = FastAPI()
    app.add_route("/items", _items)
    layers = [
        (JWTGuardMiddleware, {"guard": guard}),
        (
            CORSMiddleware,
            {
                "allow_origins": [ORIGIN],
                "allow_headers": ["Authorization"],
                "expose_headers": ["WWW-Authenticate"],
            },
        ),
    ]
    for cls, options in layers if outside else reversed(layers):  # the last added is outermost
        app.add_middleware(cls, **options)  # type: ignore[arg-type]
    return _httpx(app)


def starlette_wrapped(guard: Any, outside: bool) -> Send:
    """``JWTGuardMiddleware(app)`` around an app with CORS in its own middleware (inside)."""
    assert not outside
    app = Starlette(
        routes=[Route("/items", _items)],
        middleware=[Middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_headers=["*"])],
    )
    return _httpx(JWTGuardMiddleware(app, guard=guard))


def fastapi_dependency(guard: Any, outside: bool) -> Send:
    """The dependency refuses inside the app, under the app's CORS middleware: any order."""
    bearer = JWTBearer(guard)
    app = FastAPI()
    bearer.install(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[ORIGIN],
        allow_headers=["Authorization"],
        expose_headers=["WWW-Authenticate"],
    )

    @app.get("/items")
    async def items(claims: Any = Depends(bearer)) -> dict[str, Any]:  # noqa: B008 - a local
        return {"sub": claims["sub"]}

    return _httpx(app)


def flask_extension(guard: Any, outside: bool) -> Send:
    """flask-cors answers in after_request, which also runs on the extension's refusals:
    registered before or after the extension, it covers them."""
    app = Flask(__name__)

    def cors() -> None:
        CORS(app, origins=[ORIGIN], expose_headers=["WWW-Authenticate"])

    if outside:
        cors()
    JWTGuard(app, guard=guard)
    if not outside:
        cors()

    @app.get("/items")
    @jwt_required
    def items() -> Any:
        return {"sub": current_claims["sub"]}

    return _werkzeug(app)


def flask_wsgi_middleware(guard: Any, outside: bool) -> Send:
    """JWTGuardWSGIMiddleware around ``app.wsgi_app`` answers before Flask (and flask-cors)."""
    assert not outside
    app = Flask(__name__)
    CORS(app, origins=[ORIGIN], expose_headers=["WWW-Authenticate"])

    @app.get("/items")
    def items() -> Any:
        return {"ok": True}

    app.wsgi_app = JWTGuardWSGIMiddleware(app.wsgi_app, guard=guard)  # type: ignore[method-assign]
    return _werkzeug(app)


def _django_items(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


class _URLs:
    urlpatterns: ClassVar = [path("items", _django_items)]


def django(guard: Any, outside: bool) -> Send:
    ours = "jwtguard.adapters.django.JWTGuardMiddleware"
    cors = "corsheaders.middleware.CorsMiddleware"
    overrides = override_settings(
        JWTGUARD={"GUARD": guard},
        MIDDLEWARE=[cors, ours] if outside else [ours, cors],
        ROOT_URLCONF=_URLs,
        CORS_ALLOWED_ORIGINS=[ORIGIN],
        CORS_EXPOSE_HEADERS=["WWW-Authenticate"],
        ALLOWED_HOSTS=["*"],
    )
    client = DjangoClient()

    def send(method: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        with overrides:
            answer = client.generic(method, "/items", headers=headers, secure=True)
        return answer.status_code, _lower(answer.headers)

    return send


OUTSIDE = [starlette, fastapi_middleware, fastapi_dependency, flask_extension, django]
INSIDE = [starlette, fastapi_middleware, starlette_wrapped, flask_wsgi_middleware, django]
ANY_ORDER = {fastapi_dependency, flask_extension}


def _built(
    build: Callable[..., Send], guard: Any, outside: bool, caplog: pytest.LogCaptureFixture
) -> tuple[Send, list[str]]:
    with caplog.at_level(logging.WARNING, logger="jwtguard.adapters"):
        send = build(guard, outside)
        send("OPTIONS", PREFLIGHT)  # Starlette and Django build their middleware on first use
    return send, [r.getMessage() for r in caplog.records if "CORS" in r.getMessage()]


@pytest.mark.parametrize("build", OUTSIDE, ids=lambda b: b.__name__)
def test_cors_outside_jwtguard_lets_the_page_read_refusals(
    build: Callable[..., Send], factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    send, warned = _built(build, factory.guard(), True, caplog)
    assert warned == []
    status, headers = send("OPTIONS", PREFLIGHT)
    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN
    assert "authorization" in headers["access-control-allow-headers"].lower()
    refused_status, refused = send("GET", {"Origin": ORIGIN})
    assert refused_status == 401
    assert refused["access-control-allow-origin"] == ORIGIN
    assert "www-authenticate" in refused["access-control-expose-headers"].lower()
    assert refused["www-authenticate"].startswith("Bearer")
    token = {"Origin": ORIGIN, "Authorization": f"Bearer {factory.issue(sub='p')}"}
    ok_status, ok = send("GET", token)
    assert (ok_status, ok["access-control-allow-origin"]) == (200, ORIGIN)


@pytest.mark.parametrize("build", INSIDE, ids=lambda b: b.__name__)
def test_cors_inside_jwtguard_is_warned_about_at_start_up(
    build: Callable[..., Send], factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    send, warned = _built(build, factory.guard(), False, caplog)
    assert len(warned) == 1, warned
    assert "sits inside" in warned[0]
    assert "docs/cors.md" in warned[0]
    status, headers = send("GET", {"Origin": ORIGIN})
    assert status == 401
    assert "access-control-allow-origin" not in headers  # what the warning is about


@pytest.mark.parametrize(
    "build", sorted(ANY_ORDER, key=lambda b: b.__name__), ids=lambda b: b.__name__
)
def test_where_refusals_pass_through_cors_any_order_works(
    build: Callable[..., Send], factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    send, warned = _built(build, factory.guard(), False, caplog)
    assert warned == []
    status, headers = send("GET", {"Origin": ORIGIN})
    assert (status, headers["access-control-allow-origin"]) == (401, ORIGIN)


def test_the_walk_survives_odd_layers() -> None:
    class Proxy:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError("outside of its context")

    class Layer:
        def __init__(self, app: Any) -> None:
            self.app = app

    loop = Layer(None)
    loop.app = loop
    assert cors_inside(Proxy()) is None
    assert cors_inside(loop) is None
    cors: Any = CorsMiddleware(lambda request: None)
    assert cors_inside(cors) == "corsheaders.middleware.CorsMiddleware"
    near, far = cors, cors
    for _ in range(10):
        near = Layer(near)
    for _ in range(100):
        far = Layer(far)
    assert cors_inside(near) == "corsheaders.middleware.CorsMiddleware"
    assert cors_inside(far) is None  # the walk is bounded


def _decorated(guard: Any, cors_outermost: bool) -> Flask:
    app = Flask(__name__)
    JWTGuard(app, guard=guard)
    cors = cross_origin(origins=[ORIGIN], expose_headers=["WWW-Authenticate"])

    def items() -> Any:
        return {"sub": current_claims["sub"]}

    view = cors(jwt_required(items)) if cors_outermost else jwt_required(cors(items))
    app.add_url_rule("/items", "items", view)
    return app


def test_flask_cross_origin_decorator_above_jwt_required(
    factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jwtguard.adapters"):
        send = _werkzeug(_decorated(factory.guard(), cors_outermost=True))
    assert not [r for r in caplog.records if "CORS" in r.getMessage() or "cors" in r.getMessage()]
    assert send("OPTIONS", PREFLIGHT)[1]["access-control-allow-origin"] == ORIGIN
    status, headers = send("GET", {"Origin": ORIGIN})
    assert (status, headers["access-control-allow-origin"]) == (401, ORIGIN)


def test_flask_cross_origin_decorator_under_jwt_required_is_warned_about(
    factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jwtguard.adapters"):
        send = _werkzeug(_decorated(factory.guard(), cors_outermost=False))
    [warning] = [r.getMessage() for r in caplog.records]
    assert "flask_cors.cross_origin sits inside @jwt_required" in warning
    assert "put @cross_origin() above @jwt_required" in warning
    # The preflight still passes @jwt_required (no browser sends credentials with one), so
    # @cross_origin answers it; the refusal itself has no CORS headers, as warned.
    status, headers = send("OPTIONS", PREFLIGHT)
    assert (status, headers["access-control-allow-origin"]) == (200, ORIGIN)
    status, headers = send("GET", {"Origin": ORIGIN})
    assert status == 401
    assert "access-control-allow-origin" not in headers


def test_a_route_requirement_lets_a_preflight_through(factory: TokenFactory) -> None:
    requirement = Requirement.build(scopes="write")
    preflight = {
        "REQUEST_METHOD": "OPTIONS",
        "PATH_INFO": "/x",
        "HTTP_ORIGIN": ORIGIN,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
    }
    plain = {"REQUEST_METHOD": "OPTIONS", "PATH_INFO": "/x"}
    pipeline = Pipeline(factory.guard())
    assert decide(pipeline, preflight, requirement) is None  # the headers' fast path too
    assert isinstance(decide(pipeline, plain, requirement), Denial)
    assert isinstance(decide(Pipeline(factory.guard(), cookie="at"), plain, requirement), Denial)
    assert decide(Pipeline(factory.guard(), cookie="at"), preflight, requirement) is None
    strict = Pipeline(factory.guard(), allow_preflight=False)
    assert isinstance(decide(strict, preflight, requirement), Denial)
