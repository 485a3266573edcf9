"""The documentation site builds strictly, and its API reference covers the public API.

mkdocs.yml sets ``strict: true`` with every link, anchor and navigation check at ``warn``,
so a broken link, a missing anchor, a page left out of the nav, a docstring griffe cannot
parse or an unresolved reference fails the build, and this test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import jwtguard

from .conftest import ROOT

REFERENCE = ROOT / "docs" / "reference"


def _documented(page: str) -> set[str]:
    return set(re.findall(r"^::: ([\w.]+)", (REFERENCE / page).read_text("utf-8"), re.M))


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    assert (tmp_path / "reference" / "jwtguard" / "index.html").is_file()
    page = (tmp_path / "reference" / "jwtguard" / "index.html").read_text("utf-8")
    assert 'id="jwtguard.Guard"' in page
    assert ":class:`" not in page  # Sphinx roles are rendered as code (docs/_ext)


def test_every_public_name_of_the_package_is_in_the_reference() -> None:
    public = {f"jwtguard.{name}" for name in jwtguard.__all__ if name != "__version__"}
    assert public - _documented("jwtguard.md") == set()


@pytest.mark.parametrize(
    "module",
    sorted(
        f"jwtguard.adapters.{path.stem}"
        for path in (ROOT / "jwtguard" / "adapters").glob("*.py")
        if not path.name.startswith("_")
    ),
)
def test_every_adapter_module_is_in_the_reference(module: str) -> None:
    assert module in _documented("adapters.md")
