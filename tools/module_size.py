"""``python -m tools.module_size [ROOT...]``: fail on a module longer than :data:`LIMIT`
lines whose docstring does not say why it is kept whole.

Small modules with one responsibility are the rule (CONTRIBUTING.md); a longer one is
allowed when it truly is one cohesive thing, and then its module docstring says so in a
paragraph starting with :data:`MARKER` (e.g. ``Kept whole: the error tree is one
hierarchy, read top to bottom.``). Run by ``make lint`` on ``jwtguard``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

__all__ = ["LIMIT", "MARKER", "main", "problems"]

LIMIT: Final = 300
"""Lines a module may have without a reason to keep it whole."""
MARKER: Final = "Kept whole:"
"""What the module docstring of a longer module says, followed by the reason."""


def _reason(source: str) -> str:
    """The text after :data:`MARKER` in the module docstring ("" when absent)."""
    try:
        docstring = ast.get_docstring(ast.parse(source)) or ""
    except SyntaxError:
        return ""
    _, found, reason = docstring.partition(MARKER)
    return reason.strip() if found else ""


def problems(paths: Iterable[Path], limit: int = LIMIT) -> list[str]:
    """One line per module over ``limit`` lines without a reason, sorted by path."""
    found = []
    for path in sorted(paths):
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n") + (not source.endswith("\n") and bool(source))
        if lines > limit and not _reason(source):
            found.append(
                f"{path}: {lines} lines (over {limit}): split it, or say why it is one "
                f"thing in its module docstring ({MARKER} ...)"
            )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Check every ``*.py`` below each root (default ``jwtguard``); 1 when any fails."""
    roots = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)] or [Path("jwtguard")]
    paths = [p for root in roots for p in ([root] if root.is_file() else root.rglob("*.py"))]
    found = problems(paths)
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
