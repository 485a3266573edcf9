"""The documentation site builds strictly, and its API reference covers the public API.

mkdocs.yml sets ``strict: true`` with every link, anchor and navigation check at ``warn``,
so a broken link, a missing anchor, a page left out of the nav, a docstring griffe cannot
parse or an unresolved reference fails the build, and this test.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

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


def _directives() -> dict[str, list[str] | None]:
    """Every ``::: name`` of the reference: the members it lists, or None for all of them."""
    found: dict[str, list[str] | None] = {}
    for page in REFERENCE.glob("*.md"):
        text = page.read_text("utf-8")
        for match in re.finditer(r"^::: ([\w.]+)\n((?:    .*\n)*)", text, re.M):
            options = (yaml.safe_load(textwrap.dedent(match.group(2))) or {}).get("options", {})
            found[match.group(1)] = options.get("members")
    return found


def _declared_all(module: str) -> list[str]:
    """A module's ``__all__``, read from its source (importing Django's needs settings)."""
    path = ROOT.joinpath(*module.split("."))
    source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    for node in ast.parse(source.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{module} declares no __all__")


def _public_modules() -> list[str]:
    adapters = ROOT / "jwtguard" / "adapters"
    found = ["jwtguard.adapters", "jwtguard.oauth", "jwtguard.config", "jwtguard.testing"]
    found += ["jwtguard.keys", "jwtguard.keys.remote"]
    found += ["jwtguard.revocation", "jwtguard.revocation.redis"]
    found += [f"jwtguard.observability.{name}" for name in ("prometheus", "otel", "health")]
    found += ["jwtguard.observability"]
    for path in sorted(adapters.iterdir()):
        if path.name.startswith("_") or not (path.suffix == ".py" or path.is_dir()):
            continue
        if path.is_dir() and not (path / "__init__.py").is_file():
            continue
        found.append(f"jwtguard.adapters.{path.stem}")
    return found


@pytest.mark.parametrize("module", _public_modules())
def test_every_public_name_of_a_module_is_in_the_reference(module: str) -> None:
    """Each name of ``__all__`` is documented: under the module, or under ``jwtguard``."""
    directives = _directives()

    def documented(name: str) -> bool:
        if name in jwtguard.__all__ and f"jwtguard.{name}" in directives:
            return True
        if module not in directives:
            return False
        listed = directives[module]
        return listed is None or name in listed

    assert [name for name in _declared_all(module) if not documented(name)] == []
