"""What a websocket client sees when jwtguard refuses the handshake, behind real uvicorn.

uvicorn offers the ASGI websocket denial-response extension with each of its websocket
protocol implementations, so a refused handshake is answered with a real HTTP response:
401 or 403, the RFC 6750 challenge and the JSON body, exactly as for a plain request.
An accepted handshake is switched to the websocket protocol (101).
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Callable
from typing import Any

import pytest

from jwtguard import Guard

pytestmark = pytest.mark.e2e

IMPLEMENTATIONS = ["websockets", "websockets-sansio", "wsproto"]


def handshake(port: int, target: str, headers: list[tuple[str, str]] = ()) -> Any:  # type: ignore[assignment]
    """A raw websocket opening handshake; the status, headers and body of the answer."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {target} HTTP/1.1",
        "Host: 127.0.0.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{k}: {v}" for k, v in headers),
        "",
        "",
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1"))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        found = [tuple(p.strip() for p in line.split(":", 1)) for line in header_lines]
        answer = {k.lower(): v for k, v in found}
        length = int(answer.get("content-length", "0"))
        while int(status_line.split()[1]) != 101 and len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(status_line.split()[1]), answer, body


@pytest.fixture(scope="module", params=IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest, serve: Callable[..., Any]) -> Any:
    return serve(
        f"uvicorn-{request.param}",
        "uvicorn",
        "routing_apps:starlette_app",
        extra=("--ws", request.param),
    )


@pytest.fixture(scope="module")
def issuer(routing_secret: str) -> Guard:
    return Guard(routing_secret, algorithms=["HS256"], audience="routing")


def bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def test_a_handshake_without_a_token_gets_401_with_the_challenge(server: Any) -> None:
    status, headers, body = handshake(server.port, "/admin/ws")
    assert status == 401
    assert headers["www-authenticate"] == 'Bearer realm="api"'
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert json.loads(body) == {
        "error": "missing_token",
        "error_description": "An access token is required.",
    }


def test_a_handshake_without_the_scope_gets_403(server: Any, issuer: Guard) -> None:
    token = issuer.issue({"sub": "u", "scope": "read"})
    status, headers, body = handshake(server.port, "/admin/ws", bearer(token))
    assert status == 403
    assert 'error="insufficient_scope"' in headers["www-authenticate"]
    assert 'scope="admin"' in headers["www-authenticate"]
    assert json.loads(body)["error"] == "insufficient_scope"
    assert token.encode() not in body


def test_a_handshake_with_a_bad_token_gets_401_invalid_token(server: Any) -> None:
    status, headers, body = handshake(server.port, "/admin/ws", bearer("not.a.token"))
    assert status == 401
    assert 'error="invalid_token"' in headers["www-authenticate"]
    assert json.loads(body)["error"] == "invalid_token"


def test_an_accepted_handshake_switches_protocols(server: Any, issuer: Guard) -> None:
    token = issuer.issue({"sub": "a", "scope": "admin"})
    status, headers, _ = handshake(server.port, "/admin/ws", bearer(token))
    assert status == 101
    assert headers["upgrade"].lower() == "websocket"
    status, _, _ = handshake(server.port, "/ws")  # open to anonymous clients
    assert status == 101


def test_a_hostile_spelling_of_the_socket_path_is_refused(server: Any) -> None:
    for target in ("//admin/ws", "/ADMIN/ws", "/admin//ws", "/x/../admin/ws", "/admin%2fws"):
        status, _, _ = handshake(server.port, target)
        assert status != 101, target
        assert 400 <= status < 500, target
