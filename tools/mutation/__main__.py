"""Mutation testing of jwtguard's decisions: ``python -m tools.mutation --help``.

``make mutate`` runs every mutant and rewrites docs/mutation.md; ``make mutate-sample`` is
CI's bounded sample (tools/mutation/sample.py says how it is chosen and judged). Mutants
run one at a time (never in parallel: the machines are shared), each against its module's
own tests (tools/mutation/targets.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tools.mutation.operators import Mutant, mutants_of, mutated_code
from tools.mutation.report import (
    EQUIVALENT,
    NOT_RUN,
    Tally,
    read_equivalents,
    render_report,
    summary_rows,
)
from tools.mutation.runner import KILLED, SURVIVED, TIMEOUT, BaselineError, Runner, module_name
from tools.mutation.sample import below_bar, changed_lines, choose
from tools.mutation.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENTS = ROOT / "tools" / "mutation" / "equivalent.txt"
RESULTS = ROOT / ".mutation" / "results.json"


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.mutation",
        description="Mutate each target module, one change at a time, and run its own tests.",
    )
    parser.add_argument(
        "--module", action="append", default=[], help="only this target (repeatable)"
    )
    parser.add_argument("--sample", type=int, default=0, help="run N random mutants per module")
    parser.add_argument("--seed", default="0", help="seed of --sample (any text)")
    parser.add_argument(
        "--focus-since",
        metavar="REV",
        help="--sample draws half of each module's share from lines changed since REV",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=3600.0,
        help="start no mutant after this many seconds (the rest are 'not run')",
    )
    parser.add_argument(
        "--min-score", type=float, help="exit 1 when a module scores below this percentage"
    )
    parser.add_argument(
        "--bar",
        type=float,
        help="exit 1 when all the mutants run together score below this percentage, or a "
        "module has more survivors than one at this score shows 99%% of the time",
    )
    parser.add_argument(
        "--report", type=Path, help="write the Markdown report here (complete runs only)"
    )
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="keep the last run's kills (.mutation/results.json), run only the rest",
    )
    parser.add_argument(
        "--no-preload",
        action="store_true",
        help="import nothing in the parent (each child imports all; slower, never shared state)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument(
        "--render",
        action="store_true",
        help="write --report from each target's last runs (.mutation/results.json), run nothing",
    )
    return parser.parse_args(argv)


class Session:
    """One run over the selected targets, within one time budget."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.equivalents = read_equivalents(EQUIVALENTS)
        self.previous = _load_results() if args.rerun_survivors else {}
        # A sample runs a few mutants of many modules: importing per child costs little
        # there, and one module's preloaded imports broke another's tests (the asyncio
        # Redis store's after the sync protocol tests'), so a sample preloads nothing.
        self.runner = Runner(ROOT, preload=not (args.sample or args.no_preload))
        self.started = time.monotonic()
        self.skipped = 0
        """Mutants this run chose but did not run: the budget ran out first."""

    def plan(self, module: str, mutants: list[Mutant]) -> tuple[dict[Mutant, str], list[Mutant]]:
        """Outcomes known without running (equivalent, kept, sampled out), and the rest."""
        known: dict[Mutant, str] = {}
        todo: list[Mutant] = []
        for m in mutants:
            if m.key in self.equivalents:
                known[m] = EQUIVALENT
            elif self.previous.get(m.key) in (KILLED, TIMEOUT):
                known[m] = self.previous[m.key]
            else:
                todo.append(m)
        if self.args.sample:
            changed: set[int] = set()
            if self.args.focus_since:
                found = changed_lines(ROOT, self.args.focus_since, module)
                if found is None:
                    print(f"{module}: no diff since {self.args.focus_since}", file=sys.stderr)
                changed = found or set()
            chosen = choose(module, todo, self.args.sample, self.args.seed, changed)
            known.update({m: NOT_RUN for m in todo if m not in chosen})
            todo = chosen
        return known, todo

    def run(self, module: str, tests: tuple[str, ...], mutants: list[Mutant]) -> Tally:
        outcomes, todo = self.plan(module, mutants)
        if todo and time.monotonic() - self.started > self.args.budget:
            outcomes.update(dict.fromkeys(todo, NOT_RUN))  # not even the baseline
            self.skipped += len(todo)
            print(f"{module}: time budget reached, {len(todo)} mutants not run", flush=True)
            return Tally(module, dict(sorted(outcomes.items(), key=lambda kv: kv[0].index)))
        baseline = self.runner.baseline(tests)
        timeout = max(10.0, 4 * baseline + 5)
        print(f"{module}: {len(todo)} mutants to run (tests {baseline:.1f}s)", flush=True)
        path, name = ROOT / module, module_name(module)
        # The control: the unmutated module served as a mutant is, in a child whose parent
        # preloaded imports. Preloaded state once broke a module's tests there, and then
        # every mutant counted as killed.
        if todo and not self.args.sample and not self.args.no_preload:
            original = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            control = self.runner.run(tests, name, path, original, timeout)
            if control != SURVIVED:
                print(
                    f"{module}: not run: the unmutated module fails its tests in a mutant's "
                    f"child ({control}) after the preload; run it alone with --no-preload",
                    file=sys.stderr,
                )
                outcomes.update(dict.fromkeys(todo, NOT_RUN))
                return Tally(module, dict(sorted(outcomes.items(), key=lambda kv: kv[0].index)))
        for m in todo:
            if time.monotonic() - self.started > self.args.budget:
                outcomes[m] = NOT_RUN
                self.skipped += 1
                continue
            outcomes[m] = self.runner.run(tests, name, path, mutated_code(path, m.index), timeout)
            if outcomes[m] == SURVIVED:
                print(f"  survived {module}:{m.line}: {m.description} in `{m.source_line}`")
        tally = Tally(module, dict(sorted(outcomes.items(), key=lambda kv: kv[0].index)))
        score = "" if tally.score is None else f" ({tally.score:.1f}%)"
        print(f"  {tally.killed}/{tally.scored} killed{score}", flush=True)
        return tally


def _selected(modules: list[str]) -> dict[str, tuple[str, ...]]:
    unknown = [m for m in modules if m not in TARGETS]
    if unknown:
        raise SystemExit(f"not a target: {', '.join(unknown)} (see tools/mutation/targets.py)")
    missing = [t for m, ts in TARGETS.items() for t in ts if not (ROOT / t).exists()]
    if missing:
        raise SystemExit(f"missing test file(s): {', '.join(missing)} (tools/mutation/targets.py)")
    return {m: t for m, t in TARGETS.items() if not modules or m in modules}


def _load_results() -> dict[str, str]:
    try:
        data = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_results(tallies: list[Tally]) -> None:
    recorded = _load_results()
    for tally in tallies:
        recorded.update({m.key: s for m, s in tally.outcomes.items() if s != NOT_RUN})
    RESULTS.parent.mkdir(exist_ok=True)
    (RESULTS.parent / ".gitignore").write_text("*\n")
    RESULTS.write_text(json.dumps(recorded, indent=0, sort_keys=True))


def _list(targets: dict[str, tuple[str, ...]]) -> int:
    equivalents = read_equivalents(EQUIVALENTS)
    for module in targets:
        for m in mutants_of(ROOT / module, module):
            mark = " (equivalent)" if m.key in equivalents else ""
            print(f"{module}:{m.line}: [{m.operator}] {m.description}{mark}")
    return 0


def _render(targets: dict[str, tuple[str, ...]], report: Path | None) -> int:
    """The report from recorded outcomes (each module's last run since its code last
    changed); a mutant without one counts as not run, and the command says which."""
    if report is None:
        raise SystemExit("--render needs --report")
    equivalents = read_equivalents(EQUIVALENTS)
    recorded = _load_results()
    tallies: list[Tally] = []
    for module in targets:
        outcomes: dict[Mutant, str] = {}
        for m in mutants_of(ROOT / module, module):
            found = EQUIVALENT if m.key in equivalents else recorded.get(m.key, NOT_RUN)
            outcomes[m] = found
        tallies.append(Tally(module, outcomes))
    for tally in tallies:
        if tally.count(NOT_RUN):
            print(f"{tally.module}: {tally.count(NOT_RUN)} mutants not run yet", file=sys.stderr)
    print("\n".join(summary_rows(tallies)))
    (ROOT / report).write_text(render_report(tallies, targets, equivalents), encoding="utf-8")
    print(f"wrote {report}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    targets = _selected(args.module)
    if args.list:
        return _list(targets)
    if args.render:
        return _render(_selected([]), args.report)
    session = Session(args)
    tallies: list[Tally] = []
    known_keys: set[str] = set()
    for module, tests in targets.items():
        mutants = mutants_of(ROOT / module, module)
        known_keys.update(m.key for m in mutants)
        try:
            tallies.append(session.run(module, tests, mutants))
        except BaselineError as exc:
            print(f"{module}: {exc}", file=sys.stderr)
            return 2
    _save_results(tallies)
    print("\n".join(summary_rows(tallies)))
    for key in sorted(session.equivalents):
        if key.split(" :: ")[0] in targets and key not in known_keys:
            print(f"stale entry in tools/mutation/equivalent.txt: {key}", file=sys.stderr)
    not_run = sum(t.count(NOT_RUN) for t in tallies)
    if args.report:
        if args.module or args.sample or args.rerun_survivors or not_run:
            print(f"{args.report} not written: not a complete run", file=sys.stderr)
        else:
            report = render_report(tallies, targets, session.equivalents)
            (ROOT / args.report).write_text(report, encoding="utf-8")
            print(f"wrote {args.report}")
    print(f"{time.monotonic() - session.started:.0f} s")
    return verdict(args, tallies, session.skipped)


def verdict(args: argparse.Namespace, tallies: list[Tally], skipped: int) -> int:
    """Print every survivor and the total; 1 when a threshold is missed or a sample was
    cut short by the budget (then its verdict would depend on the machine's speed)."""
    survivors = [m for t in tallies for m in t.survivors()]
    for m in survivors:
        print(f"survivor {m.path}:{m.line}: {m.description} in `{m.source_line}`")
    killed, scored = sum(t.killed for t in tallies), sum(t.scored for t in tallies)
    total = 100.0 * killed / scored if scored else None
    print(f"total: {killed}/{scored} killed" + ("" if total is None else f" ({total:.1f}%)"))
    failed = False
    if skipped and args.sample:
        print(
            f"the sample did not finish within --budget {args.budget:.0f} s ({skipped} of "
            f"{scored + skipped} mutants not run): raise the budget or lower --sample",
            file=sys.stderr,
        )
        failed = True
    elif skipped:
        print(f"time budget reached: {skipped} mutants not run", file=sys.stderr)
    low = [t.module for t in tallies if args.min_score and (t.score or 100.0) < args.min_score]
    if low:
        print(f"below {args.min_score}%: {', '.join(low)}", file=sys.stderr)
        failed = True
    if args.bar is not None:
        if (total or 100.0) < args.bar:
            print(f"total below {args.bar}%", file=sys.stderr)
            failed = True
        weak = [t for t in tallies if below_bar(t.scored, t.count(SURVIVED), args.bar)]
        for t in weak:
            print(
                f"{t.module}: {t.count(SURVIVED)} of {t.scored} survived, too many for a "
                f"module at {args.bar}%",
                file=sys.stderr,
            )
        failed = failed or bool(weak)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
