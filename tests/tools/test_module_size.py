"""tools/module_size: a module over the limit fails unless its docstring says why it is whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import module_size
from tools.module_size import LIMIT, MARKER, main, problems

BODY = "x = 1\n" * LIMIT


def _module(tmp_path: Path, name: str, docstring: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f'"""{docstring}"""\n{body}', encoding="utf-8")
    return path


def test_a_module_at_the_limit_passes(tmp_path: Path) -> None:
    path = _module(tmp_path, "short.py", "Short.", "x = 1\n" * (LIMIT - 1))
    assert path.read_text().count("\n") == LIMIT
    assert problems([path]) == []


def test_a_longer_module_without_a_reason_fails_with_its_length(tmp_path: Path) -> None:
    path = _module(tmp_path, "long.py", "Long, no reason.", BODY)
    [problem] = problems([path])
    assert problem.startswith(f"{path}: {LIMIT + 1} lines (over {LIMIT})")
    assert MARKER in problem  # says how to fix it


@pytest.mark.parametrize(
    ("docstring", "fails"),
    [
        pytest.param(f"Long.\n\n{MARKER} one error tree, read top to bottom.", False, id="reason"),
        pytest.param(f"Long.\n\n{MARKER}   ", True, id="marker-without-reason"),
        pytest.param("Long. kept whole: lower case is not the marker.", True, id="not-the-marker"),
    ],
)
def test_the_marker_needs_a_reason(tmp_path: Path, docstring: str, fails: bool) -> None:
    path = _module(tmp_path, "long.py", docstring, BODY)
    assert bool(problems([path])) is fails


def test_the_marker_counts_only_in_the_module_docstring(tmp_path: Path) -> None:
    path = tmp_path / "long.py"
    path.write_text(f'"""Long."""\n# {MARKER} a comment is not the docstring\n{BODY}')
    assert problems([path])


def test_main_walks_the_roots_and_exits_1_on_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    _module(package, "ok.py", "Short.", "x = 1\n")
    assert main([str(tmp_path / "pkg")]) == 0
    bad = _module(package, "long.py", "Long.", BODY)
    assert main([str(tmp_path / "pkg")]) == 1
    assert str(bad) in capsys.readouterr().err


def test_jwtguard_itself_passes() -> None:
    root = Path(module_size.__file__).parents[1] / "jwtguard"
    assert problems(root.rglob("*.py")) == []
