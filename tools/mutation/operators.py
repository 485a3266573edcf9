"""The mutants of one module: each one small change a plausible regression would make.

A module is parsed, its nodes visited in a fixed order, and every place an operator
applies becomes one :class:`Mutant`, numbered in that order. :func:`mutated_code`
parses the module again, finds the mutant's node by the same walk and changes only
that node, so a mutant is rebuilt from its file and number alone.

Operators (the issue's list, plus a few that break a decision the same way):

- ``compare``: ``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``, ``in`` <-> ``not in``,
  ``is`` <-> ``is not``
- ``boolop``: ``and`` <-> ``or``; ``not``: the ``not`` dropped
- ``if``: an ``if``/``elif``/conditional-expression test forced to True, and to False
- ``number``: an int or float constant +1 and -1; ``bool``: True <-> False
- ``string``: a string or bytes constant without whitespace (a claim or member name, a
  code, an algorithm) changed; prose (messages) is left alone
- ``raise``: a ``raise`` replaced by ``pass``; ``call``: a call statement replaced by ``pass``
- ``arith``: ``+`` <-> ``-``, ``*`` <-> ``/``, ``//`` -> ``*``, ``<<`` <-> ``>>``
- ``builtin``: ``min`` <-> ``max``, ``any`` <-> ``all``; ``loop``: ``break`` <-> ``continue``

Nothing is mutated inside ``if TYPE_CHECKING:``, annotations, docstrings, ``__all__`` or
``assert`` statements.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

__all__ = ["Mutant", "mutants_of", "mutated_code"]

_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_ARITH: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
_SYMBOL: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.And: "and",
    ast.Or: "or",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
_BUILTIN_SWAP = {"min": "max", "max": "min", "any": "all", "all": "any"}

Apply = Callable[[ast.AST, Callable[[ast.AST], None]], None]
"""Changes a node of a fresh parse in place, or replaces it through the given setter."""


@dataclass(frozen=True, slots=True)
class Mutant:
    """One change to one module, identified by its file and its number in the walk."""

    path: str
    index: int
    line: int
    operator: str
    description: str
    source_line: str
    occurrence: int = 1
    """1 for the first mutant with this source line and description in the file, 2 ..."""

    @property
    def key(self) -> str:
        """Stable across edits elsewhere in the file: the line's text, not its number."""
        suffix = f" #{self.occurrence}" if self.occurrence > 1 else ""
        return f"{self.path} :: {self.source_line} :: {self.description}{suffix}"


@dataclass(frozen=True, slots=True)
class _Site:
    node: ast.AST
    line: int
    operator: str
    description: str
    apply: Apply


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_docstring(node: ast.stmt, parent: ast.AST | None) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(body, list)
        and bool(body)
        and body[0] is node
    )


def _is_dunder_all(node: ast.stmt) -> bool:
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _walk(tree: ast.AST) -> Iterator[tuple[ast.AST, Callable[[ast.AST], None]]]:
    """Pre-order: (node, a setter that replaces it in its parent)."""

    def visit(
        node: ast.AST, parent: ast.AST | None, setter: Callable[[ast.AST], None]
    ) -> Iterator[tuple[ast.AST, Callable[[ast.AST], None]]]:
        if isinstance(node, ast.If) and _is_type_checking(node):
            return
        if isinstance(node, ast.stmt) and (
            _is_docstring(node, parent) or _is_dunder_all(node) or isinstance(node, ast.Assert)
        ):
            return
        if isinstance(node, ast.JoinedStr):
            for value in node.values:  # only the expressions of an f-string, not its text
                if isinstance(value, ast.FormattedValue):
                    yield from visit(value.value, value, _setter(value, "value"))
            return
        yield node, setter
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "type_comment"):
                continue
            if isinstance(value, ast.AST):
                yield from visit(value, node, _setter(node, field))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        yield from visit(item, node, _list_setter(value, i))

    yield from visit(tree, None, lambda _new: None)


def _setter(parent: ast.AST, field: str) -> Callable[[ast.AST], None]:
    return lambda new: setattr(parent, field, new)


def _list_setter(items: list[ast.AST], index: int) -> Callable[[ast.AST], None]:
    def set_item(new: ast.AST) -> None:
        items[index] = new

    return set_item


def _sites(tree: ast.AST) -> Iterator[_Site]:
    for node, _setter_of_node in _walk(tree):
        yield from _sites_of(node)


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def _is_word(value: object) -> bool:
    """A name, code or identifier (no whitespace); prose (a message) is left alone."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return isinstance(value, str) and not any(c.isspace() for c in value)


def _string_site(node: ast.Constant) -> _Site:
    value = node.value
    new: str | bytes = b"XX" + value + b"XX" if isinstance(value, bytes) else f"XX{value}XX"

    def apply(n: ast.AST, _set: Callable[[ast.AST], None]) -> None:
        assert isinstance(n, ast.Constant)
        n.value = new

    return _Site(node, _line(node), "string", f"`{value!r}` -> `{new!r}`", apply)


def _sites_of(node: ast.AST) -> Iterator[_Site]:
    line = _line(node)
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new_op = _COMPARE.get(type(op))
            if new_op is None:
                continue
            yield _Site(
                node,
                line,
                "compare",
                f"`{_SYMBOL[type(op)]}` -> `{_SYMBOL[new_op]}`",
                _replace_compare(i, new_op),
            )
    elif isinstance(node, ast.BoolOp):
        new_bool: type[ast.boolop] = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield _Site(
            node,
            line,
            "boolop",
            f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[new_bool]}`",
            lambda n, _set: setattr(n, "op", new_bool()),
        )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        yield _Site(
            node,
            line,
            "not",
            "`not` dropped",
            lambda n, set_: set_(n.operand),  # type: ignore[attr-defined]
        )
    elif isinstance(node, (ast.BinOp, ast.AugAssign)):
        new_arith = _ARITH.get(type(node.op))
        if new_arith is not None:
            yield _Site(
                node,
                line,
                "arith",
                f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[new_arith]}`",
                lambda n, _set: setattr(n, "op", new_arith()),
            )
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            yield _Site(node, line, "bool", f"`{value}` -> `{not value}`", _set_constant(not value))
        elif isinstance(value, (str, bytes)) and _is_word(value):
            yield _string_site(node)
        elif isinstance(value, (int, float)):
            for delta in (1, -1):
                yield _Site(
                    node,
                    line,
                    "number",
                    f"`{value!r}` -> `{value + delta!r}`",
                    _set_constant(value + delta),
                )
    elif isinstance(node, (ast.If, ast.IfExp)):
        for forced in (True, False):
            yield _Site(
                node,
                line,
                "if",
                f"condition -> `{forced}`",
                _force_test(forced),
            )
    elif isinstance(node, ast.Raise):
        yield _Site(node, line, "raise", "`raise` -> `pass`", _to_pass)
    elif isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Await)):
        yield _Site(node, line, "call", "call statement -> `pass`", _to_pass)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        swapped = _BUILTIN_SWAP.get(node.func.id)
        if swapped is not None:
            yield _Site(
                node,
                line,
                "builtin",
                f"`{node.func.id}` -> `{swapped}`",
                lambda n, _set: setattr(n.func, "id", swapped),  # type: ignore[attr-defined]
            )
    elif isinstance(node, (ast.Break, ast.Continue)):
        other: type[ast.stmt] = ast.Continue if isinstance(node, ast.Break) else ast.Break
        yield _Site(
            node,
            line,
            "loop",
            f"`{type(node).__name__.lower()}` -> `{other.__name__.lower()}`",
            lambda n, set_: set_(ast.copy_location(other(), n)),
        )


def _replace_compare(i: int, new_op: type[ast.cmpop]) -> Apply:
    def apply(n: ast.AST, _set: Callable[[ast.AST], None]) -> None:
        assert isinstance(n, ast.Compare)
        n.ops[i] = new_op()

    return apply


def _set_constant(value: bool | float) -> Apply:
    def apply(n: ast.AST, _set: Callable[[ast.AST], None]) -> None:
        assert isinstance(n, ast.Constant)
        n.value = value

    return apply


def _force_test(forced: bool) -> Apply:
    def apply(n: ast.AST, _set: Callable[[ast.AST], None]) -> None:
        assert isinstance(n, (ast.If, ast.IfExp))
        n.test = ast.copy_location(ast.Constant(forced), n.test)

    return apply


def _to_pass(n: ast.AST, set_: Callable[[ast.AST], None]) -> None:
    set_(ast.copy_location(ast.Pass(), n))


def mutants_of(path: Path, relative: str) -> list[Mutant]:
    """Every mutant of the module at ``path`` (named ``relative`` in reports), in walk order."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    mutants: list[Mutant] = []
    seen: dict[tuple[str, str], int] = {}
    for index, site in enumerate(_sites(tree)):
        text = lines[site.line - 1].strip() if 0 < site.line <= len(lines) else ""
        occurrence = seen.get((text, site.description), 0) + 1
        seen[(text, site.description)] = occurrence
        mutants.append(
            Mutant(relative, index, site.line, site.operator, site.description, text, occurrence)
        )
    return mutants


def mutated_code(path: Path, index: int) -> CodeType:
    """The module at ``path`` compiled with mutant ``index`` applied (a code object)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    setters: dict[int, Callable[[ast.AST], None]] = {}
    for node, setter in _walk(tree):
        setters[id(node)] = setter
    for number, site in enumerate(_sites(tree)):
        if number == index:
            site.apply(site.node, setters[id(site.node)])
            break
    else:
        raise IndexError(f"{path} has no mutant {index}")
    return compile(ast.fix_missing_locations(tree), str(path), "exec", dont_inherit=True)
