"""Options Django writes as Python objects or their dotted paths, read for ``settings.JWTGUARD``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from jwtguard._source import Reader

__all__ = ["callable_option", "import_object"]


def import_object(reader: Reader, name: str, value: object) -> object:
    """``value``, or the object its dotted path names."""
    if not isinstance(value, str):
        return value
    try:
        return import_string(value.strip())
    except ImportError as exc:
        reader.problem(name, f"cannot import {value.strip()[:100]!r} ({type(exc).__name__})")
        return None


def callable_option(reader: Reader, name: str) -> Callable[..., Any] | None:
    """Option ``name``: a callable or its dotted path (None: unset or a problem)."""
    value = reader.raw(name)
    if value is None:
        return None
    found = import_object(reader, name, value)
    if found is None:
        return None
    if not callable(found):
        reader.problem(
            name, f"expected a callable or its dotted path, got a {type(found).__name__}"
        )
        return None
    return found
