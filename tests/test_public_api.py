"""The public API: __all__ is complete and sorted, and the core imports no web framework."""

from __future__ import annotations

import subprocess
import sys
import types

import jwtguard


def test_all_is_sorted_and_complete() -> None:
    public = {
        name
        for name, value in vars(jwtguard).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", "jwtguard").startswith("jwtguard")
    }
    exported = set(jwtguard.__all__) - {"__version__"}
    assert public - exported == set(), "public names missing from __all__"
    assert exported - set(vars(jwtguard)) == set(), "__all__ names that do not exist"
    names = [n for n in jwtguard.__all__ if n != "__version__"]
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))


def test_every_public_name_has_a_docstring() -> None:
    for name in jwtguard.__all__:
        value = getattr(jwtguard, name)
        defined_here = getattr(value, "__module__", "").startswith("jwtguard")
        if defined_here and (isinstance(value, type) or callable(value)):
            assert (value.__doc__ or "").strip(), f"{name} has no docstring"


def test_importing_the_core_imports_no_web_framework_or_redis() -> None:
    code = (
        "import sys, jwtguard, jwtguard.testing, jwtguard.cli, jwtguard.observability;"
        "banned = {'starlette', 'fastapi', 'flask', 'werkzeug', 'django', 'redis', 'httpx',"
        " 'mcp', 'fastmcp', 'prometheus_client', 'opentelemetry'};"
        "print(sorted(banned & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("jwtguard").joinpath("py.typed").is_file()
