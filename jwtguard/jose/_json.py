"""Strict JSON objects, as JOSE headers, payloads and JWKS documents must be."""

from __future__ import annotations

import json
from typing import Any, Final

from jwtguard.errors import MalformedTokenError

__all__ = ["parse_json_object"]


class _DuplicateMember(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateMember
    return obj


def _reject_constant(_name: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
)


def parse_json_object(data: bytes) -> dict[str, Any]:
    """Strict JSON object from UTF-8 bytes: no duplicate members, no NaN/Infinity.

    Raises :class:`MalformedTokenError` for anything else, whatever the input
    (invalid UTF-8, deep nesting, numbers with thousands of digits, ...).
    """
    try:
        value = _DECODER.decode(data.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError):
        raise MalformedTokenError from None
    if type(value) is not dict:
        raise MalformedTokenError
    return value
