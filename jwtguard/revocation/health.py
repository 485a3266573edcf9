"""A revocation store's state, for health checks and metrics (``store.health()``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["RevocationHealth", "StoreState"]

StoreState = Literal["in_sync", "syncing", "repairing", "down", "closed"]
"""``in_sync``: checks are answered; ``syncing``: a (re)sync runs, checks wait for it
(bounded) then fail closed; ``repairing``: the shared list was lost and this process
re-publishes it, checks fail closed; ``down``: Redis unreachable, checks fail closed
(or answer from the last list during ``fail_open_for``); ``closed``: ``close()`` ran."""


@dataclass(frozen=True, slots=True)
class RevocationHealth:
    """What a store reports about itself; every field is safe to log or export
    (the URL's password is masked)."""

    backend: str
    """``"memory"`` or ``"redis"``."""
    state: StoreState
    in_sync: bool
    """Whether checks are answered from an up-to-date list right now."""
    entries: int
    """Live entries in this process's list (its local copy, for Redis)."""
    url: str | None = None
    namespace: str | None = None
    mode: str | None = None
    fail_open_remaining: float = 0.0
    """Seconds checks will still answer from the last list while Redis is away."""
    syncs: int = 0
    """Completed (re)syncs since the store started."""
    last_sync_seconds: float | None = None
    """How long the last (re)sync took."""
    last_sync_entries: int | None = None
    redis_errors: int = 0
    """Connection losses and failed Redis calls since the store started."""
    losses_detected: int = 0
    """Times this process found the shared list lost or rolled back (and repaired it)."""
    push_lag_seconds: float | None = None
    """Of the last pushed revocation: Redis' clock at PUBLISH to applied here (includes
    clock skew between hosts)."""
    epoch: str | None = None
    """The identity of the shared list this process is in sync with."""

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (for JSON health endpoints)."""
        return dataclasses.asdict(self)
