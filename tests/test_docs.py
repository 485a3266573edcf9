"""Every ```python block of the documentation (docs/**/*.md and README.md) runs as written,
each on its own: a fresh namespace, imports included, in an empty working directory.

The environment is the one the pages describe for a deployment (``JWTGUARD_SECRET_KEY``
set, no ``.env``). Blocks fenced ```python redis need a Redis server and run in
tests/revocation/test_docs.py; other fences (```bash, ```text, ...) are not Python.
Examples use only public modules (no ``jwtguard._x`` nor ``jwtguard.x._y``), and a block
that drives an app with a ``TestClient`` says that it needs httpx.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
_FENCE = re.compile(r"^```python\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)
_PRIVATE = re.compile(r"^\s*(?:from|import)\s+(jwtguard(?:\.\w+)*\._\w*)", flags=re.MULTILINE)
_TEST_CLIENT = re.compile(r"^\s*from\s+\S+\s+import\s+.*\bTestClient\b", flags=re.MULTILINE)


class Block(NamedTuple):
    page: str
    line: int
    code: str


def blocks() -> list[Block]:
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 2  # the block's first line
            found.append(Block(str(page.relative_to(ROOT)), line, match.group(1)))
    return found


BLOCKS = blocks()
# FastMCP needs Python 3.11 (the fastmcp extra installs nothing before it), as its own tests.
_FASTMCP = re.compile(r"^\s*(?:from|import)\s+fastmcp\b", flags=re.MULTILINE)
RUNNABLE = [b for b in BLOCKS if sys.version_info >= (3, 11) or not _FASTMCP.search(b.code)]


def test_the_pages_have_examples() -> None:
    pages = {block.page for block in BLOCKS}
    for page in ("docs/flask.md", "docs/starlette.md", "docs/headers.md", "docs/keys.md"):
        assert page in pages
    assert len(BLOCKS) >= 60


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"{b.page}:{b.line}" for b in RUNNABLE])
def test_each_block_runs_on_its_own(
    block: Block, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JWTGUARD_SECRET_KEY", "s" * 32)
    # Flask(__name__) needs a module with a file: each block runs as a script would.
    namespace = {"__name__": "__main__", "__file__": str(tmp_path / "example.py")}
    code = compile("\n" * (block.line - 1) + block.code, block.page, "exec")
    with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx works
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        exec(code, namespace)  # noqa: S102 - our own documentation


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b.page}:{b.line}" for b in BLOCKS])
def test_each_block_uses_public_modules_and_names_its_test_client(block: Block) -> None:
    assert _PRIVATE.findall(block.code) == [], "a private module in an example"
    if _TEST_CLIENT.search(block.code):
        assert "httpx" in block.code, "say that the TestClient needs httpx"
