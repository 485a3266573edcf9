"""The machine line of the report: CPU, cores, load, Python and library versions, date."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
from importlib import metadata
from typing import Any

__all__ = ["LIBRARIES", "describe"]

LIBRARIES = (
    "jwtguard", "PyJWT", "cryptography", "cachetools", "joserfc", "Authlib", "python-jose",
    "jwcrypto", "starlette", "fastapi", "Flask", "Werkzeug", "Flask-JWT-Extended", "uvicorn",
    "gunicorn", "redis", "matplotlib",
)  # fmt: skip


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _wrk_version() -> str | None:
    if shutil.which("wrk") is None:
        return None
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    text = (out.stdout or out.stderr).splitlines()
    return text[0].split(" Copyright")[0] if text else "wrk"


def describe(mode: str) -> dict[str, Any]:
    """Everything a reader needs to judge where the numbers came from."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode,
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "libraries": versions,
        "wrk": _wrk_version(),
    }
