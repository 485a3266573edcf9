"""The pluggable parts of jwtguard, as Protocols.

Anything with these methods works: jwtguard never checks for a base class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from jwtguard.claims import Claims
    from jwtguard.keys import Key

__all__ = ["AsyncKeySource", "Clock", "KeySource", "RevocationChecker"]

Clock = Callable[[], float]
"""Returns the current Unix time in seconds. ``time.time`` by default; pin it in tests."""


@runtime_checkable
class KeySource(Protocol):
    """Where a :class:`jwtguard.Guard` finds verification keys (a :class:`jwtguard.KeySet`,
    or a remote JWKS that refreshes itself)."""

    def find(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        """Candidate keys for a token's ``kid`` and ``alg``; empty when none fits."""
        ...

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after the keys change, so caches built on them are dropped."""
        ...


@runtime_checkable
class AsyncKeySource(KeySource, Protocol):
    """A key source that may need I/O (e.g. a JWKS refetch for an unknown ``kid``)."""

    async def afind(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        """Like :meth:`find`, awaiting a refresh when that is allowed."""
        ...


@runtime_checkable
class RevocationChecker(Protocol):
    """Answers, without blocking I/O, whether verified claims were revoked.

    Consulted on every verification, cache hits included, so it must be
    cheap: an in-memory look-up (the Redis store keeps a pushed local copy).
    """

    def is_revoked(self, claims: Claims) -> bool:
        """True when the token (by ``jti``), its family or its subject was revoked."""
        ...
