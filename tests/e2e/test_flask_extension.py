"""The Flask extension's flask-jwt-extended conventions behind gunicorn (two workers).

Tokens issued by ``jwt.issue`` open a blueprint guarded by ``verify_jwt_in_request`` in
its ``before_request``, which refuses the others with the RFC 6750 answer; ``current_user``
comes from the user loader; an anonymous ``current_claims`` is empty; the app's error
handler answers every refusal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import RawResponse, Server


@pytest.fixture(scope="module")
def server(serve: Callable[..., Server]) -> Server:
    return serve("flask-conventions", "gunicorn", "convention_apps:flask_extension")


def login(server: Server, user: str) -> str:
    body = json.dumps({"user": user}).encode()
    answer = server.request(
        "/login",
        method="POST",
        headers=[("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        body=body,
    )
    assert answer.status == 200, answer.body
    token: str = json.loads(answer.body)["access_token"]
    return token


def get(server: Server, path: str, token: str | None = None) -> RawResponse:
    headers = [] if token is None else [("Authorization", f"Bearer {token}")]
    return server.request(path, headers=headers)


def test_issued_tokens_open_the_guarded_blueprint(server: Server) -> None:
    token = login(server, "ada")
    for _ in range(4):  # a connection each: either worker may answer, with the same config
        answer = get(server, "/admin/panel", token)
        assert answer.status == 200
        body: dict[str, Any] = json.loads(answer.body)
        assert body["admin"] == "Ada Lovelace"  # current_user.title(), by the loader


def test_the_blueprint_refuses_the_rfc_6750_way(server: Server) -> None:
    missing = get(server, "/admin/panel")
    assert missing.status == 401
    assert missing.header("www-authenticate") == 'Bearer realm="api"'
    assert missing.header("cache-control") == "no-store"
    assert json.loads(missing.body)["error"] == "missing_token"
    not_admin = get(server, "/admin/panel", login(server, "alan"))
    assert not_admin.status == 403
    assert 'error="insufficient_scope"' in (not_admin.header("www-authenticate") or "")


def test_current_user_and_anonymous_claims(server: Server) -> None:
    assert json.loads(get(server, "/feed").body) == {"sub": None, "claims": 0, "user": None}
    signed_in = json.loads(get(server, "/feed", login(server, "alan")).body)
    assert (signed_in["sub"], signed_in["user"]) == ("alan", "Alan Turing")
    unknown = get(server, "/feed", login(server, "mallory"))
    assert unknown.status == 401
    assert json.loads(unknown.body) == {
        "error": "invalid_token",
        "error_description": "The access token's user is unknown or inactive.",
    }


def test_a_view_verifying_in_its_body_reads_the_claims(server: Server) -> None:
    # verify_jwt_in_request() with its defaults, then current_claims[...] and "in"
    answer = get(server, "/me", login(server, "ada"))
    assert answer.status == 200
    assert json.loads(answer.body) == {"sub": "ada", "has_roles": True}
    assert get(server, "/me", login(server, "ada") + "x").status == 401


@pytest.mark.parametrize("path", ["/me", "/admin/panel"])
def test_the_error_handler_answers_refusals(server: Server, path: str) -> None:
    refused = get(server, path)
    assert refused.status == 401
    assert refused.header("X-Refused-By") == "app"
    assert refused.header("WWW-Authenticate") is not None
    assert get(server, "/feed").header("X-Refused-By") is None  # not on an answer
