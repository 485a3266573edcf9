"""The cache-first ``verify`` of a Guard without a revocation check (its hot path), and the
cache-only look-up the adapters' remembered-token path reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from jwtguard.cache import Entry, VerifiedTokenCache
from jwtguard.claims import Claims

__all__ = ["cache_first", "cache_lookup"]


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


def cache_lookup(
    guard: _Counted,
    get: Callable[[Any], Entry | None],
    clock: Callable[[], float],
    cache: VerifiedTokenCache,
    token_of: Callable[[Any], str | None],
    on_hit: Callable[[], object],
) -> Callable[[Any], Claims | None]:
    """For a guard without a revocation check: the claims of the token ``token_of(key)``
    names when its verification is cached and not expired since; a cache hit, counted as
    ``verify`` counts it, then ``on_hit()``. None for anything else, with nothing counted:
    the caller then decides the usual way, which answers and counts a refusal once."""

    def lookup(key: Any) -> Claims | None:
        token = token_of(key)
        entry = get(token)  # None for a None token: nothing is cached under None
        if entry is None:
            return None
        claims, valid_until, stamp = entry
        if clock() >= valid_until:
            return None
        guard.hits += 1
        if stamp < cache.promote_below:
            cache.promote(token)  # type: ignore[arg-type]  # an entry was found: a str
        on_hit()
        return claims

    return lookup
