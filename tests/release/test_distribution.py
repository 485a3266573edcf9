"""What a user installs: the sdist and the wheel, and the wheel installed with each extra.

Every install goes into a clean virtualenv (never editable) and every check runs from an
empty folder, so ``import jwtguard`` can only find the installed copy. The extras are read
from pyproject.toml, so a new extra is tested without touching this file.
"""

from __future__ import annotations

import email.parser
import json
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .conftest import PYPROJECT, ROOT, Built, Venv

pytestmark = pytest.mark.release

PROJECT = PYPROJECT["project"]
NAME = PROJECT["name"]
EXTRAS = sorted(PROJECT["optional-dependencies"])

# Beyond "its requirements are installed": what each extra exists for, run in its venv.
IMPORTS = {
    "starlette": "jwtguard.adapters.asgi, jwtguard.adapters.starlette_refresh",
    "fastapi": "jwtguard.adapters.fastapi",
    "flask": "jwtguard.adapters.flask, jwtguard.adapters.flask_refresh",
    "wsgi": "jwtguard.adapters.wsgi",
    "redis": "jwtguard.revocation.redis",
    "prometheus": "jwtguard.observability.prometheus",
    "otel": "jwtguard.observability.otel",
    "django": "jwtguard.adapters.django",
    "mcp": "jwtguard.adapters.mcp",
    **({"fastmcp": "jwtguard.adapters.fastmcp"} if sys.version_info >= (3, 11) else {}),
}
# DRF reads Django's settings when its modules are imported.
_DJANGO_SETUP = (
    "import django; from django.conf import settings; settings.configure(); django.setup()"
)
ENABLES: dict[str, list[list[str]]] = {
    **{extra: [["python", "-c", f"import {modules}"]] for extra, modules in IMPORTS.items()},
    "drf": [["python", "-c", f"{_DJANGO_SETUP}; import jwtguard.adapters.drf"]],
    "demo": [
        ["jwtguard", "demo", "--check"],
        ["jwtguard", "demo", "--wsgi", "--check"],
        ["jwtguard", "demo", "--flask", "--check"],
    ],
}


def _metadata(built: Built) -> email.message.Message:
    with zipfile.ZipFile(built.wheel) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(wheel.read(name).decode())


def _requirements(extra: str | None) -> Iterator[Requirement]:
    """The requirements an install with ``extra`` must satisfy, self-references expanded."""
    seen: set[str] = set()
    pending = [*PROJECT["dependencies"], *PROJECT["optional-dependencies"].get(extra, [])]
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker is not None and not requirement.marker.evaluate(
            {**default_environment(), "extra": ""}
        ):
            continue
        if canonicalize_name(requirement.name) == NAME:
            for name in requirement.extras - seen:
                seen.add(name)
                pending += PROJECT["optional-dependencies"][name]
            continue
        yield requirement


def _installed(venv: Venv) -> dict[str, Version]:
    script = (
        "import importlib.metadata as m, json; print(json.dumps("
        "{d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    listing = venv.run("python", "-c", script)
    assert listing.returncode == 0, listing.stderr
    return {canonicalize_name(n): Version(v) for n, v in json.loads(listing.stdout).items()}


def _ok(venv: Venv, *argv: str) -> str:
    done = venv.run(*argv)
    assert done.returncode == 0, f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}"
    return done.stdout


# -- the archives ----------------------------------------------------------------------


def test_the_wheel_holds_the_whole_package_and_nothing_else(built: Built) -> None:
    source = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / NAME).rglob("*")
        if path.is_file() and (path.suffix == ".py" or path.name == "py.typed")
    }
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
    dist_info = f"{NAME}-{PROJECT['version']}.dist-info/"
    assert {n for n in names if not n.startswith(dist_info)} == source
    assert f"{dist_info}licenses/LICENSE" in names
    assert f"{dist_info}entry_points.txt" in names


def test_the_wheel_metadata_is_the_projects(built: Built) -> None:
    metadata = _metadata(built)
    assert metadata["Name"] == NAME
    assert metadata["Version"] == PROJECT["version"]
    assert metadata["License-Expression"] == PROJECT["license"] == "MIT"
    assert metadata["Requires-Python"] == PROJECT["requires-python"]
    assert sorted(metadata.get_all("Provides-Extra") or []) == EXTRAS
    assert Version(metadata["Metadata-Version"]) >= Version("2.4")  # PEP 639 license fields


def test_the_sdist_is_a_complete_source_release(built: Built) -> None:
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    expected = {
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "SECURITY.md",
        "CONTRIBUTING.md",
        "pyproject.toml",
        "noxfile.py",
        "Makefile",
        "mkdocs.yml",
        f"{NAME}/py.typed",
        "tests/vectors/SHA256SUMS",
        "tests/vectors/rfc/LICENSE-rfc7515",
        "tests/vectors/rfc/rfc7520/LICENSE",
        "tests/vectors/wycheproof/LICENSE",
    }
    assert expected <= names
    assert _tracked_files() - {".gitignore"} - names == set()
    assert not {n for n in names if "__pycache__" in n or "node_modules" in n or ".venv" in n}


def _tracked_files() -> set[str]:
    """The repository's files (git ls-files), or none outside a git checkout."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60, check=False
    )
    if listed.returncode != 0:
        return set()
    return {name for name in listed.stdout.decode().split("\0") if name}


# -- installed in a clean virtualenv ---------------------------------------------------


def test_the_installed_wheel_imports_types_and_runs(
    built: Built, new_venv: Callable[[], Venv]
) -> None:
    venv = new_venv()
    venv.install(str(built.wheel))
    location = Path(_ok(venv, "python", "-c", "import jwtguard; print(jwtguard.__file__)").strip())
    assert location.is_relative_to(venv.root) and "site-packages" in location.parts
    typed = "import importlib.resources as r; print(r.files('jwtguard').joinpath('py.typed'))"
    assert Path(_ok(venv, "python", "-c", typed).strip()).is_file()
    version = _ok(venv, "python", "-c", "import jwtguard; print(jwtguard.__version__)")
    assert version.strip() == PROJECT["version"]
    assert _ok(venv, "jwtguard", "--version").strip() == f"jwtguard {PROJECT['version']}"
    assert "BEGIN PRIVATE KEY" in _ok(venv, "jwtguard", "keygen", "--alg", "ES256")
    demo = venv.run("jwtguard", "demo", "--check")  # the web extras are not installed
    assert demo.returncode == 2
    assert "pip install 'jwtguard[demo]'" in demo.stderr


@pytest.mark.parametrize("extra", EXTRAS)
def test_each_extra_installs_what_it_promises(
    extra: str, built: Built, new_venv: Callable[[], Venv]
) -> None:
    venv = new_venv()
    venv.install(f"{built.wheel}[{extra}]")
    installed = _installed(venv)
    for requirement in _requirements(extra):
        name = canonicalize_name(requirement.name)
        assert name in installed, f"[{extra}] did not install {requirement}"
        assert requirement.specifier.contains(installed[name], prereleases=True), (
            f"[{extra}] installed {name} {installed[name]}, not {requirement.specifier}"
        )
    _ok(venv, "python", "-c", "import jwtguard")
    for argv in ENABLES.get(extra, []):
        _ok(venv, *argv)
