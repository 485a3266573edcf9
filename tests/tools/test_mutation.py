"""The mutation tool (tools/mutation): which mutants a module gets, and that each applies."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tools.mutation import __main__ as cli
from tools.mutation.operators import Mutant, mutants_of, mutated_code
from tools.mutation.report import Tally, read_equivalents
from tools.mutation.sample import below_bar, changed_lines, choose

SOURCE = '''"""Module docstring: never mutated."""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    LIMIT = 1

__all__ = ["check"]


def check(value, names):
    """Docstring: never mutated."""
    if value < 10 and not names:
        raise ValueError(f"too small: {value}")
    names.append("seen")
    return min(value, 3) + 1 if "x" in names else False
'''


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "sample.py"
    path.write_text(SOURCE)
    return path


def run(code: Any, value: int, names: list[str]) -> Any:
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - the test's own module
    try:
        return namespace["check"](value, names)
    except ValueError:
        return "raised"


def test_every_operator_applies_where_it_should_and_nowhere_else(module: Path) -> None:
    found = [(m.line, m.operator, m.description) for m in mutants_of(module, "sample.py")]
    assert found == [
        (12, "if", "condition -> `True`"),
        (12, "if", "condition -> `False`"),
        (12, "boolop", "`and` -> `or`"),
        (12, "compare", "`<` -> `<=`"),
        (12, "number", "`10` -> `11`"),
        (12, "number", "`10` -> `9`"),
        (12, "not", "`not` dropped"),
        (13, "raise", "`raise` -> `pass`"),
        (14, "call", "call statement -> `pass`"),
        (14, "string", "`'seen'` -> `'XXseenXX'`"),
        (15, "if", "condition -> `True`"),
        (15, "if", "condition -> `False`"),
        (15, "compare", "`in` -> `not in`"),
        (15, "string", "`'x'` -> `'XXxXX'`"),
        (15, "arith", "`+` -> `-`"),
        (15, "builtin", "`min` -> `max`"),
        (15, "number", "`3` -> `4`"),
        (15, "number", "`3` -> `2`"),
        (15, "number", "`1` -> `2`"),
        (15, "number", "`1` -> `0`"),
        (15, "bool", "`False` -> `True`"),
    ]


@pytest.mark.parametrize(
    ("description", "value", "names", "original", "mutated"),
    [
        ("`<` -> `<=`", 10, [], False, "raised"),
        ("`not` dropped", 5, [], "raised", False),
        ("`raise` -> `pass`", 5, [], "raised", False),
        ("`min` -> `max`", 50, ["x"], 4, 51),
        ("`'x'` -> `'XXxXX'`", 50, ["x"], 4, False),
        ("`False` -> `True`", 50, [], False, True),
    ],
)
def test_a_mutant_changes_only_its_own_node(
    module: Path, description: str, value: int, names: list[str], original: Any, mutated: Any
) -> None:
    (mutant,) = [m for m in mutants_of(module, "sample.py") if m.description == description]
    assert run(compile(SOURCE, str(module), "exec"), value, list(names)) == original
    assert run(mutated_code(module, mutant.index), value, list(names)) == mutated


def test_a_mutant_key_names_the_line_text_not_its_number(module: Path) -> None:
    keys = [m.key for m in mutants_of(module, "sample.py")]
    assert 'sample.py :: names.append("seen") :: call statement -> `pass`' in keys
    assert len(set(keys)) == len(keys)


def test_equivalents_are_read_with_their_reason(tmp_path: Path) -> None:
    listing = tmp_path / "equivalent.txt"
    listing.write_text("# comment\n\na.py :: x = 1 :: `1` -> `2` :: never read\n")
    assert read_equivalents(listing) == {"a.py :: x = 1 :: `1` -> `2`": "never read"}
    listing.write_text("a.py :: x = 1 :: `1` -> `2`\n")
    with pytest.raises(ValueError, match="expected"):
        read_equivalents(listing)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of one target module (SOURCE) and its test file, for the command."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(SOURCE)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_m.py").write_text("")
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "RESULTS", tmp_path / ".mutation" / "results.json")
    monkeypatch.setattr(cli, "EQUIVALENTS", tmp_path / "equivalent.txt")
    monkeypatch.setattr(cli, "TARGETS", {"pkg/m.py": ("tests/test_m.py",)})
    (tmp_path / "equivalent.txt").write_text("")
    return tmp_path


def test_render_writes_the_report_from_the_recorded_outcomes(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = [m.key for m in mutants_of(project / "pkg" / "m.py", "pkg/m.py")]
    results = project / ".mutation" / "results.json"
    results.parent.mkdir()
    results.write_text(json.dumps(dict.fromkeys(keys[1:], "killed")))
    assert cli.main(["--render", "--report", "out.md"]) == 0
    assert "pkg/m.py: 1 mutants not run yet" in capsys.readouterr().err
    total = len(keys)
    assert (
        f"| `pkg/m.py` | {total} | {total - 1} | 0 | 0 | 0 | 1 | 100.0% |"
        in (project / "out.md").read_text()
    )
    survivor = json.dumps({**dict.fromkeys(keys[2:], "killed"), keys[1]: "survived"})
    results.write_text(survivor)
    equivalent = keys[0].split(" :: ")
    (project / "equivalent.txt").write_text(" :: ".join([*equivalent, "a reason"]) + "\n")
    assert cli.main(["--render", "--report", "out.md"]) == 0
    report = (project / "out.md").read_text()
    score = f"{100 * (total - 2) / (total - 1):.1f}%"
    assert f"| `pkg/m.py` | {total} | {total - 2} | 0 | 1 | 1 | 0 | {score} |" in report
    assert "a reason" in report
    with pytest.raises(SystemExit, match="--render needs --report"):
        cli.main(["--render"])


def test_a_sample_depends_only_on_the_seed_and_the_code(module: Path) -> None:
    todo = mutants_of(module, "sample.py")
    first = choose("sample.py", todo, 4, "commit-a")
    assert len(first) == 4 and first == sorted(first, key=lambda m: m.index)
    assert choose("sample.py", todo, 4, "commit-a") == first
    assert any(choose("sample.py", todo, 4, f"commit-{n}") != first for n in range(5))
    assert choose("sample.py", todo, len(todo) + 3, "commit-a") == todo  # all, when fewer


def test_half_a_sample_comes_from_the_changed_lines(module: Path) -> None:
    todo = mutants_of(module, "sample.py")
    on_line_13 = [m for m in todo if m.line == 13]  # `raise ValueError(...)`
    assert 0 < len(on_line_13) < 5
    for seed in ("a", "b", "c"):
        chosen = choose("sample.py", todo, 5, seed, changed={13})
        assert len(chosen) == 5
        assert sum(m.line == 13 for m in chosen) == min(3, len(on_line_13))  # ceil(5 / 2)


def test_the_changed_lines_come_from_git(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "m.py").write_text("a = 1\nb = 2\nc = 3\nd = 4\n")
    git("add", "m.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "one")
    (tmp_path / "m.py").write_text("a = 1\nb = 20\nc = 3\nnew = 5\nd = 4\n")
    assert changed_lines(tmp_path, "HEAD", "m.py") == {2, 4}
    (tmp_path / "m.py").write_text("a = 1\nc = 3\nd = 4\n")  # b deleted: lines 1 and 2 around it
    assert changed_lines(tmp_path, "HEAD", "m.py") == {1, 2}
    assert changed_lines(tmp_path, "no-such-commit", "m.py") is None


def test_a_sample_is_judged_on_its_total_and_names_each_survivor(
    module: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutants = mutants_of(module, "sample.py")
    tally = Tally("sample.py", dict.fromkeys(mutants, "killed"))
    survivor = mutants[0]
    tally.outcomes[survivor] = "survived"
    score = 100 * (len(mutants) - 1) / len(mutants)
    judged = cli.parse_arguments(["--sample", "6", "--bar", f"{score - 0.1}"])
    assert cli.verdict(judged, [tally], skipped=0) == 0
    out = capsys.readouterr().out
    assert f"survivor sample.py:{survivor.line}: {survivor.description} in `" in out
    assert f"total: {len(mutants) - 1}/{len(mutants)} killed ({score:.1f}%)" in out
    strict = cli.parse_arguments(["--sample", "6", "--bar", f"{score + 0.1}"])
    assert cli.verdict(strict, [tally], skipped=0) == 1
    assert "total below" in capsys.readouterr().err
    assert cli.verdict(judged, [tally], skipped=2) == 1  # cut short: not judged on speed
    assert "the sample did not finish within --budget" in capsys.readouterr().err


def outcomes(module: str, killed: int, survived: int) -> Tally:
    statuses = ["killed"] * killed + ["survived"] * survived
    return Tally(
        module,
        {Mutant(module, i, i + 1, "op", "x", f"line {i}"): st for i, st in enumerate(statuses)},
    )


def test_a_module_with_too_many_survivors_for_the_bar_fails_the_sample(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert [s for s in range(11) if below_bar(10, s, 95.0)] == [4, 5, 6, 7, 8, 9, 10]
    assert not below_bar(2, 1, 95.0) and below_bar(2, 2, 95.0)
    judged = cli.parse_arguments(["--sample", "10", "--bar", "95"])
    healthy = [outcomes(f"m{n}.py", 10, 0) for n in range(20)]
    assert cli.verdict(judged, [*healthy, outcomes("weak.py", 7, 3)], skipped=0) == 0
    assert cli.verdict(judged, [*healthy, outcomes("weak.py", 6, 4)], skipped=0) == 1  # 98% total
    assert "weak.py: 4 of 10 survived, too many for a module at 95.0%" in capsys.readouterr().err
