"""The built distributions, and clean virtualenvs to install them in (made by uv).

The sdist and the wheel are built once per run by ``python -m build`` (the wheel from the
sdist, as an installer building from source would), into a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
# Every uv call names its interpreter; one inherited from an outer environment (nox sets
# UV_PYTHON and VIRTUAL_ENV) would make build's isolated environment install into that one.
UV_ENV = {
    **{k: v for k, v in os.environ.items() if k not in {"UV_PYTHON", "VIRTUAL_ENV"}},
    "UV_PYTHON_DOWNLOADS": "never",
    "UV_NO_PROGRESS": "1",
}


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path


@dataclass(frozen=True)
class Venv:
    """A virtualenv made for one test, outside the source tree."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def install(self, *requirements: str) -> None:
        uv("pip", "install", "--python", str(self.python), *requirements)

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run a program of the venv from an empty folder, so nothing resolves to the repo."""
        program = argv[0] if "/" in argv[0] else str(self.root / "bin" / argv[0])
        workdir = self.root / "work"
        workdir.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        return subprocess.run(
            [program, *argv[1:]],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def uv(*args: str) -> None:
    command = [sys.executable, "-m", "uv", *args]
    subprocess.run(command, env=UV_ENV, check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(out), str(ROOT)],
        env=UV_ENV,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Built(sdist, wheel)


@pytest.fixture
def new_venv(tmp_path: Path) -> Callable[[], Venv]:
    """Make a fresh virtualenv of the running interpreter (no pip, nothing installed)."""

    def make() -> Venv:
        venv = Venv(tmp_path / "venv")
        uv("venv", "--python", sys.executable, str(venv.root))
        return venv

    return make
