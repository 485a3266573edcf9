"""The mutation tool (tools/mutation): which mutants a module gets, and that each applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools.mutation.operators import mutants_of, mutated_code
from tools.mutation.report import read_equivalents

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
