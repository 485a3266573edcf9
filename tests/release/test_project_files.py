"""The files users and contributors look for say what the project does."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import PYPROJECT, ROOT

SKIP_DIRS = {".git", ".venv", ".nox", "node_modules", "site", "dist", "build", "__pycache__"}


def _recipe(target: str) -> list[str]:
    """The commands of a Makefile target, ``$(BIN)/`` spelled as the venv path."""
    makefile = (ROOT / "Makefile").read_text("utf-8")
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M)
    assert match is not None, f"no target {target} in the Makefile"
    return [line.strip().replace("$(BIN)/", ".venv/bin/") for line in match.group(1).splitlines()]


def _project_text_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        if SKIP_DIRS & set(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in {".py", ".md", ".toml", ".yml", ".yaml", ".cfg", ".in", ".mjs"} or (
            path.name in {"Makefile", "run"}
        ):
            found.append(path)
    return found


def test_the_license_file_is_the_declared_license() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text


def test_pre_commit_runs_exactly_the_lint_and_typecheck_commands() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])  # nothing fetched
    assert all(hook["language"] == "system" for hook in hooks)
    assert [hook["entry"] for hook in hooks] == _recipe("lint") + _recipe("typecheck")


def test_make_demo_installs_the_demo_extra_only(tmp_path: Path) -> None:
    dry = subprocess.run(
        ["make", "-n", "demo", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    installs = [line for line in dry.splitlines() if "pip install" in line and "-e" in line]
    assert installs == [f'{tmp_path / "venv"}/bin/python -m pip install --quiet -e ".[demo]"']


@pytest.mark.parametrize("document", ["README.md", "CONTRIBUTING.md"])
def test_every_make_command_in_the_documents_exists(document: str) -> None:
    text = (ROOT / document).read_text("utf-8")
    mentioned = set(re.findall(r"`make ([a-z][\w-]*)", text))
    makefile = (ROOT / "Makefile").read_text("utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    assert mentioned and mentioned - targets == set()


def test_the_security_policy_supports_the_current_release() -> None:
    major, minor = PYPROJECT["project"]["version"].split(".")[:2]
    assert f"| {major}.{minor}.x" in (ROOT / "SECURITY.md").read_text("utf-8")


def test_nothing_refers_to_a_folder_outside_the_repository() -> None:
    outside = re.compile(r"\.\./shared|shared/vectors")
    here = Path(__file__).resolve()
    referring = [
        path.relative_to(ROOT).as_posix()
        for path in _project_text_files()
        if path != here and outside.search(path.read_text("utf-8", errors="replace"))
    ]
    assert referring == []


def test_the_noxfile_loads_and_offers_every_session() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "--list", "--noxfile", str(ROOT / "noxfile.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    classifiers = PYPROJECT["project"]["classifiers"]
    pythons = [c.rsplit(" ", 1)[1] for c in classifiers if re.search(r"Python :: \d+\.\d+$", c)]
    expected = {f"tests-{python}" for python in pythons} | {"minimum", "ci"}
    assert expected <= set(re.findall(r"^[*-] ([\w.-]+)", listed, re.M))


class _QueueingSession:
    """Stands in for nox's session object: records the sessions ``ci`` queues."""

    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs
        self.queued: list[tuple[str, list[str]]] = []

    def notify(self, target: str, posargs: list[str]) -> None:
        self.queued.append((target, posargs))


def test_ci_runs_make_test_then_the_minimum_session_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four suites do not fit CI's 90 minutes on two cores: the matrix is ``make matrix``."""
    assert _recipe("ci") == ["$(NOX) -s ci"]
    assert re.search(r"^ci: test$", (ROOT / "Makefile").read_text("utf-8"), re.M)
    assert _recipe("matrix") == ["$(NOX) -s tests -- $(ARGS)"]
    monkeypatch.setenv("PATH", os.environ["PATH"])  # loading the noxfile extends PATH
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
    assert spec is not None and spec.loader is not None
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)
    session = _QueueingSession(["-x", "tests/jose"])
    noxfile.ci(session)
    assert session.queued == [("minimum", ["-x", "tests/jose"])]
