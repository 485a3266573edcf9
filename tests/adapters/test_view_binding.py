"""A view's own sender-constraint demand (``binding=``), in every adapter that has views:
FastAPI's ``requires(binding=...)``, Flask's and Django's ``@jwt_required(binding=...)``
(Django with and without the middleware, sync and async) and DRF's ``HasBinding``.

Behind Django's middleware the token is verified once: the decorator judges the claims
the middleware accepted, so a DPoP proof (single use) is not refused as replayed."""

# No `from __future__ import annotations`: FastAPI reads these Annotated hints at run time.

from collections.abc import Callable
from typing import Annotated, Any, ClassVar

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpRequest, JsonResponse
from django.test import AsyncClient, Client, override_settings
from django.urls import path as django_path
from fastapi import Depends, FastAPI
from flask import Flask
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from jwtguard.adapters.django import jwt_required as django_jwt_required
from jwtguard.adapters.drf import HasBinding, JWTAuthentication
from jwtguard.adapters.fastapi import JWTBearer
from jwtguard.adapters.flask import JWTGuard, current_claims
from jwtguard.adapters.flask import jwt_required as flask_jwt_required
from jwtguard.claims import Claims
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard
from jwtguard.http import Pipeline
from jwtguard.http.requirement import Requirement
from jwtguard.oauth import DPoP, ResourceServer
from jwtguard.revocation import MemoryReplayCache
from jwtguard.testing import DPoPKey, FrozenClock, TokenFactory
from tests.adapters.conftest import Answer, _django_answer, _httpx_sender, _werkzeug_sender

RESOURCE = "https://api.example"
_ViewDecorator = Callable[[Callable[[], Any]], Callable[[], Any]]
Send = Callable[[str, list[tuple[str, str]]], Answer]


def resource_server(guard: Guard) -> ResourceServer:
    """One per app; its replay cache outlives Django's settings overrides (each request
    of these tests builds the configuration again)."""
    return ResourceServer(
        resource=RESOURCE, origin=RESOURCE, dpop=DPoP(replay=MemoryReplayCache(clock=guard.clock))
    )


def fastapi_app(guard: Guard) -> Send:
    from starlette.testclient import TestClient

    bearer = JWTBearer(guard, resource_server=resource_server(guard))
    app = FastAPI()
    bearer.install(app)

    @app.get("/open")
    async def open_(claims: Annotated[Claims, Depends(bearer.requires())]) -> Any:
        return {"sub": claims.subject}

    @app.get("/transfer")
    async def transfer(claims: Annotated[Claims, Depends(bearer.requires(binding="dpop"))]) -> Any:
        return {"sub": claims.subject}

    send = _httpx_sender(TestClient(app, base_url=RESOURCE))
    return lambda path, headers: send("GET", path, headers)


def flask_app(guard: Guard, server: ResourceServer | None = None, open_binding: Any = None) -> Send:
    app = Flask(__name__)
    JWTGuard(app, guard=guard, resource_server=server or resource_server(guard))

    # jwt_required is typed as returning Any: name its decorators' type for mypy --strict
    open_required: _ViewDecorator = flask_jwt_required(binding=open_binding)
    dpop_required: _ViewDecorator = flask_jwt_required(binding="dpop")

    @app.get("/open")
    @open_required
    def open_() -> Any:
        return {"sub": current_claims["sub"]}

    @app.get("/transfer")
    @dpop_required
    def transfer() -> Any:
        return {"sub": current_claims["sub"]}

    send = _werkzeug_sender(app)
    return lambda path, headers: send("GET", path, headers)


def _answer(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sub": request.jwt_claims["sub"]})  # type: ignore[attr-defined]


async def _async_answer(request: HttpRequest) -> JsonResponse:
    return _answer(request)


class _URLs:
    def __init__(self, view: Any, bound: Any) -> None:
        self.urlpatterns = [django_path("open", view), django_path("transfer", bound)]


def django_app(guard: Guard, *, middleware: bool, asynchronous: bool) -> Send:
    view: Any = _async_answer if asynchronous else _answer
    urls = _URLs(django_jwt_required(view), django_jwt_required(view, binding="dpop"))
    overrides = {
        "JWTGUARD": {"GUARD": guard, "RESOURCE_SERVER": resource_server(guard)},
        "MIDDLEWARE": ["jwtguard.adapters.django.JWTGuardMiddleware"] if middleware else [],
        "ROOT_URLCONF": urls,
    }

    async def get(path: str, headers: dict[str, str]) -> Any:  # Django 4.2: get is a plain def
        return await AsyncClient().get(path, headers=headers)

    def send(path: str, headers: list[tuple[str, str]]) -> Answer:
        with override_settings(**overrides):
            if asynchronous:
                response = async_to_sync(get)(path, dict(headers))
            else:
                environ: dict[str, Any] = {"HTTP_" + k.upper(): v for k, v in headers}
                response = Client().get(path, **environ)
        return _django_answer(response)

    return send


class _Open(APIView):
    authentication_classes = (JWTAuthentication,)
    permission_classes = ()

    def get(self, request: Any) -> Response:
        return Response({"sub": request.auth["sub"]})


class _Transfer(_Open):
    permission_classes = (HasBinding("dpop"),)  # type: ignore[assignment]


def drf_app(guard: Guard) -> Send:
    class URLs:
        urlpatterns: ClassVar = [
            django_path("open", _Open.as_view()),
            django_path("transfer", _Transfer.as_view()),
        ]

    overrides = {
        "JWTGUARD": {"GUARD": guard, "RESOURCE_SERVER": resource_server(guard)},
        "MIDDLEWARE": [],
        "ROOT_URLCONF": URLs,
    }

    def send(path: str, headers: list[tuple[str, str]]) -> Answer:
        environ: dict[str, Any] = {"HTTP_" + k.upper(): v for k, v in headers}
        with override_settings(**overrides):
            return _django_answer(APIClient().get(path, **environ))

    return send


APPS: dict[str, Callable[[Guard], Send]] = {
    "fastapi": fastapi_app,
    "flask": flask_app,
    "django": lambda g: django_app(g, middleware=True, asynchronous=False),
    "django-async": lambda g: django_app(g, middleware=True, asynchronous=True),
    "django-decorator-only": lambda g: django_app(g, middleware=False, asynchronous=False),
    "drf": drf_app,
}


@pytest.mark.parametrize("name", list(APPS))
def test_a_view_demanding_dpop(
    name: str, guard: Guard, issuer: TokenFactory, clock: FrozenClock
) -> None:
    send = APPS[name](guard)
    key = DPoPKey("ES256", clock=clock)
    plain = issuer.issue(sub="bob", aud=RESOURCE)
    bound = issuer.issue(sub="alice", aud=RESOURCE, cnf={"jkt": key.jkt})
    bearer = [("Authorization", f"Bearer {plain}")]

    assert send("/open", bearer).status == 200
    dpop_open = send("/open", key.headers("GET", RESOURCE + "/open", bound))
    assert dpop_open.status == 200, dpop_open.body  # verified once, proof used once

    refused = send("/transfer", bearer)
    assert refused.status == 401, refused.body
    assert refused.json()["error_description"] == (
        "This resource requires a DPoP-bound access token."
    )
    (challenge,) = refused.all("WWW-Authenticate")  # DPoP only: a bearer token cannot do
    assert challenge.startswith("DPoP ")
    assert 'error="invalid_token"' in challenge
    assert 'algs="ES256 ' in challenge

    proof = key.headers("GET", RESOURCE + "/transfer", bound)
    accepted = send("/transfer", proof)
    assert accepted.status == 200, accepted.body
    assert accepted.json() == {"sub": "alice"}
    assert send("/transfer", proof).status == 401  # the same proof again: replayed


def test_drf_has_binding_is_validated() -> None:
    assert repr(HasBinding("dpop")) == "HasBinding('dpop')"
    assert HasBinding("bound")().requirement == Requirement(binding="bound")
    with pytest.raises(ConfigError, match="binding"):
        HasBinding("cookie")  # type: ignore[arg-type]


def test_a_binding_demand_without_a_resource_server_refuses_every_token(
    guard: Guard, issuer: TokenFactory
) -> None:
    """No resource server: no proof can be checked, so the demand cannot be met (fail
    closed, never a plain bearer token let through a route that asked for DPoP)."""
    pipeline = Pipeline(guard)
    requirement = Requirement(binding="dpop")
    token = issuer.issue(sub="bob", aud=RESOURCE)
    decided = pipeline.decide_on_headers(
        "GET", "/x", [(b"authorization", f"Bearer {token}".encode())], requirement, wait=True
    )
    assert type(decided).__name__ == "Denial"
    assert decided.code == "binding_required"  # type: ignore[union-attr]
    assert pipeline.decide_on_headers(
        "GET", "/x", [(b"authorization", f"Bearer {token}".encode())], Requirement(), wait=True
    )


def _bearer_views(guard: Guard, name: str) -> Send:
    """A view demanding only ``binding="bearer"`` under ``require_binding``."""
    rs = ResourceServer(resource=RESOURCE, origin=RESOURCE, dpop=DPoP(), require_binding=True)
    if name == "flask":
        return flask_app(guard, rs, open_binding="bearer")
    urls = _URLs(django_jwt_required(_answer, binding="bearer"), _answer)
    overrides = {
        "JWTGUARD": {"GUARD": guard, "RESOURCE_SERVER": rs},
        "MIDDLEWARE": [],
        "ROOT_URLCONF": urls,
    }

    def django_send(path: str, headers: list[tuple[str, str]]) -> Answer:
        with override_settings(**overrides):
            environ: dict[str, Any] = {"HTTP_" + k.upper(): v for k, v in headers}
            return _django_answer(Client().get(path, **environ))

    return django_send


@pytest.mark.parametrize("name", ["flask", "django-decorator-only"])
def test_require_binding_wins_over_a_views_own_bearer(
    name: str, guard: Guard, issuer: TokenFactory, clock: FrozenClock
) -> None:
    """Fail closed: a decorator's ``binding="bearer"`` (start-up cannot see it) does not
    reopen a resource server that refuses unbound tokens everywhere."""
    send = _bearer_views(guard, name)
    key = DPoPKey("ES256", clock=clock)
    plain = issuer.issue(sub="bob", aud=RESOURCE)
    bound = issuer.issue(sub="alice", aud=RESOURCE, cnf={"jkt": key.jkt})
    refused = send("/open", [("Authorization", f"Bearer {plain}")])
    assert refused.status == 401, refused.body
    assert refused.json()["error_description"] == (
        "This resource requires a sender-constrained access token."
    )
    assert [c.partition(" ")[0] for c in refused.all("WWW-Authenticate")] == ["DPoP"]
    assert send("/open", key.headers("GET", RESOURCE + "/open", bound)).status == 200


def test_fastapi_refuses_a_bearer_route_under_require_binding_at_start_up(guard: Guard) -> None:
    rs = ResourceServer(resource=RESOURCE, origin=RESOURCE, dpop=DPoP(), require_binding=True)
    bearer = JWTBearer(guard, resource_server=rs)
    with pytest.raises(ConfigError, match="contradicts require_binding"):
        bearer.requires(binding="bearer")
    assert bearer.requires(binding="dpop").requirement == Requirement(binding="dpop")
    free = JWTBearer(guard, resource_server=resource_server(guard))
    assert free.requires(binding="bearer").requirement == Requirement(binding="bearer")


def test_fastapi_install_serves_the_metadata_without_an_app_wide_dependency(
    guard: Guard,
) -> None:
    send = fastapi_app(guard)
    answer = send("/.well-known/oauth-protected-resource", [])
    assert answer.status == 200
    assert answer.header("Content-Type") == "application/json"
    assert answer.header("Cache-Control") == "public, max-age=3600"
    assert answer.json()["resource"] == RESOURCE
    assert answer.json()["dpop_signing_alg_values_supported"][0] == "ES256"
