"""The verified-token cache: exact token text -> claims, bounded by size and by ``exp``.

Storage and eviction order are a ``cachetools.LRUCache`` guarded by a lock; a
plain dict mirrors it so a hit costs one lock-free dict look-up. Recency is
refreshed lazily: a hit moves its entry to the fresh end only when more than
``maxsize // 2`` other entries were inserted or refreshed since its last move.
An entry hit at least that often can therefore never reach the eviction end,
and the common hit does no locking and no reordering.

Only tokens that passed every check are stored; failures are not cached (see
docs/core.md: caching them would let anyone evict valid entries with junk).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache

if TYPE_CHECKING:
    from jwtguard.claims import Claims

__all__ = ["Entry", "VerifiedTokenCache"]

Entry = tuple["Claims", float, int]
"""(claims, valid_until, stamp): valid_until is exp + leeway, capped by the cache TTL."""


class _MirroredLRU(LRUCache[str, Entry]):
    def __init__(self, maxsize: int, mirror: dict[str, Entry]) -> None:
        super().__init__(maxsize)
        self._mirror = mirror
        self.evictions = 0

    def popitem(self) -> tuple[str, Entry]:
        key, value = super().popitem()
        self._mirror.pop(key, None)
        self.evictions += 1  # under the cache's lock: popitem runs only inside put()
        return key, value


class VerifiedTokenCache:
    """Thread-safe cache of verified tokens. ``maxsize=0`` disables it."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: dict[str, Entry] = {}
        """Read-only view for the hot path; only this class writes to it."""
        self._lru = _MirroredLRU(max(maxsize, 1), self.entries)
        self._lock = threading.Lock()
        self._promote_after = max(maxsize // 2, 1)
        self.tick = 0
        """Count of insertions and refreshes; an entry's stamp is the tick it was last moved at."""
        self.promote_below = 0
        """A hit on an entry stamped below this refreshes its recency (tick - maxsize // 2)."""

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def evictions(self) -> int:
        """Entries dropped to make room (least recently used first), since start-up."""
        return self._lru.evictions

    def _advance(self) -> int:
        self.tick += 1
        self.promote_below = self.tick - self._promote_after
        return self.tick

    def put(self, token: str, claims: Claims, valid_until: float) -> None:
        """Store a verified token until ``valid_until`` (Unix time)."""
        if self.maxsize <= 0:
            return
        with self._lock:
            entry = (claims, valid_until, self._advance())
            self._lru[token] = entry
            self.entries[token] = entry

    def promote(self, token: str) -> None:
        """Move a hit entry to the fresh end of the LRU order."""
        with self._lock:
            entry = self._lru.get(token)
            if entry is None:
                return
            entry = (entry[0], entry[1], self._advance())
            self._lru[token] = entry
            self.entries[token] = entry

    def discard(self, token: str) -> None:
        """Forget one token (after a revocation, or when it is found expired)."""
        with self._lock:
            self.entries.pop(token, None)
            self._lru.pop(token, None)

    def discard_where(self, predicate: Any) -> int:
        """Forget every entry whose claims satisfy ``predicate``; return how many."""
        with self._lock:
            doomed = [t for t, e in self.entries.items() if predicate(e[0])]
            for token in doomed:
                self.entries.pop(token, None)
                self._lru.pop(token, None)
            return len(doomed)

    def clear(self) -> None:
        """Forget everything (keys changed)."""
        with self._lock:
            self.entries.clear()
            self._lru.clear()
