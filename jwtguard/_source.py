"""Where configuration comes from, and the one reader over every source.

A *source* maps setting names (``"LEEWAY"``, ``"REDIS_URL"``) to raw values and
spells each name the way the user wrote it, so every message names the key really
read: ``JWTGUARD_LEEWAY`` in the environment, a ``.env`` file or Flask's
``app.config``; ``JWTGUARD['LEEWAY']`` in a Django settings dict.

:class:`Reader` is the only code that turns raw values into typed ones. Python
values of the right type are taken as they are (``30``, ``timedelta(minutes=15)``,
``b"..."``, ``["api", "web"]``, ``True``); strings are parsed (``"30"``, ``"15m"``,
``"api,web"``, ``"yes"``); anything else is a problem. An unset value (absent,
``None`` or a blank string) means the default. Problems are collected, one line
each, and raised together in one :class:`~jwtguard.errors.ConfigError`; names a
source holds that nothing reads are problems too, with a "did you mean" hint.

A leaf above ``_values``: every layer that reads configuration (revocation,
config, adapters) reads it here, the same way.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Final, Protocol, TypeVar

from jwtguard._values import (
    Secret,
    to_flag,
    to_integer,
    to_level,
    to_pem,
    to_seconds,
    to_secret,
    to_strings,
    to_text,
)
from jwtguard.errors import ConfigError

__all__ = ["MISSING", "DictSource", "PrefixedSource", "Reader", "Source"]

PREFIX: Final = "JWTGUARD_"
T = TypeVar("T")


class _Missing(Enum):
    MISSING = "MISSING"


MISSING: Final = _Missing.MISSING
"""What :meth:`Source.lookup` returns for a name the source does not hold."""


class Source(Protocol):
    """A place settings are read from."""

    def lookup(self, name: str) -> object:
        """The raw value of ``name``, or :data:`MISSING`."""

    def label(self, name: str) -> str:
        """``name`` as the user spells it in this source, for messages."""

    def names(self) -> Iterator[str]:
        """Every name this source holds, known or not (for the unknown-name check)."""


def _unset(value: object) -> bool:
    return value is MISSING or value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, slots=True)
class PrefixedSource:
    """Names as ``prefix + NAME`` keys of one flat mapping: ``os.environ``, a ``.env``
    file's values, Flask's ``app.config``.

    ``aliases`` maps a name to one other key read when the prefixed key is unset
    (``{"SECRET_KEY": "JWT_SECRET_KEY"}``).
    """

    mapping: Mapping[str, object]
    prefix: str = PREFIX
    aliases: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, name: str) -> object:
        value = self.mapping.get(self.prefix + name, MISSING)
        alias = self.aliases.get(name)
        if alias is not None and _unset(value):
            return self.mapping.get(alias, value)
        return value

    def label(self, name: str) -> str:
        alias = self.aliases.get(name)
        prefixed = self.prefix + name
        if alias is None or not _unset(self.mapping.get(prefixed, MISSING)):
            return prefixed
        return prefixed if _unset(self.mapping.get(alias, MISSING)) else alias

    def names(self) -> Iterator[str]:
        size = len(self.prefix)
        for key in self.mapping:
            if isinstance(key, str) and key.startswith(self.prefix) and len(key) > size:
                yield key[size:]


@dataclass(frozen=True, slots=True)
class DictSource:
    """Names as the keys of one dict, e.g. Django's ``settings.JWTGUARD``;
    ``where`` names the dict in messages (``JWTGUARD['LEEWAY']``)."""

    mapping: Mapping[str, object]
    where: str = "JWTGUARD"

    def lookup(self, name: str) -> object:
        return self.mapping.get(name, MISSING)

    def label(self, name: str) -> str:
        return f"{self.where}[{name!r}]"

    def names(self) -> Iterator[str]:
        return (key for key in self.mapping if isinstance(key, str))


def _shown(value: object) -> str:
    """A bad value as a message may show it: a short quote of text, else its type."""
    if isinstance(value, str):
        return repr(value[:20])
    kind = type(value).__name__
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


class Reader:
    """Typed getters over one :class:`Source`, collecting every problem.

    Each getter returns the default (and records a problem) when the value is
    bad, so reading goes on and one pass finds everything.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.problems: list[str] = []

    # -- plumbing ----------------------------------------------------------------------

    def label(self, name: str) -> str:
        """``name`` as the user spells it."""
        return self.source.label(name)

    def problem(self, name: str, message: str) -> None:
        """Record one problem with ``name``."""
        self.problems.append(f"{self.label(name)}: {message}")

    def raw(self, name: str) -> object:
        """The raw value, or ``None`` when unset (absent, ``None`` or blank)."""
        value = self.source.lookup(name)
        return None if _unset(value) else value

    def is_set(self, name: str) -> bool:
        """Whether ``name`` holds a value."""
        return self.raw(name) is not None

    def raise_problems(self) -> None:
        """Raise one ConfigError listing every problem recorded, if any."""
        if self.problems:
            raise ConfigError(self.problems)

    # -- typed getters -----------------------------------------------------------------

    def _get(self, name: str, default: T, convert: Callable[[object], T | None], what: str) -> T:
        """``convert`` the value (``None``: not convertible), or the default and a problem."""
        value = self.raw(name)
        if value is None:
            return default
        result = convert(value)
        if result is None:
            self.problem(name, f"expected {what}, got {_shown(value)}")
            return default
        return result

    def text(self, name: str, default: str | None = None) -> str | None:
        """A string (surrounding spaces removed)."""
        return self._get(name, default, to_text, "a string")

    def secret(self, name: str) -> Secret[str | bytes] | None:
        """Text or bytes held in a :class:`Secret`; the value never appears in a message."""
        return self._get(name, None, to_secret, "a string or bytes")

    def text_or_file(self, name: str) -> str | None:
        """``NAME`` (text, or bytes as UTF-8) or the contents of the file ``NAME_FILE`` names."""
        value = self._get(name, None, to_pem, "PEM text (a string, or UTF-8 bytes)")
        path = self.text(name + "_FILE")
        if path is None:
            return value
        if self.is_set(name):
            self.problems.append(
                f"{self.label(name)} and {self.label(name + '_FILE')}: set only one"
            )
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            self.problem(name + "_FILE", f"cannot read {path[:200]!r}")
            return None

    def flag(self, name: str, default: bool) -> bool:
        """``True``/``False``, or one of true/false, yes/no, on/off, 1/0 as text."""
        return self._get(name, default, to_flag, "true or false (yes/no, on/off, 1/0)")

    def duration(
        self, name: str, default: float, *, minimum: float = 0.0, maximum: float = math.inf
    ) -> float:
        """Seconds: a number, a ``timedelta``, or text such as ``900``, ``15m``, ``250ms``."""
        what = "a number of seconds (e.g. 900 or 15m) or a timedelta"
        seconds = self._get(name, None, to_seconds, what)
        if seconds is None:
            return default
        return self._bounded(name, seconds, minimum, maximum, " seconds")

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        """A whole number: an ``int``, or text such as ``10000`` or ``10_000``."""
        number = self._get(name, None, to_integer, "a whole number")
        return default if number is None else int(self._bounded(name, number, minimum, math.inf))

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list, tuple or set of strings, or text separated by commas or spaces."""
        return self._get(name, default, to_strings, "a list of strings")

    def choice(self, name: str, choices: Collection[str], default: str | None) -> str | None:
        """One of ``choices`` (compared without case)."""
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in choices:
            return value.lower()
        self.problem(name, f"expected {' or '.join(repr(c) for c in choices)}, got {_shown(value)}")
        return default

    def log_level(self, name: str, default: int) -> int:
        """A :mod:`logging` level: a number, or a name such as ``INFO``."""
        return self._get(name, default, to_level, "a logging level (INFO, 20, ...)")

    def _bounded(self, name: str, value: float, low: float, high: float, unit: str = "") -> float:
        if value < low:
            self.problem(name, f"must be at least {low:g}{unit}")
        elif value > high:
            self.problem(name, f"at most {high:g}{unit}")
        return value

    # -- the whole source --------------------------------------------------------------

    def check_names(
        self, known: Collection[str], *, ignore: Iterable[str] = (), within: str = ""
    ) -> None:
        """Report every name the source holds that is not in ``known``.

        ``ignore``: names as the user spells them (``JWTGUARD_MYTOOL_*``: shell-style
        patterns) that belong to someone else and are left alone. ``within``: check
        only the names that start with it (a reader of one section, e.g. ``REDIS_``).
        """
        patterns = tuple(ignore)
        held = {name for name in self.source.names() if name.startswith(within)}
        for name in sorted(held - set(known)):
            label = self.label(name)
            if any(fnmatch.fnmatchcase(label, pattern) for pattern in patterns):
                continue
            close = difflib.get_close_matches(name, known, n=1)
            hint = (
                f"; did you mean {self.label(close[0])}?"
                if close
                else " (docs/configuration.md lists the names jwtguard reads)"
            )
            self.problem(name, f"unknown setting{hint}")
