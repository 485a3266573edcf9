"""The python examples in the core docs run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
CORE_PAGES = ["index.md", "core.md", "configuration.md"]


def python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.DOTALL)


@pytest.mark.parametrize("page", CORE_PAGES)
def test_python_examples_run(page: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JWTGUARD_SECRET_KEY", "s" * 32)
    for block in python_blocks(page):
        exec(compile(block, f"{page}", "exec"), {})  # noqa: S102 - our own documentation


def test_readme_example_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JWTGUARD_SECRET_KEY", "s" * 32)
    readme = (DOCS.parent / "README.md").read_text()
    for block in re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL):
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own documentation
