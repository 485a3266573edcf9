"""One ``adapter`` fixture, parametrised over every adapter, for the shared conformance suite.

Each adapter builds the same tiny app (a catch-all route answering
``{"sub": ..., "authenticated": ...}``) from the same Pipeline options, and is
driven through its framework's real test client: Starlette's TestClient (httpx)
for ASGI and FastAPI, werkzeug's Client for WSGI and Flask, Django's Client (WSGI) and
AsyncClient (ASGI, an async view behind the middleware in async mode) and DRF's APIClient.
The Django adapters take the same options as ``settings.JWTGUARD`` keys, the way a
project configures them (``exempt=`` -> ``JWTGUARD["EXEMPT"]``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpRequest, JsonResponse
from django.test import AsyncClient, Client, override_settings
from django.urls import re_path
from fastapi import Depends, FastAPI, Request
from flask import Flask
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from werkzeug.test import EnvironBuilder, run_wsgi_app

from jwtguard.adapters.asgi import JWTGuardMiddleware

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx (in the dev extra) works
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient
from jwtguard.adapters.drf import JWTAuthentication
from jwtguard.adapters.fastapi import JWTBearer
from jwtguard.adapters.flask import JWTGuard, current_claims
from jwtguard.adapters.headers import SecurityHeadersMiddleware
from jwtguard.adapters.wsgi import CLAIMS_KEY, JWTGuardWSGIMiddleware
from jwtguard.guard import Guard
from jwtguard.http.pipeline import DEFAULT
from jwtguard.http.security_headers import SecurityHeaders
from jwtguard.testing import FrozenClock, TokenFactory

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Headers = Iterable[tuple[str, str]]


@dataclass
class Answer:
    """A response, the same shape for every client."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


def _payload(claims: Any) -> dict[str, Any]:
    return {"sub": None if claims is None else claims.get("sub"), "authenticated": bool(claims)}


class Adapter:
    """Builds an app behind one adapter and sends requests to it."""

    name: str
    sets_security_headers = True
    renders_denials = False  # DRF: a refusal's body goes through DRF's renderer

    def __init__(self, guard_factory: Callable[..., Guard]) -> None:
        self.guard_factory = guard_factory

    def build(self, guard: Guard, **options: Any) -> Any:
        raise NotImplementedError

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        """``send(method, path, headers=[...], query="")`` against a fresh app."""
        raise NotImplementedError


class ASGIAdapter(Adapter):
    name = "asgi"

    def build(self, guard: Guard, **options: Any) -> Any:
        async def endpoint(request: Any) -> JSONResponse:
            assert request.user.is_authenticated == (request.state.claims is not None)
            return JSONResponse(_payload(request.state.claims))

        app = Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
        return JWTGuardMiddleware(app, guard=guard, **options)

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        app = self.build(guard or self.guard_factory(), **options)
        return _httpx_sender(TestClient(app, base_url="http://testserver"))


class FastAPIAdapter(Adapter):
    name = "fastapi"
    sets_security_headers = False  # a dependency cannot: SecurityHeadersMiddleware does

    def build(self, guard: Guard, **options: Any) -> Any:
        policy = options.pop("security_headers", None)
        bearer = JWTBearer(guard, **options)
        app = FastAPI(dependencies=[Depends(bearer)])
        bearer.install(app)

        @app.api_route("/{path:path}", methods=METHODS)
        async def endpoint(request: Request) -> dict[str, Any]:
            return _payload(request.state.claims)

        if policy is None:
            return app
        return SecurityHeadersMiddleware(app, SecurityHeaders() if policy is DEFAULT else policy)

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        app = self.build(guard or self.guard_factory(), **options)
        return _httpx_sender(TestClient(app, base_url="http://testserver"))


class WSGIAdapter(Adapter):
    name = "wsgi"

    def build(self, guard: Guard, **options: Any) -> Any:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            body = json.dumps(_payload(environ[CLAIMS_KEY])).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]

        return JWTGuardWSGIMiddleware(app, guard=guard, **options)

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        return _werkzeug_sender(self.build(guard or self.guard_factory(), **options))


class FlaskAdapter(Adapter):
    name = "flask"

    def build(self, guard: Guard, **options: Any) -> Any:
        app = Flask(__name__)
        app.testing = True
        app.config["JWTGUARD_PROTECT_ALL"] = True
        JWTGuard(app, guard=guard, **options)

        @app.route("/", defaults={"path": ""}, methods=METHODS)
        @app.route("/<path:path>", methods=METHODS)
        def endpoint(path: str) -> Any:
            return _payload(current_claims or None)

        return app

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        return _werkzeug_sender(self.build(guard or self.guard_factory(), **options))


def jwtguard_setting(guard: Guard, options: dict[str, Any]) -> dict[str, Any]:
    """Pipeline keywords as ``settings.JWTGUARD`` keys (``security_headers=None`` is False,
    ``DEFAULT`` True)."""
    setting: dict[str, Any] = {"GUARD": guard}
    for name, value in options.items():
        if name == "security_headers" and value is None:
            value = False
        elif name == "security_headers" and value is DEFAULT:
            value = True
        setting[name.upper()] = value
    return setting


class _URLConf:
    """A ROOT_URLCONF object: one catch-all route to ``view``."""

    def __init__(self, view: Any) -> None:
        self.urlpatterns = [re_path(r"^.*$", view)]


def _django_view(request: HttpRequest) -> JsonResponse:
    claims = request.jwt_claims  # type: ignore[attr-defined]
    assert request.user.is_authenticated == (claims is not None)
    return JsonResponse(_payload(claims))


async def _django_async_view(request: HttpRequest) -> JsonResponse:
    claims = request.jwt_claims  # type: ignore[attr-defined]
    user = await request.auser()
    assert user.is_authenticated == (claims is not None)
    return JsonResponse(_payload(claims))


class _DRFView(APIView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = ()

    def answer(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        assert request.user.is_authenticated == (request.auth is not None)
        return Response(_payload(request.auth))

    get = post = put = patch = delete = options = answer


def _environ(headers: Headers) -> dict[str, str]:
    """Header lines as a WSGI server passes them (repeated lines joined with ", ")."""
    joined: dict[str, list[str]] = {}
    for name, value in headers:
        joined.setdefault(name.lower(), []).append(value)
    environ = {}
    for name, values in joined.items():
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        environ[key] = "; ".join(values) if name == "cookie" else ", ".join(values)
    return environ


def _django_answer(response: Any) -> Answer:
    headers = list(response.items())
    headers += [("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()]
    return Answer(response.status_code, headers, response.content)


class DjangoAdapter(Adapter):
    """Django's WSGI handler (the test Client) and JWTGuardMiddleware in sync mode."""

    name = "django"
    middleware: tuple[str, ...] = ("jwtguard.adapters.django.JWTGuardMiddleware",)
    view: Any = staticmethod(_django_view)

    def settings(self, guard: Guard, **options: Any) -> dict[str, Any]:
        return {
            "JWTGUARD": jwtguard_setting(guard, options),
            "MIDDLEWARE": list(self.middleware),
            "ROOT_URLCONF": _URLConf(self.view),
        }

    def build(self, guard: Guard, **options: Any) -> Any:
        return Client()

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        overrides = self.settings(guard or self.guard_factory(), **options)
        client = self.build(guard or self.guard_factory())

        def send(method: str, path: str, headers: Headers = (), query: str = "") -> Answer:
            with override_settings(**overrides):
                response = client.generic(method, path, QUERY_STRING=query, **_environ(headers))
            return _django_answer(response)

        return send


class DjangoAsyncAdapter(DjangoAdapter):
    """Django's ASGI handler (AsyncClient): the middleware in async mode, an async view."""

    name = "django-async"
    view = staticmethod(_django_async_view)

    def client(self, guard: Guard | None = None, **options: Any) -> Callable[..., Answer]:
        overrides = self.settings(guard or self.guard_factory(), **options)
        client = AsyncClient()

        def send(method: str, path: str, headers: Headers = (), query: str = "") -> Answer:
            pairs = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            scope = {
                "method": method,
                "path": unquote(path),
                "raw_path": path.encode("latin-1"),
                "query_string": query.encode("latin-1"),
                "headers": pairs,
            }
            with override_settings(**overrides):
                response = async_to_sync(client.request)(**scope)
            return _django_answer(response)

        return send


class DRFAdapter(DjangoAdapter):
    """DRF's APIClient, an APIView with JWTAuthentication deciding (no JWTGuardMiddleware);
    the headers come from jwtguard's SecurityHeadersMiddleware."""

    name = "drf"
    renders_denials = True
    middleware = ("jwtguard.adapters.django.SecurityHeadersMiddleware",)
    view = staticmethod(_DRFView.as_view())

    def build(self, guard: Guard, **options: Any) -> Any:
        return APIClient()


def _httpx_sender(client: TestClient) -> Callable[..., Answer]:
    def send(method: str, path: str, headers: Headers = (), query: str = "") -> Answer:
        url = path + ("?" + query if query else "")
        response = client.request(method, url, headers=list(headers))
        return Answer(response.status_code, list(response.headers.multi_items()), response.content)

    return send


def _werkzeug_sender(app: Any) -> Callable[..., Answer]:
    # werkzeug's Client keeps its own cookie jar and drops a raw Cookie header, so the
    # environ is built with EnvironBuilder and the app run with run_wsgi_app.
    def send(method: str, path: str, headers: Headers = (), query: str = "") -> Answer:
        # A WSGI server joins repeated header lines with ", " (RFC 9110 section 5.3).
        joined: dict[str, list[str]] = {}
        for name, value in headers:
            joined.setdefault(name.title(), []).append(value)
        pairs = [(k, ", ".join(v) if k != "Cookie" else "; ".join(v)) for k, v in joined.items()]
        environ = EnvironBuilder(path, method=method, headers=pairs, query_string=query or None)
        body, status, response_headers = run_wsgi_app(app, environ.get_environ())
        data = b"".join(body)
        return Answer(int(status.split()[0]), list(response_headers.items()), data)

    return send


ADAPTERS = [
    ASGIAdapter,
    FastAPIAdapter,
    WSGIAdapter,
    FlaskAdapter,
    DjangoAdapter,
    DjangoAsyncAdapter,
    DRFAdapter,
]


RESOURCE = "https://api.example"
"""The resource servers' URI in these tests (their tokens' ``aud``)."""


@pytest.fixture
def issuer(clock: FrozenClock) -> TokenFactory:
    """An ES256 authorization server on the frozen clock."""
    return TokenFactory.for_algorithm("ES256", clock=clock)


@pytest.fixture
def guard(issuer: TokenFactory) -> Guard:
    """The resource server's Guard: ``issuer``'s key, ``aud`` the resource."""
    return issuer.guard(audience=RESOURCE)


@pytest.fixture(params=ADAPTERS, ids=lambda cls: cls.name)
def adapter(request: pytest.FixtureRequest, factory: Any) -> Adapter:
    return request.param(lambda **kw: factory.guard(**kw))  # type: ignore[no-any-return]


@pytest.fixture(
    params=[cls for cls in ADAPTERS if cls.sets_security_headers], ids=lambda cls: cls.name
)
def hardened_adapter(request: pytest.FixtureRequest, factory: Any) -> Adapter:
    """The adapters that set security headers themselves (not the FastAPI dependency, which
    gets them from ``SecurityHeadersMiddleware`` when the test passes ``security_headers``)."""
    return request.param(lambda **kw: factory.guard(**kw))  # type: ignore[no-any-return]
