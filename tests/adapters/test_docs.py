"""The python examples in the adapter docs run as written (each block in a fresh namespace)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["starlette.md", "wsgi.md", "flask.md", "django.md", "cors.md"]


def python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.DOTALL)


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python examples"
    for number, block in enumerate(blocks):
        with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 for its TestClient
            warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
            # Flask(__name__) needs a module with a file: the examples run as a script would.
            namespace = {"__name__": "__main__"}
            exec(compile(block, f"{page} block {number}", "exec"), namespace)  # noqa: S102
