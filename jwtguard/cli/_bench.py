"""``jwtguard bench``: what verification costs on this machine, with the floor beside it.

The key, algorithm and policy are the ``JWTGUARD_*`` configuration's (or an
ephemeral key for ``--alg``), the token is the user's own (``--token``), one
re-signed like it, or a typical access token. Each jwtguard path is timed side
by side with its floor (see ``_floors``) and reported as a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import os
import platform
import time
from typing import TYPE_CHECKING, Any

from jwtguard import __version__
from jwtguard.cli._bench_subject import Timed, chosen_token, subject_for, unverified
from jwtguard.cli._common import read_token
from jwtguard.cli._serve import ADAPTERS
from jwtguard.cli._table import table
from jwtguard.cli._timing import Timing, side_by_side
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS

if TYPE_CHECKING:
    from jwtguard.cli._contenders import Row

__all__ = ["configure_bench"]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _report(
    args: argparse.Namespace,
    timed: Timed,
    timings: dict[str, Timing],
    rows: list[Row],
    rounds: int,
    elapsed: float,
) -> dict[str, Any]:
    subject = timed.subject
    results = []
    for row in rows:
        timing = timings[row.name]
        floor = timings.get(row.name + ".floor")
        result: dict[str, Any] = {
            "name": row.name,
            "label": row.label,
            "ns": timing.median_ns,
            "quartiles_ns": list(timing.quartiles_ns()),
            "floor": None if floor is None else {"label": row.floor_label, "ns": floor.median_ns},
            "ratio": None if floor is None else timing.ratio_to(floor),
        }
        bare = timings.get(row.name + ".bare")
        if bare is not None:
            result["bare_app_ns"] = bare.median_ns
        results.append(result)
    return {
        "algorithm": timed.algorithm,
        "key": subject.key_source,
        "token": {"source": timed.token_source, "bytes": len(timed.token)},
        "audience": list(subject.audience),
        "issuer": subject.issuer,
        "revocation": "not included",
        "security_headers": "the defaults" if args.adapter != "none" else None,
        "rounds": rounds,
        "seconds": round(elapsed, 2),
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "cpus": os.cpu_count(),
            "jwtguard": __version__,
            "cryptography": _version("cryptography"),
        },
        "notes": list(subject.notes),
        "results": results,
    }


def _bench(args: argparse.Namespace) -> int:
    theirs = None if args.token is None else read_token(args.token)
    if theirs is not None:
        unverified(theirs)  # a usage error before any key is made
    subject = subject_for(args)
    timed = Timed.of(subject, *chosen_token(args, subject, subject.make_guard(False), theirs))
    # Imported here rather than at the top: the ASGI adapter imports Starlette when it is
    # installed, and every other jwtguard command starts without loading a web framework.
    from jwtguard.cli._contenders import Target, contenders

    target = Target(
        timed.token,
        timed.algorithm,
        timed.key,
        subject.audience,
        subject.issuer,
        uncached=subject.make_guard(False),
        cached=subject.make_guard(True),
    )
    loop = asyncio.new_event_loop()
    try:
        started = time.perf_counter()
        adapter = None if args.adapter == "none" else args.adapter
        runners, rows = contenders(target, adapter, loop)
        timings, rounds = side_by_side(runners, args.seconds - (time.perf_counter() - started))
        elapsed = time.perf_counter() - started
    finally:
        loop.close()
    report = _report(args, timed, timings, rows, rounds, elapsed)
    print(json.dumps(report, indent=2) if args.json else table(report))
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number of seconds, e.g. 2") from None
    if not 0.05 <= value <= 600:
        raise argparse.ArgumentTypeError("between 0.05 and 600 seconds")
    return value


def configure_bench(bench: argparse.ArgumentParser) -> None:
    """The arguments of ``bench``."""
    bench.add_argument(
        "--alg",
        choices=sorted(SUPPORTED_ALGORITHMS),
        metavar="ALG",
        help="time an ephemeral key of this algorithm instead of the JWTGUARD_* key",
    )
    bench.add_argument(
        "--token",
        metavar="TOKEN",
        help="one of your tokens (- reads standard input): timed as is when the configuration "
        "accepts it, else re-signed with the same claims",
    )
    bench.add_argument(
        "--adapter",
        choices=(*ADAPTERS, "none"),
        default="asgi",
        help="also time a request through this middleware, in process (default: asgi)",
    )
    bench.add_argument("--seconds", type=_seconds, default=2.0, help="time budget (default: 2)")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.set_defaults(func=_bench)
