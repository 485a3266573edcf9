"""Values shared by configuration readers: masked secrets, durations, booleans, lists, URLs.

A leaf module (standard library only), so any layer may parse configuration text
the same way.
"""

from __future__ import annotations

import math
import re
from typing import Final, Generic, TypeVar
from urllib.parse import urlsplit

__all__ = ["Secret", "mask_url", "parse_bool", "parse_duration", "split_list"]

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
    """``url`` with its password (if any) replaced by ``***``, safe to print."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    if not password:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


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
