"""One-time values (DPoP proof ``jti``) remembered in this process until they expire."""

from __future__ import annotations

import heapq
import threading
import time
from typing import Final

from jwtguard.errors import ConfigError, ReplayCheckUnavailableError
from jwtguard.protocols import Clock

__all__ = ["DEFAULT_MAX_ENTRIES", "MemoryReplayCache"]

DEFAULT_MAX_ENTRIES: Final = 1_000_000
"""About 150 MB at most; a DPoP proof is held for its window (about a minute)."""


class MemoryReplayCache:
    """A :class:`jwtguard.protocols.ReplayCache` in one process's memory: thread-safe, no I/O.

    Right for one process. With several workers or hosts a replayed proof could reach
    another process: use :class:`jwtguard.revocation.redis.RedisReplayCache` there.
    Full (``max_entries`` unexpired values) it refuses new values with
    :class:`ReplayCheckUnavailableError` instead of forgetting one that may still be
    replayed.
    """

    __slots__ = ("_clock", "_heap", "_lock", "_max", "_seen")

    def __init__(self, *, clock: Clock = time.time, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if not isinstance(max_entries, int) or isinstance(max_entries, bool) or max_entries < 1:
            raise ConfigError("max_entries: must be a positive integer")
        self._clock = clock
        self._max = max_entries
        self._seen: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._seen)

    def first_use(self, key: str, expires_at: float) -> bool:
        now = self._clock()
        seen, heap = self._seen, self._heap
        with self._lock:
            while heap and heap[0][0] <= now:
                at, old = heapq.heappop(heap)
                if seen.get(old) == at:
                    del seen[old]
            held = seen.get(key)
            if held is not None and held > now:
                return False
            if len(seen) >= self._max:
                raise ReplayCheckUnavailableError
            seen[key] = expires_at
            heapq.heappush(heap, (expires_at, key))
            return True

    async def afirst_use(self, key: str, expires_at: float) -> bool:
        return self.first_use(key, expires_at)
