"""A token verified before, behind real servers: the adapters' shortest path
(``Pipeline.decide_remembered``, taken where no route rule applies) answers as the full
decision does: the same status and security headers on every repeat, in every worker, and
a refusal once the remembered token expires."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from jwtguard import Guard

pytestmark = pytest.mark.e2e

Server = Any  # conftest.Server

ROOT = {"SCRIPT_NAME": "/app"}
DEPLOYMENTS = [
    ("uvicorn-asgi-root-path", "uvicorn", "starlette_app", "", ("--root-path", "/app"), {}),
    ("gunicorn-wsgi-2-workers", "gunicorn", "flask_middleware", "/app", ("--workers", "2"), ROOT),
    ("gunicorn-flask-extension", "gunicorn", "flask_extension", "/app", (), ROOT),
]
POLICY = (
    "x-content-type-options",
    "x-frame-options",
    "strict-transport-security",
    "content-security-policy",
    "cache-control",
)
LIFETIME = 3


@pytest.fixture(scope="module", params=DEPLOYMENTS, ids=lambda d: d[0])
def server(request: pytest.FixtureRequest, serve: Callable[..., Server]) -> Server:
    name, kind, factory, prefix, extra, env = request.param
    return serve(name, kind, f"remembered_apps:{factory}", extra=extra, env=env, prefix=prefix)


def policy_headers(response: Any) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in response.headers if name in POLICY)


def test_a_repeated_token_gets_the_same_answer_and_headers_every_time(
    server: Server, routing_secret: str
) -> None:
    token = Guard(routing_secret, algorithms=["HS256"]).issue({"sub": "me"})
    responses = [
        server.request(server.prefix + "/me", headers=[("authorization", f"Bearer {token}")])
        for _ in range(8)
    ]
    assert [r.status for r in responses] == [200] * 8
    first = policy_headers(responses[0])
    assert dict(first)["cache-control"] == "no-store"  # authenticated API set
    assert len(first) == len(POLICY)
    assert all(policy_headers(r) == first for r in responses[1:])
    anonymous = server.request(server.prefix + "/me")
    assert anonymous.status == 401


def test_a_remembered_token_is_refused_once_it_expires(server: Server, routing_secret: str) -> None:
    guard = Guard(routing_secret, algorithms=["HS256"])
    token = guard.issue({"sub": "me"}, ttl=LIFETIME)
    expires = guard.verify(token)["exp"]
    header = [("authorization", f"Bearer {token}")]
    assert [server.request(server.prefix + "/me", headers=header).status for _ in range(4)] == [
        200
    ] * 4
    time.sleep(max(0.0, expires + 1.1 - time.time()))
    refused = [server.request(server.prefix + "/me", headers=header) for _ in range(4)]
    assert [r.status for r in refused] == [401] * 4
    for response in refused:
        challenge = dict(response.headers)["www-authenticate"]
        assert 'error="invalid_token"' in challenge
