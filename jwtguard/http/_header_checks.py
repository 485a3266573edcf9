"""The checks behind :class:`~jwtguard.http.security_headers.SecurityHeaders`: header
names and values, names given twice, ``vary`` names and ``html_paths`` patterns.

Each check appends one message per problem to ``problems``, so a policy reports all of
them at once (one :class:`~jwtguard.errors.ConfigError`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any, Final

__all__ = ["check_header", "check_names", "check_vary", "html_path_patterns", "present"]

_TOKEN: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_BAD_VALUE: Final = re.compile(r"[^\t\x20-\x7e]")


def present(pairs: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """The pairs whose value is not None (None: the header is off)."""
    return [(n, v) for n, v in pairs if v is not None]


def check_names(
    every_set: Iterable[list[tuple[str, str]]],
    distinct_sets: Iterable[list[tuple[str, str]]],
    auth_only: list[tuple[str, str]],
    problems: list[str],
) -> None:
    """Names and values valid in ``every_set`` (each pair checked once); no name twice in
    one of ``distinct_sets`` (with ``auth_only`` added); Vary left to ``vary``."""
    seen: set[tuple[str, str]] = set()
    for pairs in every_set:
        for name, value in [*pairs, *auth_only]:
            if (name, value) not in seen:
                seen.add((name, value))
                check_header(name, value, problems)
    for pairs in distinct_sets:
        lowered = [n.lower() for n, _ in [*pairs, *auth_only] if isinstance(n, str)]
        for name in sorted({n for n in lowered if lowered.count(n) > 1}):
            problems.append(
                f"extra: {name} is given twice (set the field that sends it to None to send "
                "it from extra)"
            )
        if "vary" in lowered:
            problems.append("extra: Vary is merged from the vary option, not set in extra")
            break
    problems[:] = list(dict.fromkeys(problems))


def check_header(name: object, value: object, problems: list[str]) -> None:
    """A header name is an RFC 9110 token; a value printable ASCII, no edge whitespace."""
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        problems.append(f"{name!r}: not a valid header name")
    elif not isinstance(value, str) or _BAD_VALUE.search(value) or value != value.strip():
        problems.append(f"{name}: value must be printable ASCII without line breaks")


def check_vary(names: Iterable[object], problems: list[str]) -> None:
    """Every name merged into ``Vary`` is a header name."""
    for name in names:
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            problems.append(f"vary: {name!r} is not a header name")


def html_path_patterns(
    patterns: Collection[str], problems: list[str]
) -> tuple[frozenset[str], tuple[str, ...]]:
    """``html_paths`` as exact paths and subtree prefixes (``"/static/*"``: ``/static``
    and everything below ``/static/``)."""
    if isinstance(patterns, str):
        problems.append("html_paths: a collection of paths ('/docs', '/static/*')")
        return frozenset(), ()
    exact: set[str] = set()
    prefixes: set[str] = set()
    for pattern in patterns:
        if (
            not isinstance(pattern, str)
            or not pattern.startswith("/")
            or "*" in pattern[:-1]
            or (pattern.endswith("*") and not pattern.endswith("/*"))
        ):
            problems.append(f"html_paths: {pattern!r} is not a path ('/docs') or subtree ('/x/*')")
        elif pattern.endswith("/*"):
            prefixes.add(pattern[:-1])
            exact.add(pattern[:-2] or "/")
        else:
            exact.add(pattern)
    return frozenset(exact), tuple(sorted(prefixes))
