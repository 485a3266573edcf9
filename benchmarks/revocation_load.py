"""Revocation under load and faults: real servers, real Redis (push mode), bounded runs.

1. A load run per server (uvicorn and gunicorn, 2 workers each) and token count
   (1,000 and 50,000 distinct tokens): requests, statuses, p50/p99, and the
   workers' resident memory over time.
2. Propagation under that load: one revocation, from just before ``revoke`` (the
   PUBLISH) to its first refusal on every worker.
3. Redis faults under load: SIGKILL with AOF (fsync every second), SIGKILL without
   persistence, SIGSTOP for a few seconds. Time to fail closed, time to recover once
   Redis is back, how many revocations survive (in Redis, and as the app enforces
   them), and whether a revoked token was ever accepted.

Each fault run keeps a timeline (requests per status in 250 ms bins) for the plot.
``run(quick)`` returns a dict; everything is skipped when redis-server is missing.
Alone: ``python -m benchmarks.revocation_load [--full]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._redis import RedisProcess, redis_server

ROOT = Path(__file__).resolve().parent.parent
SECRET = "r" * 40
BIN = 0.25  # seconds per timeline bin

CONFIGURATION = {
    "uvicorn": "uvicorn --workers 2, ASGI middleware, Redis push mode (Guard.from_env)",
    "gunicorn": "gunicorn --workers 2 -k gthread --threads 8 --preload, WSGI middleware",
    "gunicorn+uvicorn": "gunicorn --workers 2 -k uvicorn.workers.UvicornWorker, ASGI middleware "
    "(sets TCP_NODELAY, which uvicorn --workers does not)",
}


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how hard; every run is bounded in time and in requests."""

    seconds: float
    connections: int
    token_counts: tuple[int, ...]
    fault_seconds: float
    stop_seconds: float
    revoked: int
    max_requests: int
    servers: tuple[str, ...]
    fault_servers: tuple[str, ...]
    faults: tuple[str, ...] = ("sigkill-aof", "sigkill-no-persistence", "sigstop")

    @classmethod
    def for_mode(cls, quick: bool, *, tiny: bool = False) -> Plan:
        if tiny:
            return cls(
                1.0, 4, (50,), 3.0, 0.6, 5, 20_000, ("uvicorn",), ("uvicorn",),
                ("sigkill-no-persistence",),
            )  # fmt: skip
        if quick:
            return cls(
                10.0, 64, (1_000, 50_000), 12.0, 5.0, 200, 2_000_000,
                ("uvicorn", "gunicorn", "gunicorn+uvicorn"), ("uvicorn",),
            )  # fmt: skip
        return cls(
            30.0, 64, (1_000, 50_000), 16.0, 5.0, 1_000, 5_000_000,
            ("uvicorn", "gunicorn", "gunicorn+uvicorn"), ("uvicorn", "gunicorn"),
        )  # fmt: skip


# -- the server under test ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _gunicorn_options() -> list[str]:
    """gunicorn 27+ opens a control socket shared by every gunicorn of the user: not ours."""
    major = int(importlib.metadata.version("gunicorn").split(".")[0])
    return ["--no-control-socket"] if major >= 27 else []


def _command(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "benchmarks._revocation_app:asgi_app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    if server == "gunicorn+uvicorn":
        return [
            sys.executable, "-m", "gunicorn", "benchmarks._revocation_app:asgi_app",
            "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--worker-class", "uvicorn.workers.UvicornWorker", "--log-level", "warning",
            *_gunicorn_options(),
        ]  # fmt: skip
    return [
        sys.executable, "-m", "gunicorn", "benchmarks._revocation_app:wsgi_app",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--worker-class", "gthread",
        "--threads", "8", "--preload", "--log-level", "warning", *_gunicorn_options(),
    ]  # fmt: skip


@contextlib.contextmanager
def _serving(server: str, redis_url: str) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **os.environ,
        "JWTGUARD_SECRET_KEY": SECRET,
        "JWTGUARD_REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        _command(server, port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _get(port, "/public") != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not start")
            time.sleep(0.05)
        yield port, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _get(port: int, path: str, token: str | None = None) -> int:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if token is not None:
        request += f"Authorization: Bearer {token}\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall((request + "\r\n").encode())
            head = sock.recv(64)
        return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    except OSError:
        return 0


def _workers(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children += [int(c) for c in f.read().split()]
    return children


def _rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class MemorySampler:
    """Samples every worker's resident memory twice a second (Linux ``/proc``)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[tuple[float, float]] = []  # (seconds, MiB of the largest worker)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = time.perf_counter()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            sizes = [s for s in map(_rss_mib, _workers(self.pid)) if s is not None]
            if sizes:
                self.samples.append((round(time.perf_counter() - self._t0, 2), max(sizes)))

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# -- the load -------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Every request of a run: start offset, status (0: connection failed), latency,
    and whether its token had been revoked."""

    start: float = field(default_factory=time.perf_counter)
    times: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    revoked_accepted: int = 0

    def add(self, sent: float, status: int, latency: float, revoked: bool) -> None:
        self.times.append(sent - self.start)
        self.statuses.append(status)
        self.latencies.append(latency)
        if revoked and status == 200:
            self.revoked_accepted += 1

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        n = len(ordered)
        by_status: dict[str, int] = {}
        for status in self.statuses:
            by_status[str(status)] = by_status.get(str(status), 0) + 1
        return {
            "requests": n,
            "rps": round(n / max(self.times[-1], 1e-9), 1) if n else 0.0,
            "statuses": by_status,
            "p50_ms": round(statistics.median(ordered) * 1000, 2) if n else None,
            "p99_ms": round(ordered[min(n - 1, int(n * 0.99))] * 1000, 2) if n else None,
            "revoked_accepted": self.revoked_accepted,
        }

    def timeline(self) -> dict[str, list[int]]:
        """Requests per status class per :data:`BIN` seconds."""
        bins = int(max(self.times, default=0) / BIN) + 1
        lines = {name: [0] * bins for name in ("200", "401", "503", "other")}
        for t, status in zip(self.times, self.statuses, strict=True):
            name = str(status) if status in (200, 401, 503) else "other"
            lines[name][int(t / BIN)] += 1
        return lines


async def _connection(
    port: int,
    pick: Any,
    deadline: float,
    budget: list[int],
    recorder: Recorder,
) -> None:
    reader = writer = None
    while budget[0] > 0 and time.perf_counter() < deadline:
        if writer is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                recorder.add(time.perf_counter(), 0, 0.0, False)
                await asyncio.sleep(0.01)
                continue
        assert reader is not None
        budget[0] -= 1
        token, revoked = pick()
        sent = time.perf_counter()
        try:
            writer.write(
                f"GET /protected HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {token}\r\n\r\n".encode()
            )
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            await reader.readexactly(length)
            recorder.add(sent, int(head.split(b" ", 2)[1]), time.perf_counter() - sent, revoked)
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, IndexError):
            recorder.add(sent, 0, time.perf_counter() - sent, revoked)
            close = True
        if close:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _picker(good: list[str], revoked: list[str]) -> Any:
    """Nine requests in ten carry a good token, one a revoked one."""

    def pick() -> tuple[str, bool]:
        if revoked and random.random() < 0.1:
            return random.choice(revoked), True
        return random.choice(good), False

    return pick


async def _load(
    port: int, plan: Plan, seconds: float, pick: Any, recorder: Recorder, extra: Any = None
) -> Any:
    deadline = time.perf_counter() + seconds
    budget = [plan.max_requests]
    clients = [_connection(port, pick, deadline, budget, recorder) for _ in range(plan.connections)]
    results = await asyncio.gather(*clients, *([extra] if extra is not None else []))
    return results[-1] if extra is not None else None


# -- propagation ----------------------------------------------------------------------------


async def _propagation(
    port: int, token: str, revoke: Any, after: float, workers: int = 2
) -> dict[str, Any]:
    """Revoke ``token`` ``after`` seconds into the load; time its first refusal per worker."""
    await asyncio.sleep(after)
    probes: list[tuple[Any, Any]] = []

    async def ask(reader: Any, writer: Any) -> tuple[int, str]:
        writer.write(
            f"GET /protected HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        worker, length = "", 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"x-worker":
                worker = value.strip().decode()
            elif name.lower() == b"content-length":
                length = int(value)
        await reader.readexactly(length)
        return int(head.split(b" ", 2)[1]), worker

    owners: list[str] = []
    # keep-alive connections stick to one worker each: open them until both workers have
    # some (bounded), so the refusal is timed on every worker
    while len(probes) < 32 and (len(probes) < 8 or len(set(owners) - {""}) < workers):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        probes.append((reader, writer))
        owners.append((await ask(reader, writer))[1])
    sent = time.perf_counter()
    revoke()
    acked = time.perf_counter()
    refused: dict[str, float] = {}

    async def watch(reader: Any, writer: Any, owner: str) -> None:
        # a keep-alive connection stays on its worker (a refusal does not name it)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            if (await ask(reader, writer))[0] == 401:
                now = time.perf_counter()
                refused[owner] = min(refused.get(owner, now), now)
                return

    await asyncio.gather(*(watch(r, w, o) for (r, w), o in zip(probes, owners, strict=True)))
    for _, writer in probes:
        writer.close()
    probed = sorted(set(owners) - {""})
    return {
        "workers_probed": len(probed),
        "revoke_call_ms": round((acked - sent) * 1000, 3),
        "to_refusal_ms": {w: round((refused[w] - sent) * 1000, 3) for w in probed if w in refused},
        "every_worker_refused": all(w in refused for w in probed),
    }


# -- the runs -------------------------------------------------------------------------------


def _issuer() -> Any:
    from jwtguard import Guard

    return Guard(SECRET, algorithms=["HS256"])


def _tokens(count: int, prefix: str) -> list[str]:
    issuer = _issuer()
    return [issuer.issue({"sub": f"{prefix}-{i}"}, ttl=3600) for i in range(count)]


def _store(url: str) -> Any:
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

    store = RedisRevocationStore(RedisConfig(url=url))
    store.start(wait=10)
    return store


def _revoke_tokens(store: Any, tokens: list[str]) -> None:
    issuer = _issuer()
    for token in tokens:
        claims = issuer.verify(token)
        store.revoke(str(claims.jti), float(claims["exp"]))


def load_run(server: str, count: int, plan: Plan, url: str) -> dict[str, Any]:
    """One load run with ``count`` distinct tokens, and a propagation probe in it."""
    good, revoked = _tokens(count, "u"), _tokens(max(1, count // 100), "r")
    target = _tokens(1, "p")[0]
    writer = _store(url)
    try:
        _revoke_tokens(writer, revoked)
        with _serving(server, url) as (port, proc), MemorySampler(proc.pid) as memory:
            recorder = Recorder()
            claims = _issuer().verify(target)

            def revoke() -> None:
                writer.revoke(str(claims.jti), float(claims["exp"]))

            probe = _propagation(port, target, revoke, plan.seconds / 2)
            propagation = asyncio.run(
                _load(port, plan, plan.seconds, _picker(good, revoked), recorder, probe)
            )
    finally:
        writer.close()
    return {
        **recorder.summary(),
        "tokens": count,
        "memory_mib": memory.samples,
        "propagation": propagation,
    }


def fault_run(server: str, fault: str, plan: Plan) -> dict[str, Any]:
    """Load, then the fault at a third of the run; Redis back after a pause."""
    persistence = "aof" if fault == "sigkill-aof" else "none"
    with redis_server(persistence) as redis:
        assert redis is not None
        good, revoked = _tokens(200, "u"), _tokens(plan.revoked, "r")
        writer = _store(redis.url)
        try:
            _revoke_tokens(writer, revoked)
            if persistence == "aof":
                time.sleep(1.1)  # past one AOF fsync (everysec)
            with _serving(server, redis.url) as (port, _proc):
                recorder = Recorder()
                at = plan.fault_seconds / 3
                marks = asyncio.run(
                    _load(
                        port,
                        plan,
                        plan.fault_seconds,
                        _picker(good, revoked),
                        recorder,
                        _inject(redis, fault, at, plan.stop_seconds, recorder),
                    )
                )
                enforced = sum(_get(port, "/protected", t) == 401 for t in revoked)
        finally:
            writer.close()
        kept = _kept_in_redis(redis.url, revoked)
    return {
        **recorder.summary(),
        **_fault_figures(recorder, marks),
        "revocations": len(revoked),
        "kept_in_redis": kept,
        "enforced_by_app": enforced,
        "timeline": recorder.timeline(),
        "marks": marks,
    }


async def _inject(
    redis: RedisProcess, fault: str, at: float, pause: float, recorder: Recorder
) -> dict[str, float]:
    await asyncio.sleep(at)
    marks = {"fault": time.perf_counter() - recorder.start}
    if fault == "sigstop":
        redis.stop()
        await asyncio.sleep(pause)
        redis.cont()
    else:
        redis.kill()
        await asyncio.sleep(min(2.0, pause))
        await asyncio.to_thread(redis.start)
    marks["back"] = time.perf_counter() - recorder.start
    return marks


def _fault_figures(recorder: Recorder, marks: dict[str, float]) -> dict[str, Any]:
    refused = [
        t for t, s in zip(recorder.times, recorder.statuses, strict=True)
        if t >= marks["fault"] and s not in (200, 401)
    ]  # fmt: skip
    return {
        "to_fail_closed_s": round(refused[0] - marks["fault"], 3) if refused else None,
        "recovered_after_s": round(max(0.0, refused[-1] - marks["back"]), 3) if refused else 0.0,
        "refused_requests": len(refused),
    }


def _kept_in_redis(url: str, revoked: list[str]) -> int:
    """How many revocations Redis itself holds now (a fresh store, authoritative check)."""
    store = _store(url)
    try:
        issuer = _issuer()
        return sum(bool(store.check(issuer.verify(t))) for t in revoked)
    finally:
        store.close()


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Every run of the plan; see the module docstring."""
    plan = Plan.for_mode(quick, tiny=tiny)
    results: dict[str, Any] = {
        "bin_seconds": BIN,
        "plan": {
            "seconds": plan.seconds,
            "connections": plan.connections,
            "fault_seconds": plan.fault_seconds,
            "stop_seconds": plan.stop_seconds,
        },
        "load": {},
        "faults": {},
    }
    with redis_server("none") as redis:
        if redis is None:
            return {"skipped": "redis-server not found"}
        for server in plan.servers:
            for count in plan.token_counts:
                if progress:
                    progress(f"load: {server}, {count} tokens")
                results["load"][f"{server}, {count} tokens"] = load_run(
                    server, count, plan, redis.url
                )
    for server in plan.fault_servers:
        for fault in plan.faults:
            if progress:
                progress(f"fault: {server}, {fault}")
            results["faults"][f"{server}, {fault}"] = fault_run(server, fault, plan)
    return results


def table(results: dict[str, Any]) -> str:
    """The results as a small text table."""
    if "skipped" in results:
        return f"skipped: {results['skipped']}"
    lines = [f"{'load run':28} {'requests':>9} {'rps':>8} {'p50 ms':>7} {'p99 ms':>7}  statuses"]
    for name, r in results["load"].items():
        lines.append(
            f"{name:28} {r['requests']:>9} {r['rps']:>8.0f} {r['p50_ms']:>7} {r['p99_ms']:>7}  "
            f"{r['statuses']} revoked accepted: {r['revoked_accepted']}"
        )
    lines.append(f"{'fault':36} {'fail closed s':>13} {'recovered s':>11} {'kept':>9}")
    for name, r in results["faults"].items():
        lines.append(
            f"{name:36} {r['to_fail_closed_s']!s:>13} {r['recovered_after_s']!s:>11} "
            f"{r['kept_in_redis']}/{r['revocations']} (app {r['enforced_by_app']}) "
            f"revoked accepted: {r['revoked_accepted']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    results = run(quick="--full" not in args, progress=lambda m: print(m, file=sys.stderr))
    print(table(results))


if __name__ == "__main__":
    main()
