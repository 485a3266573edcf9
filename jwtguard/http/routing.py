"""Which requirement a route path gets: ``exempt`` paths and per-path ``rules``, compiled.

A decision made on another spelling of the path than the one the router routes is an
authorization bypass (``//admin`` served as ``/admin`` by werkzeug, ``/admin;x`` read as
``/admin`` by a Java proxy, ``/ADMIN`` by a case-insensitive file system). So:

Patterns (``"/health"``, ``"/admin/*"``; decoded text, like the route paths):

* ``"/a/b"`` is one path. As an exempt pattern it matches that path exactly; as a rule
  it also matches ``"/a/b/"`` (routers redirect one to the other, and a rule that
  reaches a little further is only stricter).
* ``"/a/*"`` is the subtree: every path below ``"/a/"``. A rule ``"/a/*"`` also covers
  ``"/a"`` itself; an exempt ``"/a/*"`` does not (exempt ``"/a"`` too if it should be).
  ``"/*"`` is every path.
* Case-sensitive, like Starlette's and werkzeug's routers.
* The most specific pattern wins, exempt or rule alike: an exact pattern over any
  subtree, a longer subtree over a shorter one; between an exempt pattern and a rule
  that are equally specific, the rule wins. The same pattern in both is a ConfigError.

Paths that could be read as another path are refused (InvalidRequestError, 400)
before any rule is applied, whenever a pattern is configured (without patterns the
path decides nothing):

* always: control characters (NUL included), invalid UTF-8 (as U+FFFD), ``\\``, ``;``
  path parameters, a decoded ``%`` (a second decoding would read another path), ``.``
  and ``..`` segments, an encoded ``/`` or ``\\`` (``%2F``, ``%5C`` in the raw path), a
  path that does not start with ``/``;
* when ambiguous: a path with empty segments (``//``) or capital letters is decided
  only if every reading gets the same requirement: as written (Starlette, Django),
  with leading slashes dropped and with every run of slashes merged (werkzeug,
  nginx), and lower-cased (case-insensitive routers and file systems). Otherwise it
  is refused: ``//items`` is served as usual, ``//admin`` (next to a rule for
  ``/admin``) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from jwtguard.errors import ConfigError, InvalidRequestError
from jwtguard.http.requirement import Requirement

__all__ = ["PathRules"]

AMBIGUOUS: Final = "The request path is ambiguous."
# A character outside printable ASCII, or one of '%', ';', '\\' and the capitals: such paths
# (and those with '//', '/.' or no leading '/') get a closer look; the common path costs a
# one-class regex search and two substring tests.
_UNUSUAL: Final = re.compile(r"[^!-$&-:<-@\[\]-~]")
# Always refused: controls (C0, DEL, C1), invalid UTF-8 (decoded as U+FFFD), '\\', ';',
# a decoded '%' (a second decoding would read another path), dot segments, no leading '/'.
_REFUSED: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffd%\\;]|/\.\.?(?:/|$)|^(?!/)")
_ENCODED_SEPARATOR: Final = re.compile(r"%(?:2[fF]|5[cC])")
_SLASHES: Final = re.compile(r"/{2,}")
_BAD_PATTERN: Final = re.compile(r"[\x00-\x20\x7f-\x9f\\;%?#]|//|/\.\.?(?:/|$)")

# A table entry: what applies (None: exempt) and how specific its pattern is:
# (exact 1 / subtree 0, length of the path it names, rule 1 / exempt 0); higher wins.
_Rank = tuple[int, int, int]
_Entry = tuple["Requirement | None", _Rank]


def _check(pattern: object, what: str) -> str:
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise ConfigError(f"{what}: paths must start with '/' ({str(pattern)[:60]!r})")
    if _BAD_PATTERN.search(pattern) or "*" in pattern[:-1] or pattern[-2:-1] + "*" == "**":
        raise ConfigError(
            f"{what}: {pattern[:60]!r} is not a path pattern: write the decoded path, without "
            "empty or dot segments, ';', '\\', '%', spaces, and '*' only as a final '/*'"
        )
    if pattern.endswith("*") and not pattern.endswith("/*"):
        raise ConfigError(f"{what}: {pattern[:60]!r}: a subtree is written '/prefix/*'")
    return pattern


class PathRules:
    """``exempt`` paths and ``rules`` (pattern -> :class:`Requirement`), compiled once.

    :meth:`requirement_for` answers the requirement for a route path (None: exempt),
    ``default`` where no pattern matches; see the module docstring for the semantics.
    """

    def __init__(
        self,
        exempt: Iterable[str] = (),
        rules: Mapping[str, Requirement] | None = None,
        default: Requirement | None = None,
    ) -> None:
        self.default = default if default is not None else Requirement()
        if isinstance(exempt, str):
            exempt = (exempt,)
        rules = dict(rules or {})
        for requirement in rules.values():
            if not isinstance(requirement, Requirement):
                raise ConfigError("rules: values must be Requirement objects")
        exempt = [_check(p, "exempt") for p in exempt]
        for pattern in rules:
            _check(pattern, "rules")
        both = sorted(set(exempt) & set(rules))
        if both:
            raise ConfigError(f"rules: {both[0][:60]!r} is also exempt: keep one")
        self._exact: dict[str, _Entry] = {}
        subtrees: dict[str, _Entry] = {}
        entries: list[tuple[str, Requirement | None]] = [(p, None) for p in exempt]
        for pattern, applies in entries + list(rules.items()):
            rule = int(applies is not None)
            if pattern.endswith("/*"):
                base = pattern[:-2]
                _keep(subtrees, base + "/", (applies, (0, len(base), rule)))
                if rule and base:  # a rule for the subtree also covers its root
                    _keep(self._exact, base, (applies, (0, len(base), rule)))
            else:
                base = pattern.rstrip("/") or "/"
                entry = (applies, (1, len(base), rule))
                _keep(self._exact, base if rule else pattern, entry)
                if rule and base != "/":  # a rule also covers the path with a trailing slash
                    _keep(self._exact, base + "/", entry)
        # longest first: the first subtree that matches is the most specific one
        self._subtrees = sorted(subtrees.items(), key=lambda item: -len(item[0]))
        self.empty = not (self._exact or self._subtrees)

    def lookup(self, path: str) -> Requirement | None:
        """The requirement for ``path`` taken literally, without any check (None: exempt)."""
        found = self._exact.get(path)
        if found is not None:
            return found[0]
        for prefix, entry in self._subtrees:
            if path.startswith(prefix):
                return entry[0]
        return self.default

    def requirement_for(self, path: str, raw_path: str | None = None) -> Requirement | None:
        """The requirement for a route path (None: exempt).

        Raises InvalidRequestError (400) for a path that could be read as another one
        with a different requirement, see the module docstring.
        """
        if self.empty:
            return self.default
        if raw_path is not None and "%" in raw_path and _ENCODED_SEPARATOR.search(raw_path):
            raise InvalidRequestError(AMBIGUOUS)
        if path[:1] == "/" and "//" not in path and "/." not in path and not _UNUSUAL.search(path):
            return self.lookup(path)
        if _REFUSED.search(path):
            raise InvalidRequestError(AMBIGUOUS)
        readings = {path}
        if "//" in path:
            readings.add("/" + path.lstrip("/"))
            readings.add(_SLASHES.sub("/", path))
        lowered = {reading.lower() for reading in readings}
        readings |= lowered
        found = self.lookup(path)
        for reading in readings:
            if self.lookup(reading) != found:
                raise InvalidRequestError(AMBIGUOUS)
        return found


def _keep(table: dict[str, _Entry], key: str, entry: _Entry) -> None:
    """Keep the more specific of two patterns naming the same path."""
    current = table.get(key)
    if current is None or current[1] < entry[1]:
        table[key] = entry
