"""Typed use of the public API; `make typecheck` runs mypy --strict over this file."""

from __future__ import annotations

from jwtguard import Claims, Guard, GuardStats, Key, KeySet, TokenError
from jwtguard.testing import FrozenClock, TokenFactory


def check(token: str | bytes) -> str | None:
    clock = FrozenClock()
    factory = TokenFactory.hs256(clock=clock)
    guard: Guard = factory.guard(audience="api", leeway=5)
    keys = KeySet([Key.from_secret(b"k" * 32, "HS256", kid="a")])
    other = Guard(keys, algorithms=["HS256"], clock=clock)
    try:
        claims: Claims = guard.verify(token)
    except TokenError as exc:
        code: str = exc.code
        return code
    stats: GuardStats = other.stats()
    scopes: frozenset[str] = claims.scopes
    return f"{claims.subject} {sorted(scopes)} {stats.hits}"
