"""``.env`` files, read with python-dotenv (``pip install jwtguard[dotenv]``).

A ``.env`` file in the working directory while python-dotenv is missing is said
once per process (a warning on the ``jwtguard.config`` logger), never silently
ignored: its settings, perhaps the audience or the issuer, would be off.
A file named explicitly must be read, or it is a configuration problem.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Final

__all__ = ["DEFAULT_PATH", "read_dotenv"]

logger = logging.getLogger("jwtguard.config")

DEFAULT_PATH: Final = ".env"
_warned: set[str] = set()


def read_dotenv(path: str | os.PathLike[str] | None, problems: list[str]) -> dict[str, str]:
    """The variables of a ``.env`` file.

    ``path=None``: ``./.env`` if it exists (a warning, once, when python-dotenv is
    missing). A ``path`` given that cannot be read is recorded in ``problems``.
    """
    explicit = path is not None
    file = Path(DEFAULT_PATH if path is None else path)
    if not file.is_file():
        if explicit:
            problems.append(f"dotenv: no file {str(file)[:200]!r}")
        return {}
    if importlib.util.find_spec("dotenv") is None:
        if explicit:
            problems.append(
                f"dotenv: reading {str(file)[:200]!r} needs pip install 'jwtguard[dotenv]'"
            )
        else:
            _warn_once(file)
        return {}
    from dotenv import dotenv_values  # optional dependency, present (checked above)

    return {k: v for k, v in dotenv_values(file).items() if v is not None}


def _warn_once(file: Path) -> None:
    where = str(file.resolve())
    if where in _warned:
        return
    _warned.add(where)
    logger.warning(
        "jwtguard: %s is present but python-dotenv is not installed, so its settings are "
        "not read (pip install 'jwtguard[dotenv]', or pass dotenv=False)",
        where,
    )
