"""Strict JSON objects, as JOSE headers, payloads and JWKS documents must be."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Final

from jwtguard.claims import FrozenDict, frozen_from_pairs, frozen_from_scalar_pairs
from jwtguard.errors import MalformedTokenError

__all__ = ["MAX_DEPTH", "parse_frozen_object", "parse_json_object"]

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
_FROZEN_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=frozen_from_pairs, parse_constant=_reject_constant
)
_FROZEN_FLAT_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=frozen_from_scalar_pairs, parse_constant=_reject_constant
)
_Scan = Callable[[str, int], tuple[Any, int]]
# the decoders' own scanners (typeshed does not list the attribute)
_SCAN: Final[_Scan] = _DECODER.scan_once  # type: ignore[attr-defined]
_FROZEN_SCAN: Final[_Scan] = _FROZEN_DECODER.scan_once  # type: ignore[attr-defined]
_FROZEN_FLAT_SCAN: Final[_Scan] = _FROZEN_FLAT_DECODER.scan_once  # type: ignore[attr-defined]


def _nests_too_deep(text: str) -> bool:
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


def _decoded(text: str, decoder: json.JSONDecoder, scan: _Scan) -> Any:
    if text.startswith("{"):
        # decode() is this scan plus whitespace around it: without any, skip its two frames
        try:
            value, end = scan(text, 0)
        except StopIteration:
            raise MalformedTokenError from None
        if end == len(text):
            return value
    return decoder.decode(text)


def _too_deep(text: str, arrays: int) -> bool:
    # it cannot nest deeper than it has brackets: the common case costs two counts
    return text.count("{") + arrays > MAX_DEPTH and _nests_too_deep(text)


def parse_json_object(data: bytes) -> dict[str, Any]:
    """Strict JSON object from UTF-8 bytes: no duplicate members, no NaN/Infinity, at most
    :data:`MAX_DEPTH` levels of nesting.

    Raises :class:`MalformedTokenError` for anything else, whatever the input
    (invalid UTF-8, deep nesting, numbers with thousands of digits, ...).
    """
    try:
        text = data.decode("utf-8")
        if _too_deep(text, text.count("[")):
            raise MalformedTokenError
        value = _decoded(text, _DECODER, _SCAN)
    except (ValueError, RecursionError, MemoryError):
        raise MalformedTokenError from None
    if type(value) is not dict:
        raise MalformedTokenError
    return value


def parse_frozen_object(data: bytes) -> FrozenDict:
    """:func:`parse_json_object`, built read-only as it is parsed: objects are
    :class:`~jwtguard.claims.FrozenDict`, arrays tuples (a claim set, shared by cache hits)."""
    try:
        text = data.decode("utf-8")
        arrays = "[" in text  # a memchr; count() tests every character
        brackets = text.count("{") + (text.count("[") if arrays else 0)
        if brackets > MAX_DEPTH and _nests_too_deep(text):
            raise MalformedTokenError
        # not one "[" in the text: no array to convert, the plainer hook
        scan = _FROZEN_SCAN if arrays else _FROZEN_FLAT_SCAN
        value = None
        if text.startswith("{"):  # _decoded(), inline: this is every verification's payload
            try:
                value, end = scan(text, 0)
            except StopIteration:
                raise MalformedTokenError from None
            if end != len(text):
                value = None
        if value is None:
            value = (_FROZEN_DECODER if arrays else _FROZEN_FLAT_DECODER).decode(text)
    except (ValueError, RecursionError, MemoryError):
        raise MalformedTokenError from None
    if type(value) is not FrozenDict:
        raise MalformedTokenError
    return value
