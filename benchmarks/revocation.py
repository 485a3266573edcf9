"""Revocation on the hot path: what a check adds to a cached verification.

Side by side in one run, per cached ``guard.verify`` (the common request):
no store, the memory store (empty and holding 10 000 entries), the Redis store
in push mode (local denylist), and the Redis round-trip mode. Ratios are to the
no-store case. Also: how long a revocation takes to reach another process
(push mode), measured with wall-clock stamps on one host.

``run(quick)`` returns a dict; the Redis parts are marked skipped when no
``redis-server`` can be started.
"""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jwtguard import Guard
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import TokenFactory

SECRET = "b" * 32


def _per_call_ns(fn: Callable[[], object], loops: int, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter_ns() - start) / loops)
    return best


def _cached_verify_ns(revocation: Any, loops: int) -> float:
    factory = TokenFactory.hs256()
    factory.clock.set(time.time())
    guard = Guard(factory.key, algorithms=["HS256"], revocation=revocation, clock=time.time)
    token = factory.issue(sub="42", fam="F0")
    guard.verify(token)
    return _per_call_ns(lambda: guard.verify(token), loops)


def _filled(store: Any, n: int = 10_000) -> Any:
    now = time.time()
    for i in range(n):
        store.revoke(f"other-{i}", now + 3600)
    for i in range(n // 100):
        store.revoke_family(f"fam-{i}", now + 3600)
        store.revoke_subject(f"user-{i}", issued_before=now - 3600, expires_at=now + 3600)
    return store


@contextmanager
def _redis_server() -> Iterator[str | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.kill()
            process.wait()


_LISTENER = """
import sys, time
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore
store = RedisRevocationStore(RedisConfig(url=sys.argv[1]))
assert store.start(wait=10)
print("ready", flush=True)
for line in sys.stdin:
    jti = line.strip()
    while not store.denylist.has_jti(jti, 0):
        time.sleep(0.0002)
    print(time.time(), flush=True)
"""


def _propagation_ms(url: str, samples: int) -> dict[str, float]:
    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

    writer = RedisRevocationStore(RedisConfig(url=url))
    child = subprocess.Popen(
        [sys.executable, "-c", _LISTENER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    delays = []
    try:
        assert child.stdout.readline().strip() == "ready"
        for i in range(samples):
            jti = f"prop-{i}"
            child.stdin.write(jti + "\n")
            child.stdin.flush()
            time.sleep(0.005)  # the child is polling for it now
            sent = time.time()
            writer.revoke(jti, sent + 60)
            seen = float(child.stdout.readline())
            delays.append((seen - sent) * 1000)
    finally:
        child.stdin.close()
        child.kill()
        child.wait()
        child.stdout.close()
        writer.close()
    delays.sort()
    return {
        "samples": samples,
        "p50_ms": round(statistics.median(delays), 3),
        "p99_ms": round(delays[min(len(delays) - 1, int(len(delays) * 0.99))], 3),
        "max_ms": round(delays[-1], 3),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure; ``quick`` uses fewer iterations (for CI smoke runs)."""
    loops = 20_000 if quick else 200_000
    results: dict[str, Any] = {}
    base = _cached_verify_ns(None, loops)
    cases: dict[str, float] = {
        "no store": base,
        "memory, empty": _cached_verify_ns(MemoryRevocationStore(), loops),
        "memory, 10k entries": _cached_verify_ns(_filled(MemoryRevocationStore()), loops),
    }
    with _redis_server() as url:
        if url is None:
            results["redis"] = "skipped: redis-server not found"
        else:
            from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

            push = RedisRevocationStore(RedisConfig(url=url))
            push.start(wait=10)
            roundtrip = RedisRevocationStore(RedisConfig(url=url, mode="roundtrip"))
            try:
                _filled(push, 2_000 if quick else 10_000)
                cases["redis push (local denylist)"] = _cached_verify_ns(push, loops)
                cases["redis round trip"] = _cached_verify_ns(roundtrip, max(loops // 50, 500))
                results["propagation"] = _propagation_ms(url, 20 if quick else 200)
            finally:
                push.close()
                roundtrip.close()
    results["cached_verify_ns"] = {k: round(v, 1) for k, v in cases.items()}
    results["ratio_to_no_store"] = {k: round(v / base, 3) for k, v in cases.items()}
    results["added_ns"] = {k: round(v - base, 1) for k, v in cases.items()}
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
