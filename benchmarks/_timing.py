"""Side-by-side timing: contenders interleaved round by round, medians of many batches.

The machine is shared and noisy, so no number is read in isolation: every
round times one batch of each contender back to back (in a rotating order),
and a ratio is the median over rounds of the per-round ratio, so a slow patch
of the machine hits numerator and denominator alike. Batches are timed in the CPU time
of the timing thread (:data:`clock_ns`): what the code costs, without the time the
thread spends descheduled while other processes run on the shared cores.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import Any

__all__ = [
    "Plan",
    "Result",
    "Runner",
    "calibrate",
    "calls",
    "clock_ns",
    "compare",
    "summarise",
    "time_batch",
]

clock_ns = time.thread_time_ns
"""The clock around every timed batch: this thread's CPU time in nanoseconds (the
work is single-threaded and in process; a wall clock would add other processes' turns)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How long to measure: ``rounds`` batches per contender, each about ``batch_ms`` long."""

    rounds: int
    batch_ms: float

    @classmethod
    def for_mode(cls, quick: bool, *, tiny: bool = False) -> Plan:
        if tiny:
            return cls(rounds=3, batch_ms=0.2)
        return cls(rounds=41, batch_ms=3.0) if quick else cls(rounds=101, batch_ms=10.0)


@dataclass(frozen=True, slots=True)
class Result:
    """Per-operation nanoseconds of one contender, one value per round."""

    name: str
    samples: tuple[float, ...]

    @property
    def median_ns(self) -> float:
        return statistics.median(self.samples)

    def ratio_to(self, base: Result) -> float:
        """Median of per-round ratios against ``base`` (measured in the same rounds)."""
        return statistics.median(a / b for a, b in zip(self.samples, base.samples, strict=True))

    def spread(self) -> tuple[float, float]:
        """The first and third quartiles of the per-operation time."""
        if len(self.samples) < 2:
            return self.median_ns, self.median_ns
        q = statistics.quantiles(self.samples, n=4)
        return q[0], q[2]


def time_batch(fn: Callable[[Any], Any], arg: Any, n: int) -> float:
    """Nanoseconds per call of ``fn(arg)`` over ``n`` calls, garbage collector paused."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = clock_ns()
        for _ in repeat(None, n):
            fn(arg)
        elapsed = clock_ns() - start
    finally:
        if gc_was_enabled:
            gc.enable()
    return elapsed / n


Runner = Callable[[int], float]
"""Runs ``n`` operations and returns nanoseconds per operation."""


def calls(fn: Callable[[Any], Any], arg: Any) -> Runner:
    """A runner calling ``fn(arg)`` once per operation."""
    return lambda n: time_batch(fn, arg, n)


def calibrate(runner: Runner, batch_ms: float) -> int:
    """How many operations make one batch of about ``batch_ms`` milliseconds (at least 1)."""
    runner(1)  # warm up: imports, lazily built tables
    n = 1
    while True:
        per_op = runner(n)
        if per_op * n >= 200_000 or n >= 1 << 22:  # 0.2 ms: long enough to extrapolate
            return max(1, int(batch_ms * 1e6 / max(per_op, 1.0)))
        n *= 4


def compare(
    contenders: Mapping[str, tuple[Callable[[Any], Any], Any] | Runner],
    plan: Plan,
    progress: Callable[[], None] | None = None,
) -> dict[str, Result]:
    """Time every contender side by side in ``plan.rounds`` interleaved rounds.

    A contender is ``(fn, arg)`` (one call per operation) or a :data:`Runner`.
    """
    runners = {name: c if not isinstance(c, tuple) else calls(*c) for name, c in contenders.items()}
    sizes = {name: calibrate(runner, plan.batch_ms) for name, runner in runners.items()}
    names = list(runners)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(plan.rounds):
        gc.collect()
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(runners[name](sizes[name]))
        if progress:
            progress()
    return {name: Result(name, tuple(samples[name])) for name in names}


def summarise(measured: Mapping[str, Result], base_of: Callable[[str], str]) -> dict[str, Any]:
    """Per contender: median, quartiles and fastest batch (ns), the median per-round ratio
    to its bare app (``base_of(name)``), that ratio minus one (``overhead``) and the same
    overhead in nanoseconds (``overhead`` times the bare app's median: per-round, like the ratio,
    so a slow patch of the machine does not count as cost)."""
    rows = {}
    for name, result in measured.items():
        base = measured[base_of(name)]
        ratio = result.ratio_to(base)
        rows[name] = {
            "median_ns": result.median_ns,
            "quartiles_ns": result.spread(),
            "best_ns": min(result.samples),
            "vs_bare": ratio,
            "overhead": ratio - 1.0,
            "overhead_ns": (ratio - 1.0) * base.median_ns,
            "base": base_of(name),
        }
    return rows
