"""End to end: the demo served by real servers on a free loopback port, talked to over HTTP.

uvicorn (Starlette + JWTGuardMiddleware) and wsgiref (plain WSGI +
JWTGuardWSGIMiddleware, and Flask with the JWTGuard extension: ``@jwt_required``
per view) run in a thread of this process; the CLI runs as a
subprocess for ``--check`` and for a clean stop on Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from jwtguard.demo import checks, run_checks
from jwtguard.demo._apps import DemoTokens, RunningServer, start_server

pytestmark = pytest.mark.e2e

SECURITY_HEADERS = {  # the API set: the demo answers JSON
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
DOCUMENT_ONLY = ("referrer-policy", "x-xss-protection", "permissions-policy")


@dataclass
class Demo:
    server: RunningServer
    tokens: DemoTokens
    client: httpx.Client
    variant: str

    def get(self, path: str, token: str | None = None) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return self.client.get(path, headers=headers)


@pytest.fixture(scope="module", params=["asgi", "wsgi", "flask"])
def demo(request: pytest.FixtureRequest) -> Iterator[Demo]:
    tokens = DemoTokens.create()
    server = start_server(request.param, tokens, port=0)  # returns once it answers
    try:
        with httpx.Client(base_url=server.url, timeout=5, trust_env=False) as client:
            yield Demo(server, tokens, client, request.param)
    finally:
        server.stop()
    assert not server.thread.is_alive()


def test_unknown_route(demo: Demo) -> None:
    """The middlewares guard every non-exempt path; the Flask extension guards decorated views."""
    response = demo.get("/nope")
    assert response.status_code == (404 if demo.variant == "flask" else 401)


def test_public_route(demo: Demo) -> None:
    response = demo.get("/public")
    assert response.status_code == 200
    assert response.json() == {"message": "public: no token needed"}
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "cache-control" not in response.headers
    assert not [name for name in DOCUMENT_ONLY if name in response.headers]


def test_protected_route_with_the_token(demo: Demo) -> None:
    response = demo.get("/me", demo.tokens.token)
    assert response.status_code == 200
    assert response.json() == {"path": "/me", "sub": "demo-user", "scopes": ["admin", "read"]}
    assert response.headers["cache-control"] == "no-store"
    assert "vary" not in response.headers  # not stored anywhere: nothing to vary on
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_protected_route_without_a_token(demo: Demo) -> None:
    response = demo.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="jwtguard-demo"'
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("which", ["expired", "tampered"])
def test_expired_and_tampered_tokens_are_refused(demo: Demo, which: str) -> None:
    token = getattr(demo.tokens, which)
    response = demo.get("/me", token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["error"] == "invalid_token"
    assert token not in response.text
    assert token.split(".")[1] not in response.text


def test_scope_route(demo: Demo) -> None:
    assert demo.get("/admin", demo.tokens.token).status_code == 200
    response = demo.get("/admin", demo.tokens.reader)
    assert response.status_code == 403
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="admin"' in challenge
    assert response.json()["error"] == "insufficient_scope"


def test_the_check_list_matches_the_server(demo: Demo) -> None:
    results = run_checks(demo.server.url, demo.tokens)
    assert [status for _, status in results] == [check.expected for check in checks()]


def test_the_guard_counted_the_refusals(demo: Demo) -> None:
    demo.get("/me", demo.tokens.expired)
    demo.get("/me", demo.tokens.tampered)
    rejected = demo.tokens.guard.stats().rejected
    assert rejected.get("expired", 0) >= 1
    assert rejected.get("invalid_signature", 0) >= 1


# -- the command line ------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.mark.parametrize("variant", [[], ["--wsgi"], ["--flask"]], ids=["asgi", "wsgi", "flask"])
def test_cli_check_mode_passes(variant: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jwtguard.cli", "demo", "--check", *variant],
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\nok   ") == len(checks())
    assert "all checks passed" in result.stdout


def test_cli_refuses_a_non_loopback_host() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "jwtguard.demo", "--host", "0.0.0.0", "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_environment(),
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_interactive_demo_prints_commands_and_stops_cleanly_on_ctrl_c() -> None:
    with subprocess.Popen(  # closes the pipes and reaps the process on exit
        [sys.executable, "-m", "jwtguard.demo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
    ) as process:
        try:
            assert process.stdout is not None
            lines: queue.Queue[str] = queue.Queue()
            reader = threading.Thread(
                target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True
            )
            reader.start()
            seen: list[str] = []
            deadline = time.monotonic() + 30
            while not (seen and seen[-1].startswith("Ready.")):
                try:
                    seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            output = "".join(seen)
            assert "Ready. Press Ctrl-C to stop." in output, output
            url = output.split("listening on ", 1)[1].split()[0]
            token = output.split("export TOKEN=", 1)[1].split()[0]
            assert output.count("curl -i") == len(checks())
            with httpx.Client(base_url=url, timeout=5, trust_env=False) as client:
                response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
            reader.join(10)
            err = process.stderr.read() if process.stderr else ""
            assert process.returncode == 0, err
            assert "stopped." in "".join(seen + list(lines.queue))
            assert "Traceback" not in err, err
            with pytest.raises(httpx.ConnectError):
                httpx.get(url + "/public", timeout=2, trust_env=False)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
