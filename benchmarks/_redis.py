"""A redis-server of the benchmarks' own on a free loopback port, with the faults they inject.

``persistence``: ``"aof"`` (appendonly, fsync every second: Redis' usual AOF set-up),
``"aof-always"`` or ``"none"``. ``kill`` (SIGKILL), ``stop``/``cont`` (SIGSTOP and
SIGCONT) and ``restart`` (same port and directory) are the faults. The process is
always killed when the ``redis_server`` block ends.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["RedisProcess", "redis_server"]

_PERSISTENCE = {
    "aof": ["--appendonly", "yes", "--appendfsync", "everysec"],
    "aof-always": ["--appendonly", "yes", "--appendfsync", "always"],
    "none": ["--appendonly", "no"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RedisProcess:
    """One redis-server; see the module docstring."""

    def __init__(self, binary: str, directory: Path, persistence: str = "none") -> None:
        self.binary = binary
        self.directory = directory
        self.port = _free_port()
        self.persistence = persistence
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.directory),
                *_PERSISTENCE[self.persistence],
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def cont(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.kill()
        self.start()


@contextlib.contextmanager
def redis_server(persistence: str = "none") -> Iterator[RedisProcess | None]:
    """A started :class:`RedisProcess`, or ``None`` when redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="jwtguard-bench-redis-") as directory:
        server = RedisProcess(binary, Path(directory), persistence)
        try:
            server.start()
            yield server
        finally:
            server.kill()
