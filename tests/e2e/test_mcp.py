"""The example MCP servers (examples/mcp_server.py on the official SDK, fastmcp_server.py on
FastMCP) behind uvicorn on loopback, driven by the MCP SDK's own client over real HTTP:
bearer tokens, DPoP-bound tokens with proofs made by an independent library (pydpop),
discovery through the 401 and RFC 9728 metadata."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from pydpop.jwk import generate_key, jwk_thumbprint, public_jwk
from pydpop.proof import generate_proof

from jwtguard import Guard

from .conftest import SECRET, free_port

pytestmark = pytest.mark.e2e

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ISSUER = "https://as.example"


SERVERS = ["mcp_server", "fastmcp_server"] if sys.version_info >= (3, 11) else ["mcp_server"]


@pytest.fixture(scope="module", params=SERVERS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An example server's base URL (its resource is ``<base>/mcp``): the official SDK's,
    and FastMCP's (which needs Python 3.11)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "JWTGUARD_SECRET_KEY": SECRET,
        "JWTGUARD_ALGORITHMS": "HS256",
        "JWTGUARD_ISSUER": ISSUER,
        "JWTGUARD_AUDIENCE": f"{base}/mcp",
        "JWTGUARD_RESOURCE": f"{base}/mcp",
        "JWTGUARD_AUTHORIZATION_SERVERS": ISSUER,
        "JWTGUARD_DPOP": "true",
    }
    log = tmp_path_factory.mktemp("mcp") / "server.log"
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(EXAMPLES), "--factory",
        f"{request.param}:create_app", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(log.read_text())
            try:
                httpx2.get(f"{base}/.well-known/oauth-protected-resource/mcp", timeout=2)
                break
            except httpx2.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def _token(base: str, scope: str = "notes:read", **claims: Any) -> str:
    issuer = Guard(SECRET, algorithms=["HS256"], issuer=ISSUER, audience=f"{base}/mcp")
    return issuer.issue({"sub": "alice", "client_id": "notes-app", "scope": scope, **claims})


class DPoPAuth(httpx2.Auth):
    """``Authorization: DPoP`` with a fresh pydpop proof per request, retrying once with
    the server's ``DPoP-Nonce`` when it asks for one."""

    def __init__(self, token: str, key: Any) -> None:
        self.token = token
        self.key = key
        self.nonce: str | None = None
        self.statuses: list[int] = []

    def _sign(self, request: httpx2.Request) -> None:
        htu = str(request.url).split("?")[0]
        request.headers["Authorization"] = f"DPoP {self.token}"
        request.headers["DPoP"] = generate_proof(
            private_key=self.key, htm=request.method, htu=htu, access_token=self.token,
            nonce=self.nonce,
        )  # fmt: skip

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        self._sign(request)
        response = yield request
        self.statuses.append(response.status_code)
        nonce = response.headers.get("DPoP-Nonce")
        if response.status_code == 401 and nonce:
            self.nonce = nonce
            self._sign(request)
            yield request


async def _whoami(base: str, auth: httpx2.Auth) -> dict[str, Any]:
    async with (
        httpx2.AsyncClient(auth=auth, timeout=10) as http,
        streamable_http_client(f"{base}/mcp", http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        tools = await session.list_tools()
        assert [tool.name for tool in tools.tools] == ["whoami"]
        result = await session.call_tool("whoami", {})
        assert not result.is_error, result
        return result.structured_content  # type: ignore[return-value]


class BearerAuth(httpx2.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def test_discovery_through_the_401_and_the_metadata(server: str) -> None:
    refused = httpx2.post(f"{server}/mcp", json={})
    assert refused.status_code == 401
    challenges = ", ".join(refused.headers.get_list("www-authenticate"))
    metadata_url = f"{server}/.well-known/oauth-protected-resource/mcp"
    assert f'resource_metadata="{metadata_url}"' in challenges
    assert "DPoP" in challenges and "algs=" in challenges
    metadata = httpx2.get(metadata_url).json()
    assert metadata["resource"] == f"{server}/mcp"
    assert metadata["authorization_servers"] == [ISSUER]
    assert "ES256" in metadata["dpop_signing_alg_values_supported"]


async def test_the_sdk_client_with_a_bearer_token(server: str) -> None:
    answer = await _whoami(server, BearerAuth(_token(server)))
    assert answer == {
        "subject": "alice",
        "client_id": "notes-app",
        "scopes": ["notes:read"],
        "resource": f"{server}/mcp",
        "bound": False,
    }


async def test_the_sdk_client_with_a_dpop_bound_token(server: str) -> None:
    key = generate_key("ES256")
    token = _token(server, cnf={"jkt": jwk_thumbprint(public_jwk(key))})
    answer = await _whoami(server, DPoPAuth(token, key))
    assert answer["subject"] == "alice"
    assert answer["bound"] is True


async def test_a_dpop_bound_token_sent_as_bearer_is_refused(server: str) -> None:
    key = generate_key("ES256")
    token = _token(server, cnf={"jkt": jwk_thumbprint(public_jwk(key))})
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            f"{server}/mcp",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json, text/event-stream",
            },
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


async def test_a_proof_from_another_key_is_refused(server: str) -> None:
    key, thief = generate_key("ES256"), generate_key("ES256")
    token = _token(server, cnf={"jkt": jwk_thumbprint(public_jwk(key))})
    auth = DPoPAuth(token, thief)
    failure: Exception | None = None
    try:
        await _whoami(server, auth)
    except Exception as exc:  # the SDK client fails the session on the 401
        failure = exc
    assert failure is not None, "a proof made with another key was accepted"
    assert auth.statuses == [401]


async def test_a_missing_scope_is_a_403(server: str) -> None:
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            f"{server}/mcp",
            headers={"Authorization": f"Bearer {_token(server, scope='other')}"},
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        )
    assert response.status_code == 403
    assert 'scope="notes:read"' in ", ".join(response.headers.get_list("www-authenticate"))
