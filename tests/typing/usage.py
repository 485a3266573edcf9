"""Typed use of the public API; `make typecheck` runs mypy --strict over this file."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

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


def key_inputs() -> list[Guard]:
    """Every documented kind of ``key=`` type-checks; anything else is refused."""
    private = ec.generate_private_key(ec.SECP256R1())
    return [
        Guard("s" * 32, algorithms=["HS256"]),
        Guard(b"s" * 32, algorithms=["HS256"]),
        Guard(private.public_key(), algorithms=["ES256"]),
        Guard(
            {"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
            algorithms=["HS256"],
        ),
        Guard(object(), algorithms=["HS256"]),  # type: ignore[arg-type]
        Guard(42, algorithms=["HS256"]),  # type: ignore[arg-type]
    ]
