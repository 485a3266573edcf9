"""The in-memory denylist: revoked ids, families and subjects, each until it expires.

Shared by :class:`MemoryRevocationStore` (where it is the store) and the Redis
stores (where it is the local copy Redis pushes to). Reads take no lock (single
dict look-ups are atomic in CPython); writes take one and prune what expired,
so memory is bounded by the revocations that can still matter.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from jwtguard.claims import Claims

__all__ = ["FAMILY_CLAIM", "Denylist"]

FAMILY_CLAIM: Final = "fam"
"""The claim naming a refresh-token family (also carried by the access tokens it issues)."""

_JTI, _SUB, _FAM = 0, 1, 2


class Denylist:
    """Revocation entries keyed by ``jti``, subject and family, expiring at Unix times."""

    __slots__ = ("_fam", "_heap", "_jti", "_lock", "_sub")

    def __init__(self) -> None:
        self._jti: dict[str, float] = {}
        self._fam: dict[str, float] = {}
        self._sub: dict[str, tuple[float, float]] = {}  # subject -> (issued_before, expires_at)
        self._heap: list[tuple[float, int, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._jti) + len(self._fam) + len(self._sub)

    # -- the hot path ------------------------------------------------------------------

    def is_revoked(self, claims: Claims | Mapping[str, Any]) -> bool:
        """True when the token's ``jti``, family or subject (by ``iat``) is listed."""
        try:
            data = claims._data  # type: ignore[union-attr]  # the Claims' plain mapping: faster
        except AttributeError:
            data = claims
        jtis, fams, subs = self._jti, self._fam, self._sub
        if jtis:
            jti = data.get("jti")
            if type(jti) is str and jti in jtis:
                return True
        if fams:
            fam = data.get(FAMILY_CLAIM)
            if type(fam) is str and fam in fams:
                return True
        if subs:
            sub = data.get("sub")
            entry = subs.get(sub) if type(sub) is str else None
            if entry is not None:
                iat = data.get("iat")
                # No usable iat: the token cannot show it is newer than the cut-off.
                if not isinstance(iat, (int, float)) or isinstance(iat, bool):
                    return True
                return bool(iat < entry[0])
        return False

    # -- exact look-ups (expired entries do not count) -----------------------------------

    def has_jti(self, jti: str, now: float) -> bool:
        """Whether ``jti`` is listed and its entry has not expired."""
        expires = self._jti.get(jti)
        return expires is not None and expires > now

    def has_family(self, family: str, now: float) -> bool:
        """Whether ``family`` is listed and its entry has not expired."""
        expires = self._fam.get(family)
        return expires is not None and expires > now

    def subject_cutoff(self, subject: str, now: float) -> float | None:
        """The ``issued_before`` cut-off for ``subject``, if one is in force."""
        entry = self._sub.get(subject)
        return entry[0] if entry is not None and entry[1] > now else None

    # -- writes ------------------------------------------------------------------------

    def add_jti(self, jti: str, expires_at: float, now: float) -> bool:
        """List ``jti``; True unless it was already listed (and unexpired)."""
        with self._lock:
            self._prune(now)
            current = self._jti.get(jti)
            if current is not None and current > now:
                if expires_at > current:
                    self._jti[jti] = expires_at
                    heapq.heappush(self._heap, (expires_at, _JTI, jti))
                return False
            self._jti[jti] = expires_at
            heapq.heappush(self._heap, (expires_at, _JTI, jti))
            return True

    def add_family(self, family: str, expires_at: float, now: float) -> None:
        """List a family until ``expires_at`` (an existing later expiry is kept)."""
        with self._lock:
            self._prune(now)
            if expires_at > self._fam.get(family, -1.0):
                self._fam[family] = expires_at
                heapq.heappush(self._heap, (expires_at, _FAM, family))

    def add_subject(
        self, subject: str, issued_before: float, expires_at: float, now: float
    ) -> None:
        """Revoke ``subject``'s tokens issued before ``issued_before``; the later cut-off wins."""
        with self._lock:
            self._prune(now)
            old_cutoff, old_expires = self._sub.get(subject, (-1.0, -1.0))
            if old_expires <= now:
                old_cutoff, old_expires = -1.0, -1.0
            entry = (max(old_cutoff, issued_before), max(old_expires, expires_at))
            self._sub[subject] = entry
            if entry[1] > old_expires:
                heapq.heappush(self._heap, (entry[1], _SUB, subject))

    def prune(self, now: float) -> None:
        """Drop every entry that expired at or before ``now``."""
        with self._lock:
            self._prune(now)

    def _prune(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, kind, name = heapq.heappop(heap)
            if kind == _JTI:
                if self._jti.get(name, now + 1) <= now:
                    del self._jti[name]
            elif kind == _FAM:
                if self._fam.get(name, now + 1) <= now:
                    del self._fam[name]
            else:
                entry = self._sub.get(name)
                if entry is not None and entry[1] <= now:
                    del self._sub[name]
