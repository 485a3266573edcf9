"""CI's bounded sample: which mutants it runs, and how it is judged.

A few mutants per module cannot estimate that module's score (one survivor in six reads
83%), so the sample is judged on the score of all sampled mutants together, and every
survivor is printed with its file and line. The choice depends only on the seed (the
commit) and the code, never on the machine's speed, so a commit always gets the same
sample. Half of each module's share (rounded up) is drawn from the lines changed since
the last full report (``--focus-since``), which no recorded run has judged yet.
"""

from __future__ import annotations

import math
import random
import re
import subprocess
from collections.abc import Collection, Sequence
from pathlib import Path

from tools.mutation.operators import Mutant

__all__ = ["below_bar", "changed_lines", "choose"]

_HUNK = re.compile(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def changed_lines(root: Path, since: str, path: str) -> set[int] | None:
    """Lines of ``path`` (in the work tree) added or changed since commit ``since``
    (a deletion marks the lines on both sides of it); ``None`` when git cannot say."""
    try:
        diff = subprocess.run(  # noqa: S603 - fixed argv
            ["git", "diff", "--no-color", "--no-ext-diff", "-U0", since, "--", path],  # noqa: S607
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    lines: set[int] = set()
    for start, count in _HUNK.findall(diff):
        first, length = int(start), 1 if count == "" else int(count)
        lines.update(range(first, first + length) if length else (first, first + 1))
    return lines


def choose(
    module: str, todo: Sequence[Mutant], count: int, seed: str, changed: Collection[int] = ()
) -> list[Mutant]:
    """``count`` of ``module``'s ``todo`` (all when fewer), in walk order: up to half
    (rounded up) on ``changed`` lines, the rest from anywhere in the module."""
    rng = random.Random(f"{seed}:{module}")  # noqa: S311 - not for security
    focus = [m for m in todo if m.line in changed]
    chosen = rng.sample(focus, min(len(focus), -(-count // 2)))
    rest = [m for m in todo if m not in chosen]
    chosen += rng.sample(rest, min(len(rest), count - len(chosen)))
    return sorted(chosen, key=lambda m: m.index)


def below_bar(run: int, survived: int, bar: float, chance: float = 0.01) -> bool:
    """Whether ``survived`` of ``run`` sampled mutants are too many for a module that
    scores ``bar`` percent: a module at the bar shows that many less than ``chance`` of
    the time (binomial tail). With 10 run and a bar of 95%, that is 4 survivors or more."""
    p = 1.0 - bar / 100.0
    tail = sum(math.comb(run, k) * p**k * (1.0 - p) ** (run - k) for k in range(survived, run + 1))
    return survived > 0 and tail < chance
