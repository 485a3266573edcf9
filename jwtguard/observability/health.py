"""Readiness: ready, degraded or not ready, with reasons, from a Guard's key sources
(every tenant) and its revocation store.

not ready: a remote key set holds no keys (never fetched, or stale beyond
``stale_if_error``), or the revocation store cannot answer (syncing, repairing, down
without a fail-open window left, closed): requests would be refused.
degraded: requests are answered, but something needs a look: the last JWKS fetch failed
(the last good keys are used), keys were skipped, or Redis is down and checks answer
from the last list during ``fail_open_for``.

The reasons are fixed labels with a tenant's position, never a URL, an issuer or any
other configuration: readiness endpoints are served without a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from jwtguard.keys.remote.options import JWKSHealth
from jwtguard.observability.metrics import key_sources, revocation_health
from jwtguard.revocation.health import RevocationHealth

if TYPE_CHECKING:
    from jwtguard.guard import Guard

__all__ = ["DEGRADED", "NOT_READY", "READY", "Readiness", "Status", "readiness"]

Status = Literal["ready", "degraded", "not_ready"]
READY: Final = "ready"
DEGRADED: Final = "degraded"
NOT_READY: Final = "not_ready"


@dataclass(frozen=True, slots=True)
class Readiness:
    """The answer of :func:`readiness`; ``reasons`` are ``(status, label)`` pairs."""

    status: Status
    reasons: tuple[tuple[Status, str], ...] = ()

    @property
    def ready(self) -> bool:
        """Whether requests are answered (ready or degraded): what ``/readyz`` reports."""
        return self.status != NOT_READY

    def as_dict(self) -> dict[str, Any]:
        """``{"status": ..., "reasons": [...]}`` for a JSON endpoint."""
        return {"status": self.status, "reasons": [label for _, label in self.reasons]}


def readiness(guard: Guard) -> Readiness:
    """Whether ``guard`` can answer requests now, and why not (see the module docs)."""
    reasons = list(_key_reasons(guard))
    store = revocation_health(guard)
    if store is not None:
        reasons.extend(_store_reasons(store))
    if any(status == NOT_READY for status, _ in reasons):
        return Readiness(NOT_READY, tuple(reasons))
    return Readiness(DEGRADED if reasons else READY, tuple(reasons))


def _key_reasons(guard: Guard) -> Iterator[tuple[Status, str]]:
    sources = key_sources(guard)
    several = len(guard.tenants) > 1
    positions = {issuer: n for n, issuer in enumerate(guard.tenants, 1)}
    for issuer, health in sources.items():
        where = f" (tenant {positions[issuer]})" if several else ""
        yield from ((status, label + where) for status, label in _jwks_reasons(health))


def _jwks_reasons(health: JWKSHealth) -> Iterator[tuple[Status, str]]:
    if not health.ready:
        yield NOT_READY, "keys_not_loaded"
        return
    failed_at, good_at = health.last_error_at, health.last_success
    if failed_at is not None and good_at is not None and failed_at > good_at:
        yield DEGRADED, "keys_refresh_failing"
    if health.skipped:
        yield DEGRADED, "keys_skipped"


def _store_reasons(store: RevocationHealth) -> Iterator[tuple[Status, str]]:
    if store.in_sync:
        return
    if store.state == "down" and store.fail_open_remaining > 0:
        yield DEGRADED, "revocation_failing_open"
    else:
        yield NOT_READY, f"revocation_{store.state}"
