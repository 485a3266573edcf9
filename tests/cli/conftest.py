"""How the CLI tests run jwtguard: as users do (a subprocess), or main() in process for speed."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SECRET = "c" * 32


def clean_environ(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any jwtguard configuration, plus ``env``."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("JWTGUARD_", "JWT_"))}
    full.update(env or {})
    return full


def console_script() -> Path:
    """The ``jwtguard`` script pip installed next to this interpreter."""
    script = Path(sys.executable).with_name("jwtguard")
    assert script.is_file(), f"no jwtguard console script next to {sys.executable}"
    return script


@dataclass(frozen=True)
class Command:
    """A way to start the CLI: ``python -m jwtguard.cli`` or the installed ``jwtguard`` script."""

    prefix: tuple[str, ...]
    cwd: Path

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=clean_environ(env),
            cwd=self.cwd,
            timeout=120,
            check=False,
        )


@pytest.fixture(params=["python -m jwtguard.cli", "jwtguard script"])
def jwtguard(request: pytest.FixtureRequest, tmp_path: Path) -> Command:
    """The CLI as a subprocess, both ways users start it, in an empty directory (no .env)."""
    if request.param == "jwtguard script":
        return Command((str(console_script()),), tmp_path)
    return Command((sys.executable, "-m", "jwtguard.cli"), tmp_path)


@pytest.fixture
def script(tmp_path: Path) -> Command:
    """The installed ``jwtguard`` console script as a subprocess, in an empty directory."""
    return Command((str(console_script()),), tmp_path)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """For main() in process: no JWTGUARD_* variable, an empty working directory."""
    for name in list(os.environ):
        if name.startswith(("JWTGUARD_", "JWT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch
