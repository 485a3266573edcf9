"""The module paths of 0.1 keep working: each warns once and re-exports the same objects."""

from __future__ import annotations

import importlib
import sys

import pytest

MOVED = [
    pytest.param("jwtguard.algorithms", ("jwtguard.jose.algorithms",), id="algorithms"),
    pytest.param("jwtguard.jwks", ("jwtguard.keys.remote",), id="jwks"),
    pytest.param("jwtguard.settings", ("jwtguard.config.settings",), id="settings"),
    pytest.param(
        "jwtguard.bearer", ("jwtguard.http.credentials", "jwtguard.http.challenges"), id="bearer"
    ),
    pytest.param("jwtguard.cookies", ("jwtguard.http.cookies", "jwtguard.http.csrf"), id="cookies"),
    pytest.param("jwtguard.headers", ("jwtguard.http.security_headers",), id="headers"),
    pytest.param("jwtguard.revocation.aioredis", ("jwtguard.revocation.redis",), id="aioredis"),
]


@pytest.mark.parametrize(("old", "new"), MOVED)
def test_old_path_warns_and_reexports_the_same_objects(old: str, new: tuple[str, ...]) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.")):
        module = importlib.import_module(old)
    homes = [importlib.import_module(name) for name in new]
    assert module.__all__, "a shim re-exports something"
    for name in module.__all__:
        value = getattr(module, name)
        assert any(getattr(home, name, None) is value for home in homes), name


def test_the_core_never_imports_a_deprecated_path() -> None:
    import subprocess

    code = (
        "import warnings; warnings.simplefilter('error', DeprecationWarning);"
        "import jwtguard, jwtguard.testing, jwtguard.cli, jwtguard.adapters, jwtguard.keys.remote"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
