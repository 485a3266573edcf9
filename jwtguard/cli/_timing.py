"""Side-by-side timing for ``jwtguard bench``: interleaved rounds, medians, per-round ratios.

A shared machine is noisy, so no figure is read alone: each round times one batch
of every contender back to back, in a rotating order, and a ratio is the median
of the per-round ratios, so a slow patch hits numerator and denominator alike.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import Any

__all__ = ["Runner", "Timing", "calls", "side_by_side"]

Runner = Callable[[int], float]
"""Runs ``n`` operations; returns nanoseconds per operation."""

_BATCH_NS = 2_000_000  # one batch: about 2 ms
_MIN_ROUNDS, _MAX_ROUNDS = 3, 500


@dataclass(frozen=True, slots=True)
class Timing:
    """Nanoseconds per operation of one contender, one sample per round."""

    samples: tuple[float, ...]

    @property
    def median_ns(self) -> float:
        """The median over rounds."""
        return statistics.median(self.samples)

    def quartiles_ns(self) -> tuple[float, float]:
        """The first and third quartiles over rounds (how noisy the machine was)."""
        if len(self.samples) < 2:
            return self.median_ns, self.median_ns
        low, _, high = statistics.quantiles(self.samples, n=4)
        return low, high

    def ratio_to(self, floor: Timing) -> float:
        """The median of this contender's per-round ratios to ``floor``."""
        return statistics.median(a / b for a, b in zip(self.samples, floor.samples, strict=True))


def calls(function: Callable[[Any], Any], argument: Any) -> Runner:
    """A runner calling ``function(argument)`` once per operation."""

    def run(n: int) -> float:
        start = time.perf_counter_ns()
        for _ in repeat(None, n):
            function(argument)
        return (time.perf_counter_ns() - start) / n

    return run


def _batch_size(runner: Runner) -> int:
    runner(1)  # warm up: lazily built tables, first-call imports
    n = 1
    while True:
        per_op = runner(n)
        if per_op * n >= 250_000 or n >= 1 << 22:  # 0.25 ms: enough to extrapolate
            return max(1, int(_BATCH_NS / max(per_op, 1.0)))
        n *= 4


def side_by_side(runners: Mapping[str, Runner], seconds: float) -> tuple[dict[str, Timing], int]:
    """Time every runner in interleaved rounds for about ``seconds``; (timings, rounds).

    At least a few rounds run whatever the budget, so every ratio has a median.
    """
    deadline = time.perf_counter() + seconds
    sizes = {name: _batch_size(runner) for name, runner in runners.items()}
    names = list(runners)
    samples: dict[str, list[float]] = {name: [] for name in names}
    collecting = gc.isenabled()
    rounds = 0
    try:
        while rounds < _MIN_ROUNDS or (rounds < _MAX_ROUNDS and time.perf_counter() < deadline):
            gc.collect()
            gc.disable()  # a collection inside one batch would bias that contender only
            shift = rounds % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(runners[name](sizes[name]))
            if collecting:
                gc.enable()
            rounds += 1
    finally:
        if collecting:
            gc.enable()
    return {name: Timing(tuple(values)) for name, values in samples.items()}, rounds
