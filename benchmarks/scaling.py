"""How jwtguard's cost scales: cache size, token size, distinct tokens, memory, eviction.

Look-ups use a fresh copy of the token string each time, as a server does (the
header bytes are decoded per request, so the string's hash is not cached yet).
Large caches are filled through the cache's own ``put`` with distinct token-shaped
strings and real :class:`Claims` (verifying a million signed tokens would take
minutes); the measured look-ups are ordinary ``guard.verify`` calls.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks._material import AUDIENCE, ISSUER, Material, claims_for
from benchmarks._timing import Plan, Runner, clock_ns, compare
from jwtguard.cli._floors import entries_floor

__all__ = ["run"]


def _fresh(token: str) -> str:
    """An equal string that is a different object, its hash not computed yet."""
    return (token + " ")[:-1]


def _lookup_runner(verify: Callable[[str], Any], sample: list[str]) -> Runner:
    """Verify ``n`` fresh copies of tokens drawn in order from ``sample``."""
    pos = [0]

    def run(n: int) -> float:
        start_at = pos[0]
        batch = [_fresh(sample[(start_at + i) % len(sample)]) for i in range(n)]
        pos[0] = (start_at + n) % len(sample)
        gc.disable()
        try:
            start = clock_ns()
            for token in batch:
                verify(token)
            return (clock_ns() - start) / n
        finally:
            gc.enable()

    return run


def _guard(material: Material, **options: Any) -> Any:
    from jwtguard import Guard

    return Guard(
        material.verify_key, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, **options
    )


def cache_size_scan(material: Material, sizes: list[int], plan: Plan) -> list[dict[str, Any]]:
    """Cache-hit cost with the cache holding ``size`` entries, against a plain dict as large."""
    from jwtguard.claims import Claims

    template = material.token(claims_for("template"))
    head, _, _ = template.rpartition(".")
    exp = float(claims_for(0)["exp"])
    rows = []
    for size in sizes:
        guard = _guard(material, cache_size=size)
        real = [material.token(claims_for(u)) for u in range(min(size, 200))]
        for token in real:
            guard.verify(token)
        floor_entries: dict[str, tuple[Any, float]] = {}
        cache = guard._cache  # filled directly: see the module docstring
        filler = claims_for(0)
        for i in range(size - len(real)):
            token = f"{head}.{i:043d}"
            claims = Claims(filler)
            cache.put(token, claims, exp)
            floor_entries[token] = (claims, exp)
        for token in real:
            floor_entries[token] = (guard.verify(token), exp)
        sample = random.sample(real, len(real))
        measured = compare(
            {
                "jwtguard hit": _lookup_runner(guard.verify, sample),
                "dict + exp": _lookup_runner(entries_floor(floor_entries), sample),
            },
            plan,
        )
        ours, floor = measured["jwtguard hit"], measured["dict + exp"]
        rows.append(
            {
                "entries": len(guard._cache),
                "hit_ns": ours.median_ns,
                "dict_floor_ns": floor.median_ns,
                "vs_dict_floor": ours.ratio_to(floor),
            }
        )
        del guard, cache, floor_entries, measured
        gc.collect()
    return rows


def token_size_scan(material: Material, extras: list[int], plan: Plan) -> list[dict[str, Any]]:
    """Hit and uncached cost as the token grows (claims padded with roles)."""
    from benchmarks._verifiers import floor_verifier

    rows = []
    for extra in extras:
        token = material.token(claims_for(1, extra=extra))
        cached = _guard(material, max_token_bytes=65536)
        uncached = _guard(material, max_token_bytes=65536, cache_size=0)
        cached.verify(token)
        measured = compare(
            {
                "hit": _lookup_runner(cached.verify, [token]),
                "uncached": _lookup_runner(uncached.verify, [token]),
                "floor": _lookup_runner(floor_verifier(material), [token]),
            },
            plan,
        )
        rows.append(
            {
                "token_bytes": len(token),
                "hit_ns": measured["hit"].median_ns,
                "uncached_ns": measured["uncached"].median_ns,
                "floor_ns": measured["floor"].median_ns,
                "uncached_vs_floor": measured["uncached"].ratio_to(measured["floor"]),
            }
        )
    return rows


def distinct_tokens_scan(
    material: Material, capacity: int, counts: list[int], requests: int
) -> list[dict[str, Any]]:
    """Mean cost per request when ``count`` distinct tokens arrive in random order."""
    pool = [material.token(claims_for(u)) for u in range(max(counts))]
    rows = []
    for count in counts:
        guard = _guard(material, cache_size=capacity)
        tokens = pool[:count]
        for token in tokens[-capacity:]:  # steady state: the cache is already warm
            guard.verify(token)
        before = guard.stats()
        stream = [_fresh(random.choice(tokens)) for _ in range(requests)]
        gc.disable()
        try:
            start = clock_ns()
            for token in stream:
                guard.verify(token)
            elapsed = clock_ns() - start
        finally:
            gc.enable()
        after = guard.stats()
        hits = after.hits - before.hits
        rows.append(
            {
                "distinct_tokens": count,
                "cache_size": capacity,
                "hit_ratio": hits / requests,
                "mean_ns": elapsed / requests,
            }
        )
    return rows


def memory_per_entry(material: Material, count: int) -> dict[str, Any]:
    """Bytes the cache holds per verified token (tracemalloc), with and without the token text."""
    guard = _guard(material, cache_size=count)
    tokens = [material.token(claims_for(u)) for u in range(count)]
    guard.verify(tokens[0])  # warm the header cache and the code paths
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for token in tokens[1:]:
        guard.verify(token)
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    entries = count - 1
    structures = (current - base) / entries
    text = statistics.mean(sys.getsizeof(t) for t in tokens)
    return {
        "entries": entries,
        "token_chars": statistics.mean(len(t) for t in tokens),
        "bytes_per_entry_without_token": structures,
        "token_string_bytes": text,
        "bytes_per_entry_with_token": structures + text,
        "claims": sorted(claims_for(0)),
    }


def kid_scan(counts: list[int], plan: Plan) -> list[dict[str, Any]]:
    """Uncached verification as the key set grows: the ``kid`` look-up should not show."""
    import secrets

    import jwt

    from jwtguard import Guard, Key, KeySet

    contenders: dict[str, Runner] = {}
    for count in counts:
        raw = [secrets.token_bytes(32) for _ in range(count)]
        keys = KeySet(Key.from_secret(r, "HS256", kid=f"key-{i}") for i, r in enumerate(raw))
        guard = Guard(keys, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER, cache_size=0)
        token = jwt.encode(
            claims_for(1), raw[-1], algorithm="HS256", headers={"kid": f"key-{count - 1}"}
        )
        contenders[str(count)] = _lookup_runner(guard.verify, [token])
    measured = compare(contenders, plan)
    first = measured[str(counts[0])]
    return [
        {
            "keys": int(name),
            "uncached_ns": r.median_ns,
            f"vs_{counts[0]}_key": r.ratio_to(first),
        }
        for name, r in measured.items()
    ]


def eviction_scan(material: Material, capacity: int, plan: Plan) -> dict[str, Any]:
    """A miss that must evict (full cache, cyclic scan over 2x capacity) vs no cache at all."""
    pool = [material.token(claims_for(u)) for u in range(2 * capacity)]
    full = _guard(material, cache_size=capacity)
    for token in pool[capacity:]:
        full.verify(token)
    none = _guard(material, cache_size=0)
    measured = compare(
        {
            "miss + insert + evict": _lookup_runner(full.verify, pool),
            "miss, cache off": _lookup_runner(none.verify, pool),
        },
        plan,
    )
    evicting, off = measured["miss + insert + evict"], measured["miss, cache off"]
    stats = full.stats()
    return {
        "capacity": capacity,
        "evicting_miss_ns": evicting.median_ns,
        "no_cache_miss_ns": off.median_ns,
        "ratio": evicting.ratio_to(off),
        "hits_during_scan": stats.hits,
    }


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Every scaling measurement for HS256 tokens."""
    material = Material.make("HS256")
    plan = Plan.for_mode(quick, tiny=tiny)
    if tiny:
        sizes, extras, counts, capacity, requests = [1000], [0, 1000], [100, 400], 200, 2000
    elif quick:
        sizes = [1_000, 10_000, 100_000]
        extras, counts, capacity, requests = (
            [0, 1000, 4000],
            [1_000, 5_000, 10_000, 20_000],
            5_000,
            20_000,
        )
    else:
        sizes = [1_000, 10_000, 100_000, 1_000_000]
        extras = [0, 500, 1000, 2000, 4000, 8000]
        counts, capacity, requests = [1_000, 5_000, 10_000, 20_000, 50_000], 10_000, 100_000
    out: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("cache_size", lambda: cache_size_scan(material, sizes, plan)),
        ("token_size", lambda: token_size_scan(material, extras, plan)),
        ("distinct_tokens", lambda: distinct_tokens_scan(material, capacity, counts, requests)),
        ("kid_lookup", lambda: kid_scan([1, 10] if tiny else [1, 10, 100, 1000], plan)),
        ("memory", lambda: memory_per_entry(material, 200 if tiny else 10_000)),
        ("eviction", lambda: eviction_scan(material, 200 if tiny else 2_000, plan)),
    ]
    for name, step in steps:
        if progress:
            progress(f"scaling {name}")
        out[name] = step()
    return out


def table(out: dict[str, Any]) -> str:
    """Plain-text summary."""
    lines = ["cache size: entries, hit ns, dict floor ns, ratio"]
    lines += [
        f"  {r['entries']:>9} {r['hit_ns']:>8.0f} {r['dict_floor_ns']:>8.0f}"
        f" {r['vs_dict_floor']:.2f}"
        for r in out["cache_size"]
    ]
    lines.append("token size: bytes, hit ns, uncached ns, floor ns, uncached/floor")
    lines += [
        f"  {r['token_bytes']:>6} {r['hit_ns']:>8.0f} {r['uncached_ns']:>8.0f} "
        f"{r['floor_ns']:>8.0f} {r['uncached_vs_floor']:.2f}"
        for r in out["token_size"]
    ]
    lines.append("distinct tokens: count, cache size, hit ratio, mean ns")
    lines += [
        f"  {r['distinct_tokens']:>7} {r['cache_size']:>6} {r['hit_ratio']:.3f}"
        f" {r['mean_ns']:>9.0f}"
        for r in out["distinct_tokens"]
    ]
    lines.append("keys in the set: count, uncached ns, ratio to one key")
    lines += [
        f"  {r['keys']:>6} {r['uncached_ns']:>8.0f} {r['vs_1_key']:.2f}" for r in out["kid_lookup"]
    ]
    m = out["memory"]
    lines.append(
        f"memory: {m['bytes_per_entry_without_token']:.0f} B/entry + token string "
        f"{m['token_string_bytes']:.0f} B = {m['bytes_per_entry_with_token']:.0f} B"
    )
    e = out["eviction"]
    lines.append(
        f"eviction: evicting miss {e['evicting_miss_ns']:.0f} ns vs no-cache miss "
        f"{e['no_cache_miss_ns']:.0f} ns: {e['ratio']:.2f}x"
        f" (hits during scan {e['hits_during_scan']})"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(
        quick="--full" not in sys.argv[1:],
        tiny="--tiny" in sys.argv[1:],
        progress=lambda m: print(m, file=sys.stderr),
    )
    print(table(result))
