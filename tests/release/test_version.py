"""One version, written once in pyproject.toml, everywhere a user looks for it."""

from __future__ import annotations

import importlib.metadata
import re

import jwtguard

from .conftest import PYPROJECT, ROOT

VERSION = PYPROJECT["project"]["version"]


def test_the_package_reports_the_version_of_pyproject() -> None:
    assert jwtguard.__version__ == importlib.metadata.version("jwtguard") == VERSION


def test_the_version_is_written_nowhere_in_the_package() -> None:
    literal = re.compile(rf"""["']{re.escape(VERSION)}["']""")
    written = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "jwtguard").rglob("*.py")
        if literal.search(path.read_text("utf-8"))
    ]
    assert written == []


def test_the_changelog_has_this_version_and_an_unreleased_section() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", changelog, re.M)
    assert headings[0] == ("Unreleased", "")
    released = dict(headings[1:])
    assert released.get(VERSION), f"CHANGELOG.md has no dated section for {VERSION}"
