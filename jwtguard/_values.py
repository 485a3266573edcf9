"""Values shared by configuration readers: masked secrets, durations, booleans, lists,
URLs, and the ``to_*`` converters that turn a Python value or a string into each kind.

A leaf module (standard library only), so any layer may parse configuration the same
way; :mod:`jwtguard._source` reads through it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from datetime import timedelta
from typing import Final, Generic, TypeVar
from urllib.parse import urlsplit

__all__ = [
    "Secret",
    "kid_fingerprint",
    "mask_url",
    "parse_bool",
    "parse_duration",
    "split_list",
    "to_flag",
    "to_integer",
    "to_level",
    "to_pem",
    "to_secret",
    "to_seconds",
    "to_strings",
    "to_text",
]

_DURATION: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*")
_UNIT_SECONDS: Final = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_BOOLEANS: Final = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}


T = TypeVar("T", bound="str | bytes")


class Secret(Generic[T]):
    """A secret (text or bytes) that does not show itself in ``repr``, ``str`` or
    tracebacks' locals."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def reveal(self) -> T:
        """The secret itself. Never log it."""
        return self._value


def parse_duration(text: str) -> float:
    """Seconds from ``"900"``, ``"15m"``, ``"1.5h"``, ``"7d"`` or ``"250ms"``."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise ValueError("not a duration")
    value = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if not math.isfinite(value):
        raise ValueError("not a duration")
    return value


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, safe to print: the one in the
    user part and any in the query (``?password=``, which redis-py also reads)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    query = _QUERY_SECRET.sub(r"\1***", parts.query)
    if password:
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{host}")
    elif query == parts.query:
        return url
    return parts._replace(query=query).geturl()


_QUERY_SECRET: Final = re.compile(r"((?:^|[&;])(?:ssl_)?password=)[^&;]*", re.IGNORECASE)


def parse_bool(text: str) -> bool:
    """The one boolean vocabulary of every configuration source: ``true``/``false``,
    ``yes``/``no``, ``on``/``off``, ``1``/``0`` (any case, spaces around ignored)."""
    try:
        return _BOOLEANS[text.strip().lower()]
    except KeyError:
        raise ValueError("not a boolean") from None


def split_list(text: str) -> tuple[str, ...]:
    """The items of a comma- or space-separated list, stripped, empty ones dropped."""
    return tuple(part.strip() for part in re.split(r"[,\s]+", text) if part.strip())


# Python value or text -> typed value, or None when it is neither. A value that is
# already of the right Python type is taken as it is; text is parsed.


def to_text(value: object) -> str | None:
    """A string, stripped."""
    return value.strip() if isinstance(value, str) else None


def to_secret(value: object) -> Secret[str | bytes] | None:
    """Text or bytes, wrapped in a Secret (bytes stay bytes)."""
    if isinstance(value, (str, bytes, bytearray)):
        return Secret(bytes(value) if isinstance(value, bytearray) else value)
    return None


def to_pem(value: object) -> str | None:
    """PEM text: a string, or UTF-8 bytes decoded."""
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value if isinstance(value, str) else None


def to_flag(value: object) -> bool | None:
    """A bool, or a word of the one boolean vocabulary (:func:`parse_bool`)."""
    if isinstance(value, bool):
        return value
    try:
        return parse_bool(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _to_number(value: object) -> int | float | None:
    """An ``int`` or a finite ``float``, never a ``bool``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def to_seconds(value: object) -> float | None:
    """Seconds: a number, a ``timedelta``, or text for :func:`parse_duration`."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except ValueError:
            return None
    number = _to_number(value)
    return None if number is None else float(number)


def to_integer(value: object) -> int | None:
    """A whole number: an ``int`` (not a bool), or text such as ``10_000``."""
    if isinstance(value, str):
        try:
            return int(value.strip().replace("_", ""))
        except ValueError:
            return None
    number = _to_number(value)
    return number if isinstance(number, int) else None


def to_strings(value: object) -> tuple[str, ...] | None:
    """A list, tuple or set of strings, or text for :func:`split_list`."""
    if isinstance(value, str):
        return split_list(value)
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def to_level(value: object) -> int | None:
    """A logging level: a number, or a level name."""
    if isinstance(value, str):
        text = value.strip()
        number = int(text) if text.isdigit() else logging.getLevelName(text.upper())
        return number if isinstance(number, int) else None
    number = _to_number(value)
    return number if isinstance(number, int) else None


def kid_fingerprint(kid: str | None) -> str | None:
    """16 hex digits of the SHA-256 of ``kid`` (a token header's key id), or None.

    A log record names the key a refused token asked for by this, never by the ``kid``
    itself: the sender chooses it, and it may carry anything (a secret pasted by mistake,
    text aimed at a log viewer)."""
    if kid is None:
        return None
    return hashlib.sha256(kid.encode("utf-8", "surrogatepass")).hexdigest()[:16]
