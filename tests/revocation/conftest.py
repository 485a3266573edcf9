"""A real redis-server per test on a free loopback port, killed at the end.

With ``CI=true`` a missing or failing redis-server fails the test; elsewhere it
skips with the reason (``apt-get install redis-server`` fixes it).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"redis-server is required in CI: {reason}")
    pytest.skip(f"needs redis-server ({reason}); apt-get install redis-server")


class RedisServer:
    """One redis-server process; data persists in ``directory`` (AOF, fsync always)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            _unavailable("not installed")
        command = [
            str(binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(self.directory),
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                _unavailable(f"exited with status {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        self.kill()
        _unavailable("did not answer PING within 10 s")

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (like a network partition)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: no shutdown save; only what was fsynced survives."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def redis_store_factory(redis_server: RedisServer) -> Iterator[Any]:
    """Builds started sync Redis stores on the test server; closes them all at the end."""
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

    stores: list[RedisRevocationStore] = []

    def make(**options: Any) -> RedisRevocationStore:
        clock = options.pop("clock", time.time)
        store = RedisRevocationStore(RedisConfig(url=redis_server.url, **options), clock=clock)
        if store.config.mode == "push":
            assert store.start(wait=10)
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()
