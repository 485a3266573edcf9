"""Closing what a Guard holds (its revocation store, its key source), sync or async."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from jwtguard.errors import ConfigError

__all__ = ["aclose_parts", "close_parts"]


def close_parts(parts: Iterable[object]) -> None:
    """``close()`` each part that has one; a part that closes asynchronously is refused."""
    for part in parts:
        close = getattr(part, "close", None)
        if close is None:
            continue
        if inspect.iscoroutinefunction(close):
            raise ConfigError(f"{type(part).__name__} closes asynchronously: use aclose()")
        close()


async def aclose_parts(parts: Iterable[object]) -> None:
    """Await each part's ``aclose()``, or call its ``close()`` (awaited if it returns an
    awaitable)."""
    for part in parts:
        aclose = getattr(part, "aclose", None)
        if aclose is not None:
            await aclose()
        elif callable(close := getattr(part, "close", None)):
            result = close()
            if inspect.isawaitable(result):
                await result
