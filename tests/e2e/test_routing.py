"""Rules and exempt paths decide on the path the app routes, behind real servers.

uvicorn (plain, ``--root-path``, a Starlette ``Mount``, FastAPI with a prefixed router
and a mounted sub-app) and gunicorn (Flask behind the WSGI middleware, under
``SCRIPT_NAME``, and the extension in protect-all mode) and Django (the test project behind
``JWTGuardMiddleware``: gunicorn WSGI plain and under ``SCRIPT_NAME``, uvicorn ASGI plain and
with ``--root-path``) are sent raw request lines,
so every spelling of a protected path reaches the server byte for byte. See
``routing_apps.py`` for what each deployment protects: ``/admin`` and below need the
``admin`` scope, ``/billing`` needs ``billing``, ``/health`` is exempt, everything else
is open to anonymous requests.

Whatever the spelling, a request without the right scope is never served (no 2xx);
the right token is served on the canonical path; exempt and open routes answer without
a token under every prefix.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from jwtguard import Guard

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Deployment:
    name: str
    kind: str
    factory: str
    prefix: str = ""  # what the client puts before the app's paths
    extra: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


DEPLOYMENTS = [
    Deployment("uvicorn", "uvicorn", "routing_apps:starlette_app"),
    # behind a proxy that strips /api: the client's path arrives without it
    Deployment(
        "uvicorn-root-path", "uvicorn", "routing_apps:starlette_app", "", ("--root-path", "/api")
    ),
    Deployment("uvicorn-mount", "uvicorn", "routing_apps:starlette_mount", "/v1"),
    Deployment("fastapi-router", "uvicorn", "routing_apps:fastapi_app", "/api"),
    Deployment("fastapi-mount", "uvicorn", "routing_apps:fastapi_app", "/sub"),
    Deployment("gunicorn-wsgi", "gunicorn", "routing_apps:flask_middleware"),
    Deployment(
        "gunicorn-script-name",
        "gunicorn",
        "routing_apps:flask_middleware",
        "/api",
        env=(("SCRIPT_NAME", "/api"),),
    ),
    Deployment("gunicorn-flask", "gunicorn", "routing_apps:flask_extension"),
    Deployment("gunicorn-django", "gunicorn", "routing_apps:django_wsgi"),
    Deployment(
        "gunicorn-django-script-name",
        "gunicorn",
        "routing_apps:django_wsgi",
        "/api",
        env=(("SCRIPT_NAME", "/api"),),
    ),
    Deployment("uvicorn-django", "uvicorn", "routing_apps:django_asgi"),
    Deployment(
        "uvicorn-django-root-path",
        "uvicorn",
        "routing_apps:django_asgi",
        "",
        ("--root-path", "/api"),
    ),
]

# Spellings of the protected paths that a router may send to the protected view, or
# that a proxy, a file server or another router may read as that path.
ADMIN_SPELLINGS = [
    "//admin",
    "///admin",
    "/admin/",
    "/./admin",
    "/.//admin",
    "/x/../admin",
    "/x/%2e%2e/admin",
    "/%2e/admin",
    "/%61dmin",
    "/adm%69n",
    "/%2fadmin",
    "/%2Fadmin",
    "/admin%2fx",
    "/admin%2Fx",
    "/admin%5cx",
    "/admin;x",
    "/admin%3bx",
    "/admin;/x",
    "/ADMIN",
    "/Admin",
    "/admin%00",
    "/admin%ff",
    "/admin/.",
    "/admin/x/..",
    "//admin/x",
    "/admin//x",
    "/admin/./x",
    "/admin/x;y",
    "/admin/x/",
    "/ADMIN/x",
    "/./admin/x",
    "/admin/%2e%2e/admin",
]
BILLING_SPELLINGS = [
    "//billing",
    "/billing/",
    "/BILLING",
    "/billing;x",
    "/billing%2f",
    "/%62illing",
    "/billing/.",
    "/x/../billing",
    "/./billing",
]
# Spellings of the prefix itself (the mount point, the router prefix, SCRIPT_NAME).
PREFIX_SPELLINGS = [
    "/{p}//admin",
    "//{p}/admin",
    "/{p}/./admin",
    "/x/../{p}/admin",
    "/{P}/admin",
    "/{p};x/admin",
    "/{p}%2fadmin",
]


@pytest.fixture(scope="module")
def servers(serve: Callable[..., Any]) -> Callable[[Deployment], Any]:
    """Start each server once per module, on first use."""
    running: dict[tuple[object, ...], Any] = {}

    def get(deployment: Deployment) -> Any:
        key = (deployment.kind, deployment.factory, deployment.extra, deployment.env)
        if key not in running:
            running[key] = serve(
                deployment.name,
                deployment.kind,
                deployment.factory,
                extra=deployment.extra,
                env=dict(deployment.env),
                prefix=deployment.prefix,
            )
        return running[key]

    return get


@pytest.fixture(scope="module")
def tokens(routing_secret: str) -> dict[str, str]:
    issuer = Guard(routing_secret, algorithms=["HS256"], audience="routing")
    return {
        "user": issuer.issue({"sub": "user", "scope": "read"}),
        "admin": issuer.issue({"sub": "admin", "scope": "read admin"}),
        "billing": issuer.issue({"sub": "billing", "scope": "read billing"}),
    }


@pytest.fixture(params=DEPLOYMENTS, ids=lambda d: d.name)
def deployment(request: pytest.FixtureRequest) -> Deployment:
    return request.param  # type: ignore[no-any-return]


def send(server: Any, target: str, token: str | None, method: str = "GET") -> Any:
    headers = [] if token is None else [("Authorization", f"Bearer {token}")]
    return server.request(target, method=method, headers=headers)


def served(response: Any) -> bool:
    return 200 <= response.status < 300


def route_of(response: Any) -> str:
    return json.loads(response.body)["route"]  # type: ignore[no-any-return]


def _describe(target: str, response: Any) -> str:
    return f"{target!r} -> {response.status} {response.body[:120]!r}"


# -- the canonical paths ------------------------------------------------------------------


def test_canonical_paths(
    deployment: Deployment, servers: Callable[[Deployment], Any], tokens: dict[str, str]
) -> None:
    server = servers(deployment)
    p = deployment.prefix
    for target, token, route in [
        ("/admin", tokens["admin"], "admin"),
        ("/admin/x", tokens["admin"], "admin-item"),
        ("/billing", tokens["billing"], "billing"),
        ("/health", None, "health"),
        ("/me", None, "me"),
        ("/me", tokens["user"], "me"),
    ]:
        response = send(server, p + target, token)
        assert response.status == 200, _describe(p + target, response)
        assert route_of(response) == route
    for target, token in [
        ("/admin", None),
        ("/admin", tokens["user"]),
        ("/admin/x", tokens["billing"]),
        ("/billing", tokens["admin"]),
        ("/billing", None),
    ]:
        response = send(server, p + target, token)
        assert response.status in (401, 403), _describe(p + target, response)
        assert response.header("www-authenticate") is not None


def test_the_sub_is_the_token_sub(
    deployment: Deployment, servers: Callable[[Deployment], Any], tokens: dict[str, str]
) -> None:
    response = send(servers(deployment), deployment.prefix + "/me", tokens["user"])
    assert json.loads(response.body) == {"route": "me", "sub": "user"}


# -- hostile spellings ------------------------------------------------------------------


SPELLINGS = [pytest.param(t, "admin", id=t) for t in ADMIN_SPELLINGS] + [
    pytest.param(t, "billing", id=t) for t in BILLING_SPELLINGS
]


@pytest.mark.parametrize(("target", "scope"), SPELLINGS)
def test_spellings_need_the_scope_of_the_protected_path(
    deployment: Deployment,
    servers: Callable[[Deployment], Any],
    tokens: dict[str, str],
    target: str,
    scope: str,
) -> None:
    """No token, or a token without the scope: never served, never a server error."""
    server = servers(deployment)
    full = deployment.prefix + target
    for name, token in [(None, None), *tokens.items()]:
        if name == scope:
            continue
        for method in ("GET", "POST"):
            response = send(server, full, token, method)
            assert not served(response), f"{method} {name} {_describe(full, response)}"
            assert response.status < 500, f"{method} {name} {_describe(full, response)}"


@pytest.mark.parametrize("deployment", [d for d in DEPLOYMENTS if d.prefix], ids=lambda d: d.name)
@pytest.mark.parametrize("template", PREFIX_SPELLINGS)
def test_prefix_spellings_never_reach_admin(
    deployment: Deployment,
    servers: Callable[[Deployment], Any],
    tokens: dict[str, str],
    template: str,
) -> None:
    name = deployment.prefix.strip("/")
    target = template.format(p=name, P=name.upper())
    server = servers(deployment)
    for token in (None, tokens["user"]):
        response = send(server, target, token)
        if served(response):
            assert route_of(response) != "admin", _describe(target, response)


def test_admin_spellings_with_the_admin_token_never_fail_server_side(
    deployment: Deployment, servers: Callable[[Deployment], Any], tokens: dict[str, str]
) -> None:
    """With the right token a spelling is refused (4xx), redirected or served: never a 5xx."""
    server = servers(deployment)
    for target in ADMIN_SPELLINGS:
        full = deployment.prefix + target
        response = send(server, full, tokens["admin"])
        assert response.status < 500, _describe(full, response)
        if served(response):
            assert route_of(response) in ("admin", "admin-item", "me"), _describe(full, response)
