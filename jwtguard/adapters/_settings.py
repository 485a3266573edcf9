"""What the adapters configured from their framework's settings share (Flask, Django).

Framework-free: the Guard's settings or a ready Guard, and every adapter option
checked by :class:`~jwtguard.http.pipeline.Pipeline` itself, each problem recorded on
one :class:`~jwtguard._source.Reader` so one pass reports everything.
"""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Mapping
from typing import Any

from jwtguard._source import Reader
from jwtguard.config.options import PIPELINE_OPTIONS
from jwtguard.config.settings import SETTINGS_NAMES, Settings
from jwtguard.errors import ConfigError
from jwtguard.guard import Guard
from jwtguard.http.pipeline import Pipeline
from jwtguard.keys.tenant import Tenant

__all__ = ["check_options", "pipeline_defaults", "read_guard_settings", "stand_in"]

GUARD_GIVEN = "not used: the Guard passed in ({given}) has its own settings"


def pipeline_defaults() -> dict[str, Any]:
    """The adapter options' defaults, as ``Pipeline`` declares them (one source of truth)."""
    parameters = inspect.signature(Pipeline).parameters
    return {
        name: parameters[option].default
        for name, (option, _) in PIPELINE_OPTIONS.items()
        if parameters[option].default is not inspect.Parameter.empty
    }


def stand_in(settings: Settings | None = None) -> Guard:
    """A Guard for checking the adapter options before (or without) the real one, whose
    construction may start a Redis listener: options never depend on the keys, but a
    resource server's on the audiences (``settings``': the Guard's, or each tenant's)."""
    key = secrets.token_bytes(32)
    audience = None if settings is None else settings.audience or None
    try:
        if settings is not None and settings.tenants:
            tenants = [Tenant(t.issuer, key, t.audience or None) for t in settings.tenants]
            return Guard(tenants=tenants, algorithms=["HS256"], audience=audience, cache_size=0)
        return Guard(key, algorithms=["HS256"], audience=audience, cache_size=0)
    except ConfigError:  # settings with problems of their own, already recorded
        return Guard(key, algorithms=["HS256"], cache_size=0)


def read_guard_settings(reader: Reader, guard: object, given: str) -> Settings | None:
    """The Guard's settings when no Guard is given (``guard`` None), else None; records
    on ``reader`` a ``guard`` that is not a Guard and any Guard setting set beside one
    (``given`` says where the Guard came from, for that message)."""
    if guard is None:
        return Settings.read(reader)
    if not isinstance(guard, Guard):
        reader.problem("GUARD", f"expected a jwtguard.Guard, got a {type(guard).__name__}")
        return None
    for name in sorted(SETTINGS_NAMES):
        if reader.is_set(name):
            reader.problem(name, GUARD_GIVEN.format(given=given))
    return None


def check_options(
    reader: Reader,
    from_config: Mapping[str, Any],
    given: Mapping[str, Any],
    guard: Guard,
    *,
    names: Mapping[str, str] | None = None,
    keyword: str = "JWTGuard",
) -> None:
    """Record every problem of the adapter options on ``reader``, each named where it was
    set: the configuration key (``JWTGUARD_EXEMPT``, ``JWTGUARD['EXEMPT']``) for an option
    read from the configuration, ``JWTGuard(exempt=...)`` for a keyword.

    ``names`` maps a ``Pipeline`` keyword to its configuration name (default: the shared
    options' names). Each option is checked on its own by ``Pipeline`` itself (the one
    validator), so one bad option never hides another, and a bad key configuration hides none.
    """
    if names is None:
        names = {option: name for name, (option, _) in PIPELINE_OPTIONS.items()}
    for option, value in {**from_config, **given}.items():
        where = f"{keyword}({option}=...)"
        if option in from_config and option not in given:
            where = reader.label(names[option])
        try:
            Pipeline(guard, **{option: value})
        except ConfigError as exc:
            reader.problems.extend(
                f"{where}: {p.removeprefix(option + ': ')}" for p in exc.problems
            )
        except TypeError:
            reader.problems.append(f"{where}: not an option of {keyword}")
