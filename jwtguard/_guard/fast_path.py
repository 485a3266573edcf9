"""The cache-first ``verify`` of a Guard without a revocation check (its hot path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from jwtguard.cache import Entry, VerifiedTokenCache
from jwtguard.claims import Claims

__all__ = ["cache_first"]


class _Counted(Protocol):
    hits: int


def cache_first(
    guard: _Counted,
    full: Callable[[str | bytes], Claims],
    get: Callable[[Any], Entry | None],
    clock: Callable[[], float],
    cache: VerifiedTokenCache,
) -> Callable[[str | bytes], Claims]:
    """``guard.verify`` for a guard without a revocation check: a cache hit is answered
    from this closure's own variables (no attribute look-ups on the guard but its hit
    count), so it costs about a dict look-up and a clock read; everything else is
    ``full`` (:meth:`Guard.verify`). ``get`` reads ``cache``'s entries."""

    def verify(token: str | bytes) -> Claims:
        try:
            entry = get(token)
        except TypeError:  # unhashable: verify says what it is
            return full(token)
        if entry is not None:
            claims, valid_until, stamp = entry
            if clock() < valid_until:
                guard.hits += 1
                if stamp < cache.promote_below:
                    cache.promote(token)  # type: ignore[arg-type]
                return claims
        return full(token)

    verify.__doc__ = full.__doc__
    return verify
