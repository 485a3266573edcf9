"""Strict JSON objects, as JOSE headers, payloads and JWKS documents must be."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from jwtguard.errors import MalformedTokenError

__all__ = ["MAX_DEPTH", "parse_json_object"]

MAX_DEPTH: Final = 64
"""Deepest nesting of arrays and objects accepted (the top-level object counts as one).

Python's own limit depends on the interpreter (a ``RecursionError`` near 1000 levels on 3.11,
none for thousands of levels on 3.13), so without this the same token would be malformed on
one Python and parsed on another. Headers, claim sets and key sets need a handful of levels.
"""

# A string literal, or an unterminated one up to the end: never rescanned, so linear time.
_STRING: Final = re.compile(r'"(?:[^"\\]|\\.|\\\Z)*(?:"|\Z)', re.DOTALL)
_BRACKET: Final = re.compile(r"[\[\]{}]")


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


def _nests_too_deep(text: str) -> bool:
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def parse_json_object(data: bytes) -> dict[str, Any]:
    """Strict JSON object from UTF-8 bytes: no duplicate members, no NaN/Infinity, at most
    :data:`MAX_DEPTH` levels of nesting.

    Raises :class:`MalformedTokenError` for anything else, whatever the input
    (invalid UTF-8, deep nesting, numbers with thousands of digits, ...).
    """
    try:
        text = data.decode("utf-8")
        # it cannot nest deeper than it has brackets: the common case costs two counts
        if text.count("{") + text.count("[") > MAX_DEPTH and _nests_too_deep(text):
            raise MalformedTokenError
        value = _DECODER.decode(text)
    except (ValueError, RecursionError, MemoryError):
        raise MalformedTokenError from None
    if type(value) is not dict:
        raise MalformedTokenError
    return value
