"""``python -m benchmarks``: run every benchmark, write raw JSON, PNG plots and docs/benchmarks.md.

Quick mode (the default) fits in a few minutes on 2 cores; ``--full`` measures
longer; ``--tiny`` runs each benchmark once for the test suite. ``--only``
picks benchmarks by name.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from benchmarks._machine import describe

ROOT = Path(__file__).resolve().parent.parent
SUITE = (
    "verify",
    "middleware",
    "throughput",
    "scaling",
    "revocation",
    "revocation_load",
    "dpop",
    "observability",
    "instructions",
)


class Progress:
    """One line per step on stderr: ``[i/n] benchmark: step (elapsed)``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.index = 0
        self.name = ""
        self.start = time.monotonic()

    def begin(self, name: str) -> None:
        self.index += 1
        self.name = name
        self.step("starting")

    def step(self, message: str) -> None:
        elapsed = time.monotonic() - self.start
        print(
            f"[{self.index}/{self.total}] {self.name}: {message}  ({elapsed:5.1f} s)",
            file=sys.stderr,
            flush=True,
        )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--full", action="store_true", help="longer runs, more rounds")
    length.add_argument("--tiny", action="store_true", help="each benchmark once (for tests)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(SUITE)}")
    parser.add_argument("--json", type=Path, help="raw results (default benchmarks/results/)")
    parser.add_argument("--report", type=Path, help="default docs/benchmarks.md")
    parser.add_argument("--img-dir", type=Path, help="default docs/img/")
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="print tables only (raw results only where --json says)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="with --only: keep the other benchmarks' results from the --json file and "
        "render the whole report (the report says which run each part comes from)",
    )
    args = parser.parse_args(argv)
    # Tiny runs only prove the code works, and --no-report asks for tables only: neither may
    # overwrite the committed report or its raw results unless a path is given.
    needed = None in (args.json, args.report, args.img_dir)
    scratch = (args.tiny or args.no_report) and needed
    base = Path(tempfile.mkdtemp(prefix="jwtguard-bench-")) if scratch else ROOT
    mode = "full" if args.full else "tiny" if args.tiny else "quick"
    args.json = args.json or base / "benchmarks" / "results" / f"{mode}.json"
    args.report = args.report or base / "docs" / "benchmarks.md"
    args.img_dir = args.img_dir or base / "docs" / "img"
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    mode = "full" if args.full else "tiny" if args.tiny else "quick"
    names = [n for n in (args.only.split(",") if args.only else SUITE) if n]
    unknown = set(names) - set(SUITE)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    machine = describe(mode)
    progress = Progress(len(names))
    results: dict[str, Any] = {}
    configurations: dict[str, dict[str, str]] = {}
    failed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' deprecation notices are not results
        for name in names:
            progress.begin(name)
            try:
                module = importlib.import_module(f"benchmarks.{name}")
            except ImportError as exc:
                results[name] = {"error": f"not available ({exc})"}
                progress.step("skipped: not available")
                continue
            try:
                results[name] = module.run(
                    quick=not args.full, tiny=args.tiny, progress=progress.step
                )
            except Exception as exc:  # one broken benchmark must not lose the others' numbers
                traceback.print_exc()
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}
                failed.append(name)
                continue
            configurations[name] = getattr(module, "CONFIGURATION", {})
            if hasattr(module, "table"):
                print(f"\n== {name} ==\n{module.table(results[name])}", flush=True)
    progress.step(f"all done in {time.monotonic() - progress.start:.0f} s")
    if hasattr(os, "getloadavg"):
        machine["load_average_end"] = os.getloadavg()
    json_path: Path = args.json
    if args.keep and json_path.is_file():
        results = _kept(json.loads(json_path.read_text()), results, machine)
        for name in results.keys() - configurations.keys():  # the kept ones: what each ran
            configurations[name] = _configuration(name)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(
        json.dumps({"machine": machine, "results": results}, indent=1, default=str) + "\n"
    )
    print(f"raw results: {json_path}", file=sys.stderr)
    if not args.no_report:
        _write_report(args, results, machine, configurations, json_path)
    return 1 if failed else 0


def _configuration(name: str) -> dict[str, str]:
    """What benchmark ``name``'s contenders were configured to do (its ``CONFIGURATION``)."""
    try:
        module = importlib.import_module(f"benchmarks.{name}")
    except ImportError:
        return {}
    return dict(getattr(module, "CONFIGURATION", {}))


def _kept(
    previous: dict[str, Any], fresh: dict[str, Any], machine: dict[str, Any]
) -> dict[str, Any]:
    """``fresh`` results with the others taken from ``previous``, in the suite's order;
    ``machine["kept"]`` records which and from when."""
    kept = {k: v for k, v in previous.get("results", {}).items() if k not in fresh}
    if kept:
        before = previous.get("machine", {})
        machine["kept"] = {
            "names": [n for n in SUITE if n in kept],
            "date": before.get("date"),
            "cpu": before.get("cpu"),
            "load_average": before.get("load_average"),
        }
    merged = {**kept, **fresh}
    return {n: merged[n] for n in SUITE if n in merged}


def _write_report(
    args: argparse.Namespace,
    results: dict[str, Any],
    machine: dict[str, Any],
    configurations: dict[str, dict[str, str]],
    json_path: Path,
) -> None:
    from benchmarks.plots import plot_all
    from benchmarks.report import render

    try:
        images = plot_all(results, args.img_dir)
    except ImportError:
        print("matplotlib not installed: report without plots", file=sys.stderr)
        images = {}
    report = args.report.resolve()
    img_prefix = _relative(args.img_dir.resolve(), report.parent)
    command = "make bench" + (" ARGS=--full" if args.full else "")
    text = render(
        results,
        machine,
        images,
        configurations,
        img_prefix=f"{img_prefix}/" if img_prefix != "." else "",
        json_path=_relative(json_path.resolve(), report.parent),
        command=command,
    )
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text)
    print(f"report: {report}", file=sys.stderr)


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


if __name__ == "__main__":
    sys.exit(main())
