"""Real servers on loopback for the end-to-end suites, and a raw-socket HTTP client.

``serve(kind, factory, ...)`` starts uvicorn or gunicorn in a subprocess on a free
loopback port with an app from ``routing_apps.py`` (beside this file), polls until
it answers, and stops it (terminate, then kill) when the fixture's scope ends.
``raw_request`` writes the request line byte for byte: no client library normalises
the path (httpx, requests and browsers would merge ``/./``, ``/../`` and sometimes ``//``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
READY_TIMEOUT = 30.0
SECRET = secrets.token_urlsafe(32)


@dataclass
class RawResponse:
    """A parsed HTTP/1.1 response: status, headers (lower-case names) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name.lower():
                return value
        return None

    def cookies(self) -> dict[str, str]:
        """The cookies the response sets (``Set-Cookie``), name to value."""
        jar: SimpleCookie = SimpleCookie()
        for name, value in self.headers:
            if name == "set-cookie":
                jar.load(value)
        return {name: morsel.value for name, morsel in jar.items()}


def raw_request(
    port: int,
    target: str | bytes,
    *,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    timeout: float = 10.0,
    body: bytes = b"",
) -> RawResponse:
    """Send one request with ``target`` exactly as given; ``Connection: close``."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    lines = [method.encode() + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [f"{k}: {v}".encode("latin-1") for k, v in headers or []]
    lines += [b"Connection: close", b"", b""]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"\r\n".join(lines) + body)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return parse_response(b"".join(chunks))


def parse_response(data: bytes) -> RawResponse:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    if ("transfer-encoding", "chunked") in headers:
        body = _dechunk(body)
    return RawResponse(status, headers, body)


def _dechunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process on ``127.0.0.1:port``."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    prefix: str = ""
    log: Path = field(default=Path(os.devnull))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, target: str | bytes, **kwargs: Any) -> RawResponse:
        return raw_request(self.port, target, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _command(kind: str, factory: str, port: int, extra: list[str]) -> list[str]:
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "--factory", factory,
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log", "--lifespan", "off", *extra,
        ]  # fmt: skip
    if kind == "gunicorn":
        return [
            sys.executable, "-m", "gunicorn", "--chdir", str(HERE), "--bind",
            f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning", *extra,
            f"{factory}()",
        ]  # fmt: skip
    raise ValueError(kind)


def start(
    name: str,
    kind: str,
    factory: str,
    *,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    prefix: str = "",
    probe: str = "/health",
    log_dir: Path,
) -> Server:
    """Start a server and wait until ``probe`` answers (any status)."""
    port = free_port()
    log = log_dir / f"{name}.log"
    environment = {**os.environ, "ROUTING_SECRET": SECRET, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(
            _command(kind, factory, port, list(extra)),
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, prefix, log)
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log.read_text()}")
        try:
            server.request(prefix + probe, timeout=2)
            return server
        except (OSError, ValueError, IndexError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{name} did not answer in time:\n{log.read_text()}") from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """``serve(name, kind, factory, extra=[...], env={...}, prefix=...)``; stopped at module end."""
    started: list[Server] = []
    log_dir = tmp_path_factory.mktemp("servers")

    def run(name: str, kind: str, factory: str, **kwargs: Any) -> Server:
        server = start(name, kind, factory, log_dir=log_dir, **kwargs)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()
    for server in started:
        assert server.process.poll() is not None, f"{server.name} still running"


@pytest.fixture(scope="module")
def routing_secret() -> str:
    """The HS256 secret the servers started by ``serve`` verify with."""
    return SECRET


def chromium_console(url: str, profile: Any) -> str:
    """What headless chromium shows (the page's DOM once loaded) and logs (console messages
    included) while loading ``url``; skipped without chromium, failed in CI."""
    if shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: make test-servers installs it")
        pytest.skip("needs Debian's chromium (make test-servers installs it as root)")
    result = subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            "--virtual-time-budget=5000", "--dump-dom", url,
        ],
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout + "\n" + result.stderr
