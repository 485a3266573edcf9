"""Verified claims through the frameworks' own JSON tools, behind real servers: Flask's
``jsonify(current_claims)`` and a view returning ``current_claims`` under gunicorn (two
workers), Starlette's ``JSONResponse(request.state.claims)`` and FastAPI endpoints returning
the claims under uvicorn. Nested objects and arrays come out as JSON objects and arrays,
and the claims a cache hit returns are the ones the first request saw.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from .conftest import Server

APPS = "convention_apps"
AUDIENCE = "conventions"
CLAIMS = {"sub": "7", "roles": ["reader", "writer"], "org": {"id": 3, "teams": [{"n": "a"}]}}


@pytest.fixture(scope="module")
def flask_server(serve: Callable[..., Server]) -> Server:
    return serve("flask-claims", "gunicorn", f"{APPS}:flask_claims")


@pytest.fixture(scope="module")
def fastapi_server(serve: Callable[..., Server]) -> Server:
    return serve("fastapi-claims", "uvicorn", f"{APPS}:fastapi_claims")


def token(secret: str) -> str:
    return jwt.encode({**CLAIMS, "aud": AUDIENCE, "exp": 4_000_000_000}, secret, "HS256")


def body_of(server: Server, path: str, secret: str) -> dict[str, Any]:
    answer = server.request(path, headers=[("Authorization", f"Bearer {token(secret)}")])
    assert answer.status == 200, (path, answer.status, answer.body)
    assert (answer.header("content-type") or "").startswith("application/json")
    found: dict[str, Any] = json.loads(answer.body)
    return found


@pytest.mark.parametrize("path", ["/jsonify", "/returned"])
def test_flask_sends_current_claims_as_json(
    flask_server: Server, routing_secret: str, path: str
) -> None:
    for _ in range(3):  # either worker, first a verification then cache hits
        body = body_of(flask_server, path, routing_secret)
        assert {k: body[k] for k in CLAIMS} == CLAIMS


@pytest.mark.parametrize("path", ["/state", "/returned", "/typed"])
def test_starlette_and_fastapi_send_the_claims_as_json(
    fastapi_server: Server, routing_secret: str, path: str
) -> None:
    for _ in range(3):
        body = body_of(fastapi_server, path, routing_secret)
        assert {k: body[k] for k in CLAIMS} == CLAIMS
