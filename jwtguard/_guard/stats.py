"""What a Guard counts and tells: refusals by code, the stats snapshot, the listeners."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from jwtguard.keys.tenant import TenantStats

__all__ = ["GuardStats", "Rejections", "VerificationListener", "tell"]

logger = logging.getLogger("jwtguard")

VerificationListener = Callable[[float, bool], None]
"""Called after each full verification (never a cache hit) with its duration in seconds
and whether the token was accepted: see :meth:`Guard.add_verification_listener`."""


@dataclass(frozen=True, slots=True)
class GuardStats:
    """A snapshot of a Guard's counters (monotonic since start-up).

    ``hits``: verifications answered from the cache. ``misses``: full
    verifications (accepted or not). ``rejected``: refusals by error code,
    including those adapters report through :meth:`Guard.record_reject`.
    """

    hits: int
    misses: int
    rejected: Mapping[str, int] = field(default_factory=dict)
    cache_size: int = 0
    tenants: Mapping[str, TenantStats] = field(default_factory=dict)
    """Per tenant (by issuer), for a Guard built with ``tenants``; their refusals are
    counted in ``rejected`` too. A token naming no tenant counts only in ``rejected``."""
    evictions: int = 0
    """Cache entries dropped to make room for new ones."""


class Rejections:
    """Refusals by error code, counted from any thread."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, code: str) -> None:
        """Count one refusal with ``code``."""
        with self._lock:
            self._counts[code] += 1

    def snapshot(self) -> dict[str, int]:
        """The counts so far."""
        with self._lock:
            return dict(self._counts)


def tell(listeners: tuple[VerificationListener, ...], seconds: float, ok: bool) -> None:
    """Call each listener; one that raises is logged (its type only) and ignored."""
    for listener in listeners:
        try:
            listener(seconds, ok)
        except Exception as exc:  # noqa: BLE001 - a metrics hook never decides a request
            logger.error("jwtguard: a verification listener raised %s", type(exc).__name__)
