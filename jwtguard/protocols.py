"""The pluggable parts of jwtguard, as Protocols.

Anything with these methods works: jwtguard never checks for a base class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from jwtguard.claims import Claims
    from jwtguard.keys import Key

__all__ = [
    "AsyncKeySource",
    "AsyncRevocationStore",
    "Clock",
    "KeySource",
    "ReplayCache",
    "RevocationChecker",
    "RevocationStore",
]

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


@runtime_checkable
class RevocationStore(RevocationChecker, Protocol):
    """Records revocations; ``is_revoked`` (inherited) answers the hot path from memory.

    Every entry expires on its own (``expires_at``, Unix time), so the store only
    holds what can still matter. The other methods may do I/O and raise
    :class:`jwtguard.errors.RevocationUnavailableError` when the backend is
    unreachable: a revocation is never reported as done when it was not.
    """

    def revoke(self, jti: str, expires_at: float) -> bool:
        """Revoke one token by ``jti`` until ``expires_at`` (its ``exp``).

        Returns True when this call revoked it, False when it already was
        (atomic: refresh rotation uses it to detect reuse).
        """
        ...

    def is_jti_revoked(self, jti: str) -> bool:
        """Whether ``jti`` is revoked, asking the backend itself (no local copy)."""
        ...

    def check(self, claims: Claims) -> bool:
        """:meth:`is_revoked` asked of the backend itself (no local copy, may do I/O)."""
        ...

    def revoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """Revoke every token of ``subject`` issued before ``issued_before`` (default: now)."""
        ...

    def revoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every token carrying ``fam == family`` (a refresh-token family)."""
        ...


@runtime_checkable
class AsyncRevocationStore(RevocationChecker, Protocol):
    """:class:`RevocationStore` for async code: the same operations, awaited."""

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        """See :meth:`RevocationStore.revoke`."""
        ...

    async def ais_jti_revoked(self, jti: str) -> bool:
        """See :meth:`RevocationStore.is_jti_revoked`."""
        ...

    async def acheck(self, claims: Claims) -> bool:
        """See :meth:`RevocationStore.check`."""
        ...

    async def arevoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """See :meth:`RevocationStore.revoke_subject`."""
        ...

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        """See :meth:`RevocationStore.revoke_family`."""
        ...


class ReplayCache(Protocol):
    """Remembers one-time values (DPoP proof ids) until they expire, shared by every
    process that must refuse a replay: :class:`jwtguard.revocation.MemoryReplayCache`
    (one process) or :class:`jwtguard.revocation.redis.RedisReplayCache`.

    Both methods must be atomic (two requests with one value: exactly one is first), and
    must raise :class:`jwtguard.ReplayCheckUnavailableError` rather than guess when they
    cannot answer.
    """

    def first_use(self, key: str, expires_at: float) -> bool:
        """Record ``key`` until ``expires_at`` (Unix time); False when it is already held."""
        ...

    async def afirst_use(self, key: str, expires_at: float) -> bool:
        """:meth:`first_use` for async code (never blocking the event loop)."""
        ...
