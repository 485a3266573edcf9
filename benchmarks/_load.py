"""Servers and load generators for ``benchmarks.throughput``: loopback only, always bounded.

A server runs in its own process group and is stopped (SIGTERM, then SIGKILL) when
its ``serving`` block ends. A load run stops at its duration or request budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Load", "python_load", "serving", "wrk_load"]

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Load:
    """How hard and how long to push: per route and round."""

    seconds: float
    connections: int
    max_requests: int
    rounds: int
    users: int

    @classmethod
    def for_mode(cls, quick: bool, *, tiny: bool = False) -> Load:
        if tiny:
            return cls(seconds=0.3, connections=4, max_requests=200, rounds=1, users=20)
        if quick:
            return cls(seconds=1.0, connections=32, max_requests=200_000, rounds=7, users=1000)
        return cls(seconds=8.0, connections=64, max_requests=2_000_000, rounds=5, users=10_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _command(server: str, port: int) -> list[str]:
    if server.startswith("uvicorn"):
        http = "httptools" if server == "uvicorn-httptools" else "h11"
        return [
            sys.executable, "-m", "uvicorn", "benchmarks._servers:asgi_app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--http", http,
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    return [
        sys.executable, "-m", "gunicorn", "benchmarks._servers:wsgi_app",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
        "--threads", "8", "--log-level", "warning",
    ]  # fmt: skip


@contextlib.contextmanager
def serving(server: str, secret: str) -> Iterator[int]:
    """Start ``server`` on a free loopback port; always stop it (whole process group)."""
    port = _free_port()
    env = {**os.environ, "JWTGUARD_BENCH_SECRET": secret, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        _command(server, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_ready(proc, port)
        yield port
    finally:
        _stop(proc)


def _wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {err[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"GET /public/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become ready")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc.stderr:
        proc.stderr.close()


# -- load generators --------------------------------------------------------------------

_WRK_SCRIPT = """
local tokens = {%s}
local n = #tokens
math.randomseed(%d)
request = function()
  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[math.random(n)]})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d, "
    .. "\\"errors\\": %%d, \\"non_2xx\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def wrk_load(port: int, path: str, tokens: list[str], load: Load) -> dict[str, Any]:
    """One bounded wrk run (1 thread: the server needs the other core)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % (",".join(f'"{t}"' for t in tokens), random.randrange(1 << 30)))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{load.connections}",
                f"-d{max(1, round(load.seconds))}s",
                "--timeout",
                "5s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=load.seconds + 30,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line[len("RESULT ") :])
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["errors"] + raw["non_2xx"],
    }


async def _client(
    port: int, path: str, tokens: list[str], deadline: float, budget: list[int], lat: list[float]
) -> int:
    errors = 0
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            token = random.choice(tokens)
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode("ascii")
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            lat.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 2"):
                errors += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()
    return errors


def python_load(port: int, path: str, tokens: list[str], load: Load) -> dict[str, Any]:
    """The fallback load generator: keep-alive connections in one asyncio loop."""

    async def main() -> tuple[int, list[float], float]:
        latencies: list[float] = []
        budget = [load.max_requests]
        start = time.perf_counter()
        deadline = start + load.seconds
        errors = await asyncio.gather(
            *(
                _client(port, path, tokens, deadline, budget, latencies)
                for _ in range(load.connections)
            )
        )
        return sum(errors), latencies, time.perf_counter() - start

    errors, latencies, elapsed = asyncio.run(main())
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
    }
