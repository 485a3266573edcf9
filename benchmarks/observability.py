"""What metrics cost on a cache hit: the same decision with and without the exporters.

Side by side in one run, on the adapters' hot path (``Pipeline.decide_on_authorization``
with a token verified once before timing, so every timed call is a cache hit):

* ``metrics off``: a Guard and its pipeline, no exporter;
* ``metrics on``: the same on another Guard with the Prometheus collector registered
  (a fresh prometheus_client registry) and the OpenTelemetry instruments on an SDK
  MeterProvider (an in-memory reader);
* ``a counted decision``: one call of a decision counter (what the pipeline adds to
  every decision, exporters or not: an ``itertools.count`` step, no lock), less
  ``an empty call`` (the timing loop's own cost);
* ``scrape``: one ``generate_latest`` of the registry (done by Prometheus, every 15 s
  or so, not per request).

The target (issue 13): metrics on costs at most a few hundred nanoseconds more than
metrics off on a cache hit: the ratio ``on / off`` (median of per-round ratios) at most
1.15, and the added nanoseconds at most 300. ``python -m benchmarks.observability``.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import CollectorRegistry, generate_latest

from benchmarks._timing import Plan, Result, compare, summarise
from jwtguard import Guard
from jwtguard.http import Pipeline
from jwtguard.observability.otel import instrument
from jwtguard.observability.prometheus import register
from jwtguard.testing import TokenFactory

__all__ = ["CONFIGURATION", "run", "table"]

RATIO_LIMIT = 1.15
ADDED_NS_LIMIT = 300.0

CONFIGURATION = {
    "metrics off": "Pipeline(guard).decide_on_authorization('GET', '/items', b'Bearer <token>'),"
    " the token verified before timing (HS256): a cache hit",
    "metrics on": "the same with jwtguard.observability.prometheus.register(guard, registry) "
    "and jwtguard.observability.otel.instrument(guard, MeterProvider(InMemoryMetricReader))",
    "a counted decision": "guard.decisions.counter('asgi', 'allowed')(): one itertools.count step",
    "an empty call": "the timing loop's own cost per call (subtracted from the counted decision)",
    "scrape": "prometheus_client.generate_latest(registry) of the 'metrics on' guard",
}


def _pipeline(factory: TokenFactory, token: str) -> tuple[Guard, Pipeline]:
    guard = factory.guard(clock=time.time)
    pipeline = Pipeline(guard, adapter="asgi")
    assert type(pipeline.decide_on_authorization("GET", "/items", token)).__name__ == "Claims"
    return guard, pipeline


def run(quick: bool = True, *, tiny: bool = False, progress: Any = None) -> dict[str, Any]:
    """Measure side by side; return per-case nanoseconds and the targets."""
    plan = Plan.for_mode(quick, tiny=tiny)
    factory = TokenFactory.hs256()
    factory.clock.set(time.time())
    token = factory.issue(sub="42", ttl=3600)
    header = f"Bearer {token}".encode()
    _, off = _pipeline(factory, header.decode())
    guard, on = _pipeline(factory, header.decode())
    registry = CollectorRegistry()
    register(guard, registry)
    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    instrument(guard, provider)
    count = guard.decisions.counter("asgi", "allowed")
    if progress:
        progress("observability: cache hits")
    # three comparisons, so each pair is timed close together: on/off, counter/empty
    measured = compare(
        {
            "metrics off": (lambda _: off.decide_on_authorization("GET", "/items", header), None),
            "metrics on": (lambda _: on.decide_on_authorization("GET", "/items", header), None),
        },
        plan,
    )
    measured |= compare(
        {"a counted decision": (lambda _: count(), None), "an empty call": (lambda _: None, None)},
        plan,
    )
    measured |= compare({"scrape": (lambda _: generate_latest(registry), None)}, plan)
    provider.shutdown()
    pair = {name: measured[name] for name in ("metrics off", "metrics on")}
    rows = summarise(pair, lambda name: "metrics off")
    added = rows["metrics on"]["overhead_ns"]
    ratio = rows["metrics on"]["vs_bare"]
    best = min(measured["metrics on"].samples) / min(measured["metrics off"].samples)
    return {
        "plan": {"rounds": plan.rounds, "batch_ms": plan.batch_ms},
        "cases": {
            name: {
                "median_ns": round(result.median_ns, 1),
                "quartiles_ns": tuple(round(q, 1) for q in result.spread()),
                "vs_off": round(rows[name]["vs_bare"], 3) if name in rows else None,
            }
            for name, result in measured.items()
        },
        "added_ns": round(added, 1),
        "counter_ns": round(
            _per_round_difference(measured["a counted decision"], measured["an empty call"]), 1
        ),
        "targets": [
            {
                "target": "metrics on / off, a cache hit through the pipeline",
                "measured": ratio,
                "best_of_rounds": best,
                "limit": RATIO_LIMIT,
                "met": ratio <= RATIO_LIMIT,
                "unit": "x",
            },
            {
                "target": "nanoseconds metrics add to a cache hit",
                "measured": added,
                "limit": ADDED_NS_LIMIT,
                "met": added <= ADDED_NS_LIMIT,
                "unit": "ns",
            },
        ],
    }


def _per_round_difference(result: Result, base: Result) -> float:
    """Median over rounds of ``result - base`` (nanoseconds), each pair from one round."""
    pairs = zip(result.samples, base.samples, strict=True)
    return statistics.median(a - b for a, b in pairs)


def table(results: dict[str, Any]) -> str:
    """The results as a small text table."""
    lines = [f"{'case':24} {'median ns':>10} {'vs off':>8}"]
    for name, row in results["cases"].items():
        ratio = "" if row["vs_off"] is None else f"{row['vs_off']:.2f}x"
        lines.append(f"{name:24} {row['median_ns']:>10.0f} {ratio:>8}")
    best = results["targets"][0]["best_of_rounds"]
    lines.append(
        f"metrics add {results['added_ns']:.0f} ns to a cache hit (best of rounds: {best:.2f}x)"
    )
    lines.append(f"a counted decision: {results['counter_ns']:.0f} ns")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    results = run(quick="--full" not in args, progress=lambda m: print(m, file=sys.stderr))
    print(table(results))


if __name__ == "__main__":
    main()
