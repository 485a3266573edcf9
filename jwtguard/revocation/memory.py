"""The default revocation store: one process's memory."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from jwtguard.errors import ConfigError
from jwtguard.protocols import Clock
from jwtguard.revocation._denylist import FAMILY_CLAIM, Denylist
from jwtguard.revocation.health import RevocationHealth

if TYPE_CHECKING:
    from jwtguard.claims import Claims

__all__ = ["DEFAULT_LEEWAY", "DEFAULT_MAX_TOKEN_LIFETIME", "MemoryRevocationStore"]

DEFAULT_LEEWAY = 300.0
"""Seconds every entry outlives the ``exp`` it was given: a Guard's leeway (at most
300 s) must never bring a revoked token back to life."""

DEFAULT_MAX_TOKEN_LIFETIME = 30 * 86400.0
"""How long a subject-wide revocation is kept after its cut-off, by default."""


def check_lifetimes(leeway: float, max_token_lifetime: float) -> list[str]:
    """Configuration problems shared by every store."""
    problems = []
    if not isinstance(leeway, (int, float)) or not 0 <= leeway <= 3600:
        problems.append("leeway: must be a number of seconds between 0 and 3600")
    if not isinstance(max_token_lifetime, (int, float)) or not (0 < max_token_lifetime < math.inf):
        problems.append("max_token_lifetime: must be a positive number of seconds")
    return problems


class MemoryRevocationStore:
    """Revocations kept in this process only: thread-safe, no I/O, nothing to run.

    Right for one process. With several workers or hosts, each would keep its
    own list; use :class:`jwtguard.revocation.redis.RedisRevocationStore` there.

    Args:
        clock: the time source; share the Guard's (``FrozenClock`` in tests).
        leeway: seconds each entry outlives the ``exp`` it names; keep it at least
            the Guard's leeway, or a revoked token is accepted again in between.
        max_token_lifetime: how long after its cut-off a subject-wide revocation
            is kept when no ``expires_at`` is given: the longest lifetime of any
            token you issue (refresh tokens included).
    """

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        leeway: float = DEFAULT_LEEWAY,
        max_token_lifetime: float = DEFAULT_MAX_TOKEN_LIFETIME,
    ) -> None:
        problems = check_lifetimes(leeway, max_token_lifetime)
        if problems:
            raise ConfigError(problems)
        self.clock = clock
        self.leeway = float(leeway)
        self.max_token_lifetime = float(max_token_lifetime)
        self.denylist = Denylist()
        self.is_revoked = self.denylist.is_revoked  # type: ignore[method-assign]  # one call less

    def __len__(self) -> int:
        return len(self.denylist)

    def is_revoked(self, claims: Claims) -> bool:
        """The Guard's per-request check: in-memory look-ups only."""
        return self.denylist.is_revoked(claims)

    def check(self, claims: Claims) -> bool:
        """Same answer as :meth:`is_revoked`, ignoring entries that expired."""
        now = self.clock()
        d = self.denylist
        jti, sub, fam = claims.jti, claims.subject, claims.get(FAMILY_CLAIM)
        if jti is not None and d.has_jti(jti, now):
            return True
        if isinstance(fam, str) and d.has_family(fam, now):
            return True
        cutoff = d.subject_cutoff(sub, now) if sub is not None else None
        if cutoff is None:
            return False
        iat = claims.get("iat")
        return not isinstance(iat, (int, float)) or isinstance(iat, bool) or iat < cutoff

    def revoke(self, jti: str, expires_at: float) -> bool:
        """Revoke one token by ``jti`` until ``expires_at`` (+ leeway); False if it already was."""
        return self.denylist.add_jti(jti, expires_at + self.leeway, self.clock())

    def is_jti_revoked(self, jti: str) -> bool:
        """Whether ``jti`` is revoked."""
        return self.denylist.has_jti(jti, self.clock())

    def revoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """Revoke every token of ``subject`` whose ``iat`` is before ``issued_before``.

        The default cut-off is the end of the current second: ``iat`` has
        one-second resolution, so a token issued in this same second, even just
        after this call, is revoked too. ``expires_at`` defaults to the cut-off
        plus ``max_token_lifetime``.
        """
        now = self.clock()
        cutoff, until = subject_window(now, issued_before, expires_at, self.max_token_lifetime)
        self.denylist.add_subject(subject, cutoff, until + self.leeway, now)

    def revoke_family(self, family: str, expires_at: float) -> None:
        """Revoke every token whose ``fam`` claim is ``family`` until ``expires_at`` (+ leeway)."""
        self.denylist.add_family(family, expires_at + self.leeway, self.clock())

    def prune(self) -> None:
        """Drop expired entries now (every write does it too)."""
        self.denylist.prune(self.clock())

    def health(self) -> RevocationHealth:
        """Always in sync (nothing to sync with); ``entries`` counts the live list."""
        return RevocationHealth(backend="memory", state="in_sync", in_sync=True, entries=len(self))

    # -- async variants: no I/O here, so they just run the sync ones -------------------

    async def arevoke(self, jti: str, expires_at: float) -> bool:
        """See :meth:`revoke`."""
        return self.revoke(jti, expires_at)

    async def ais_jti_revoked(self, jti: str) -> bool:
        """See :meth:`is_jti_revoked`."""
        return self.is_jti_revoked(jti)

    async def acheck(self, claims: Claims) -> bool:
        """See :meth:`check`."""
        return self.check(claims)

    async def arevoke_subject(
        self, subject: str, *, issued_before: float | None = None, expires_at: float | None = None
    ) -> None:
        """See :meth:`revoke_subject`."""
        self.revoke_subject(subject, issued_before=issued_before, expires_at=expires_at)

    async def arevoke_family(self, family: str, expires_at: float) -> None:
        """See :meth:`revoke_family`."""
        self.revoke_family(family, expires_at)


def subject_window(
    now: float, issued_before: float | None, expires_at: float | None, max_lifetime: float
) -> tuple[float, float]:
    """(cut-off, expiry) of a subject-wide revocation, defaults filled in."""
    cutoff = math.floor(now) + 1.0 if issued_before is None else float(issued_before)
    until = cutoff + max_lifetime if expires_at is None else float(expires_at)
    return cutoff, until
