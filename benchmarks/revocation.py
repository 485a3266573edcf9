"""Revocation on the hot path: what a check adds to a cached verification.

Side by side in one run, per cached ``guard.verify`` (the common request):
no store, the memory store (empty and holding 10 000 entries), the Redis store
in push mode (local denylist), and the Redis round-trip mode. Ratios are to the
no-store case. Also: how long a revocation takes to reach another process
(push mode), measured with wall-clock stamps on one host; and a new process's
first sync of a million live revocations (and its resync after a reconnect), with
the local memory each entry costs.

``run(quick)`` returns a dict; the Redis parts are marked skipped when no
``redis-server`` can be started. Alone: ``python -m benchmarks.revocation [--full]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks._redis import redis_server
from benchmarks._timing import Plan, compare
from jwtguard import Guard
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import TokenFactory

SECRET = "b" * 32


def _cached_guard(revocation: Any) -> tuple[Callable[[str], Any], str]:
    factory = TokenFactory.hs256()
    factory.clock.set(time.time())
    guard = Guard(factory.key, algorithms=["HS256"], revocation=revocation, clock=time.time)
    token = factory.issue(sub="42", fam="F0")
    guard.verify(token)
    return guard.verify, token


def _filled(store: Any, n: int = 10_000) -> Any:
    now = time.time()
    for i in range(n):
        store.revoke(f"other-{i}", now + 3600)
    for i in range(n // 100):
        store.revoke_family(f"fam-{i}", now + 3600)
        store.revoke_subject(f"user-{i}", issued_before=now - 3600, expires_at=now + 3600)
    return store


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


_SYNC_CHILD = """
import gc, json, sys, time, tracemalloc
import redis
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0

traced = sys.argv[2] == "traced"
gc.collect()
before = rss()
if traced:
    tracemalloc.start()
config = RedisConfig(url=sys.argv[1], loss_grace=0, sync_timeout=60, timeout=5)
store = RedisRevocationStore(config)
started = time.perf_counter()
assert store.start()
first = time.perf_counter() - started
gc.collect()
out = {"entries": store.health().entries, "first_sync_s": first}
if traced:
    out["heap_bytes"] = tracemalloc.get_traced_memory()[0]
else:
    out["rss_bytes"] = rss() - before
    syncs = store.health().syncs
    redis.Redis.from_url(sys.argv[1]).client_kill_filter(_type="pubsub")  # a reconnect
    deadline = time.monotonic() + 60
    while store.health().syncs == syncs and time.monotonic() < deadline:
        time.sleep(0.01)
    out["resync_s"] = store.health().last_sync_seconds
store.close()
print(json.dumps(out))
"""


def sync_figures(url: str, count: int) -> dict[str, Any]:
    """A new process's first sync of ``count`` live revocations (and a resync after a
    reconnect): seconds, and local memory per entry (RSS growth; Python heap)."""
    import json

    from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

    writer = RedisRevocationStore(RedisConfig(url=url, loss_grace=0, timeout=5))
    writer.start(wait=10)
    now = time.time()
    started = time.perf_counter()
    # a day of expiries, as "log out everywhere" and long refresh tokens spread them
    writer.revoke_many(
        (f"bulk-{i:08d}-{i * 7919 % 100003}", now + 600 + i % 86400) for i in range(count)
    )
    fill = time.perf_counter() - started
    writer.close()
    timed, traced = (
        json.loads(
            subprocess.run(
                [sys.executable, "-c", _SYNC_CHILD, url, mode],
                capture_output=True, text=True, check=True, timeout=300,
            ).stdout
        )
        for mode in ("timed", "traced")
    )  # fmt: skip
    entries = timed["entries"]
    return {
        "entries": entries,
        "fill_s": round(fill, 2),
        "first_sync_s": round(timed["first_sync_s"], 3),
        "resync_s": round(timed["resync_s"], 3),
        "rss_bytes_per_entry": round(timed["rss_bytes"] / entries, 1),
        "heap_bytes_per_entry": round(traced["heap_bytes"] / entries, 1),
        "target": "1,000,000 entries in under 2 s, about 100 bytes each",
    }


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Measure side by side (interleaved rounds, see ``benchmarks._timing``); return
    per-case nanoseconds, ratios to "no store", and the propagation delay."""
    plan = Plan.for_mode(quick, tiny=tiny)
    results: dict[str, Any] = {"plan": {"rounds": plan.rounds, "batch_ms": plan.batch_ms}}
    contenders: dict[str, Any] = {
        "no store": _cached_guard(None),
        "memory, empty": _cached_guard(MemoryRevocationStore()),
        "memory, 10k entries": _cached_guard(_filled(MemoryRevocationStore())),
    }
    with redis_server() as server:
        url = None if server is None else server.url
        stores: list[Any] = []
        if url is None:
            results["redis"] = "skipped: redis-server not found"
        else:
            from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore

            push = RedisRevocationStore(RedisConfig(url=url))
            push.start(wait=10)
            roundtrip = RedisRevocationStore(RedisConfig(url=url, mode="roundtrip"))
            stores += [push, roundtrip]
            _filled(push, 1_000 if tiny else 10_000)
            contenders["redis push (local denylist)"] = _cached_guard(push)
            contenders["redis round trip"] = _cached_guard(roundtrip)
        try:
            if progress:
                progress("revocation: hot path")
            measured = compare(contenders, plan)
            if url is not None:
                if progress:
                    progress("revocation: propagation")
                results["propagation"] = _propagation_ms(url, 10 if tiny else 50 if quick else 200)
        finally:
            for store in stores:
                store.close()
        if url is not None:
            if progress:
                progress("revocation: first sync of many live revocations")
            results["sync"] = sync_figures(url, 20_000 if tiny else 1_000_000)
    base = measured["no store"]
    results["cached_verify"] = {
        name: {
            "median_ns": round(r.median_ns, 1),
            "quartiles_ns": tuple(round(q, 1) for q in r.spread()),
            "added_ns": round(r.median_ns - base.median_ns, 1),
            "vs_no_store": round(r.ratio_to(base), 3),
        }
        for name, r in measured.items()
    }
    return results


def table(results: dict[str, Any]) -> str:
    """The results as a small text table."""
    lines = [f"{'cached guard.verify':32} {'median ns':>10} {'added ns':>10} {'vs none':>8}"]
    for name, row in results["cached_verify"].items():
        lines.append(
            f"{name:32} {row['median_ns']:>10.0f} {row['added_ns']:>10.0f} "
            f"{row['vs_no_store']:>7.2f}x"
        )
    if "propagation" in results:
        p = results["propagation"]
        lines.append(
            f"propagation to another process ({p['samples']} samples): "
            f"p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, max {p['max_ms']} ms (target < 100 ms)"
        )
    elif "redis" in results:
        lines.append(f"redis: {results['redis']}")
    if "sync" in results:
        y = results["sync"]
        lines.append(
            f"first sync of {y['entries']} live revocations: {y['first_sync_s']} s "
            f"(resync {y['resync_s']} s), {y['heap_bytes_per_entry']} B/entry heap, "
            f"{y['rss_bytes_per_entry']} B/entry RSS (target: {y['target']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    results = run(quick="--full" not in args, progress=lambda m: print(m, file=sys.stderr))
    print(table(results))


if __name__ == "__main__":
    main()
