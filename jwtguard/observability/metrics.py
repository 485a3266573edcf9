"""Every metric jwtguard exports, and how to read them from a Guard at collection time.

One table (:data:`METRICS`) names each metric for both exporters: its Prometheus name
and labels, its OpenTelemetry name, unit and attribute names (OpenTelemetry semantic
conventions where one exists: ``error.type`` for a refusal's code). :func:`sample`
reads a Guard's counters, its key sources' and its revocation store's health into
:class:`Sample` values; the Prometheus collector and the OpenTelemetry callbacks call
it when they are scraped or collected, never on the request path. The one value that
cannot be read afterwards, the verification-latency histogram, is fed by
:meth:`jwtguard.Guard.add_verification_listener` on full verifications only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from jwtguard.keys.remote.options import JWKSHealth
from jwtguard.revocation.health import RevocationHealth

if TYPE_CHECKING:
    from jwtguard.guard import Guard

__all__ = [
    "DURATION",
    "DURATION_BUCKETS",
    "METRICS",
    "SINGLE_TENANT",
    "Metric",
    "Sample",
    "key_sources",
    "revocation_health",
    "sample",
]

Kind = Literal["counter", "gauge", "histogram"]

SINGLE_TENANT: Final = ""
"""The ``tenant`` label of a Guard built with ``key=`` (no tenants)."""


@dataclass(frozen=True, slots=True)
class Metric:
    """One metric: its names, kind, unit, meaning and labels in both exporters."""

    name: str
    """Prometheus name (a counter's samples end in ``_total``)."""
    otel_name: str
    kind: Kind
    unit: str
    """UCUM unit for OpenTelemetry (``s``, ``{decision}``, ...)."""
    help: str
    labels: tuple[str, ...] = ()
    """Prometheus label names."""
    attributes: tuple[str, ...] = ()
    """OpenTelemetry attribute names, in the order of ``labels``."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of a metric for one set of label values (in ``labels`` order)."""

    metric: Metric
    labels: tuple[str, ...]
    value: float


def _metric(name: str, kind: Kind, unit: str, help: str, /, **labels: str) -> Metric:
    """A metric whose OpenTelemetry name is its Prometheus name with a dot after the
    namespace and the subject, without the unit (``jwtguard.verification.duration``)."""
    stem = name.removeprefix("jwtguard_").removesuffix("_seconds")
    otel = "jwtguard." + stem.replace("_", ".", 1)
    return Metric(name, otel, kind, unit, help, tuple(labels), tuple(labels.values()))


DECISIONS: Final = _metric(
    "jwtguard_decisions", "counter", "{decision}",
    "Requests decided, by adapter, outcome (allowed, refused, anonymous, exempt, "
    "would_refuse), error code (empty unless refused) and tenant (empty without tenants).",
    adapter="jwtguard.adapter", outcome="jwtguard.outcome", code="error.type",
    tenant="jwtguard.tenant",
)  # fmt: skip
REJECTIONS: Final = _metric(
    "jwtguard_rejections", "counter", "{token}",
    "Refusals by error code, counted by the Guard (verification and adapters).",
    code="error.type",
)  # fmt: skip
CACHE_HITS: Final = _metric(
    "jwtguard_cache_hits", "counter", "{token}", "Verifications answered from the cache."
)
CACHE_MISSES: Final = _metric(
    "jwtguard_cache_misses", "counter", "{token}", "Full verifications (accepted or not)."
)
CACHE_EVICTIONS: Final = _metric(
    "jwtguard_cache_evictions", "counter", "{token}", "Cached tokens dropped to make room."
)
CACHE_ENTRIES: Final = _metric(
    "jwtguard_cache_entries", "gauge", "{token}", "Verified tokens cached now."
)
TENANT_ACCEPTED: Final = _metric(
    "jwtguard_tenant_accepted", "counter", "{token}",
    "Full verifications a tenant accepted (several issuers configured).",
    tenant="jwtguard.tenant",
)  # fmt: skip
TENANT_REJECTIONS: Final = _metric(
    "jwtguard_tenant_rejections", "counter", "{token}",
    "Refusals of tokens naming a tenant, by error code.",
    tenant="jwtguard.tenant", code="error.type",
)  # fmt: skip
JWKS_FETCHES: Final = _metric(
    "jwtguard_jwks_fetches", "counter", "{fetch}",
    "JWKS (and discovery) fetches, successful or not.", tenant="jwtguard.tenant",
)  # fmt: skip
JWKS_FAILURES: Final = _metric(
    "jwtguard_jwks_fetch_failures", "counter", "{fetch}",
    "Failed JWKS fetches by kind (timeout, http_status, invalid_json, ...).",
    tenant="jwtguard.tenant", kind="error.type",
)  # fmt: skip
JWKS_KEYS: Final = _metric(
    "jwtguard_jwks_keys", "gauge", "{key}", "Keys held from the JWKS.", tenant="jwtguard.tenant"
)
JWKS_SKIPPED: Final = _metric(
    "jwtguard_jwks_skipped_keys", "gauge", "{key}",
    "Keys of the last JWKS that could not be used (see the log for why).",
    tenant="jwtguard.tenant",
)  # fmt: skip
JWKS_AGE: Final = _metric(
    "jwtguard_jwks_last_success_age_seconds", "gauge", "s",
    "Seconds since the last good JWKS fetch (absent before the first).",
    tenant="jwtguard.tenant",
)  # fmt: skip
JWKS_READY: Final = _metric(
    "jwtguard_jwks_ready", "gauge", "1",
    "1 while a loaded key set is held, else 0.", tenant="jwtguard.tenant",
)  # fmt: skip
REVOCATION_IN_SYNC: Final = _metric(
    "jwtguard_revocation_in_sync", "gauge", "1",
    "1 while revocation checks are answered from an up-to-date list, else 0.",
    backend="jwtguard.revocation.backend",
)  # fmt: skip
REVOCATION_STATE: Final = _metric(
    "jwtguard_revocation_state", "gauge", "1",
    "1 for the store's current state (in_sync, syncing, repairing, down, closed).",
    backend="jwtguard.revocation.backend", state="jwtguard.revocation.state",
)  # fmt: skip
REVOCATION_FAIL_OPEN: Final = _metric(
    "jwtguard_revocation_fail_open_remaining_seconds", "gauge", "s",
    "Seconds checks will still answer from the last list while Redis is away.",
    backend="jwtguard.revocation.backend",
)  # fmt: skip
REVOCATION_ENTRIES: Final = _metric(
    "jwtguard_revocation_entries", "gauge", "{entry}",
    "Live entries in this process's revocation list.", backend="jwtguard.revocation.backend",
)  # fmt: skip
REVOCATION_PUSH_LAG: Final = _metric(
    "jwtguard_revocation_push_lag_seconds", "gauge", "s",
    "Of the last pushed revocation: Redis' PUBLISH to applied here (Redis push mode).",
    backend="jwtguard.revocation.backend",
)  # fmt: skip
REVOCATION_ERRORS: Final = _metric(
    "jwtguard_revocation_redis_errors", "counter", "{error}",
    "Redis connection losses and failed calls.", backend="jwtguard.revocation.backend",
)  # fmt: skip
REVOCATION_SYNCS: Final = _metric(
    "jwtguard_revocation_syncs", "counter", "{sync}",
    "Completed (re)syncs of the revocation list.", backend="jwtguard.revocation.backend",
)  # fmt: skip
REVOCATION_LOSSES: Final = _metric(
    "jwtguard_revocation_losses_detected", "counter", "{event}",
    "Times the shared revocation list was found lost or rolled back (and repaired).",
    backend="jwtguard.revocation.backend",
)  # fmt: skip
DURATION: Final = _metric(
    "jwtguard_verification_duration_seconds", "histogram", "s",
    "Full verifications (signature, claims, revocation; never a cache hit), by outcome.",
    outcome="jwtguard.outcome",
)  # fmt: skip

DURATION_BUCKETS: Final = (
    0.00002, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
)  # fmt: skip
"""Upper bounds in seconds: a full verification takes tens of microseconds (HMAC, EdDSA)
to a few milliseconds (RSA-4096, a revocation round trip)."""

METRICS: Final[tuple[Metric, ...]] = (
    DECISIONS, REJECTIONS, CACHE_HITS, CACHE_MISSES, CACHE_EVICTIONS, CACHE_ENTRIES,
    TENANT_ACCEPTED, TENANT_REJECTIONS, JWKS_FETCHES, JWKS_FAILURES, JWKS_KEYS,
    JWKS_SKIPPED, JWKS_AGE, JWKS_READY, REVOCATION_IN_SYNC, REVOCATION_STATE,
    REVOCATION_FAIL_OPEN, REVOCATION_ENTRIES, REVOCATION_PUSH_LAG, REVOCATION_ERRORS,
    REVOCATION_SYNCS, REVOCATION_LOSSES, DURATION,
)  # fmt: skip
"""Every metric, in the order the docs list them."""

_STATES: Final = ("in_sync", "syncing", "repairing", "down", "closed")


def key_sources(guard: Guard) -> Mapping[str, JWKSHealth]:
    """The remote key sources' health by tenant (:data:`SINGLE_TENANT` without tenants);
    static keys have none and are left out."""
    if guard.tenants:
        return {issuer: h for issuer, h in guard.health().items() if h is not None}
    health = getattr(guard.keys, "health", None)
    found = health() if callable(health) else None
    return {SINGLE_TENANT: found} if isinstance(found, JWKSHealth) else {}


def revocation_health(guard: Guard) -> RevocationHealth | None:
    """The revocation store's own report, when it gives one."""
    health = getattr(guard.revocation, "health", None)
    found = health() if callable(health) else None
    return found if isinstance(found, RevocationHealth) else None


def sample(guard: Guard) -> Iterator[Sample]:
    """Every value of every metric but the histogram, read from ``guard`` now."""
    stats = guard.stats()
    for key, count in sorted(guard.decisions.snapshot().items()):
        yield Sample(DECISIONS, key, count)
    for code, count in sorted(stats.rejected.items()):
        yield Sample(REJECTIONS, (code,), count)
    yield Sample(CACHE_HITS, (), stats.hits)
    yield Sample(CACHE_MISSES, (), stats.misses)
    yield Sample(CACHE_EVICTIONS, (), stats.evictions)
    yield Sample(CACHE_ENTRIES, (), stats.cache_size)
    for tenant, counts in sorted(stats.tenants.items()):
        yield Sample(TENANT_ACCEPTED, (tenant,), counts.verified)
        for code, count in sorted(counts.rejected.items()):
            yield Sample(TENANT_REJECTIONS, (tenant, code), count)
    now = guard.clock()
    for tenant, health in sorted(key_sources(guard).items()):
        yield from _jwks_samples(tenant, health, now)
    store = revocation_health(guard)
    if store is not None:
        yield from _revocation_samples(store)


def _jwks_samples(tenant: str, health: JWKSHealth, now: float) -> Iterator[Sample]:
    labels = (tenant,)
    yield Sample(JWKS_FETCHES, labels, health.fetches)
    for kind, count in sorted(health.failures_by_kind.items()):
        yield Sample(JWKS_FAILURES, (tenant, kind), count)
    yield Sample(JWKS_KEYS, labels, health.size)
    yield Sample(JWKS_SKIPPED, labels, len(health.skipped))
    if health.last_success is not None:
        yield Sample(JWKS_AGE, labels, max(now - health.last_success, 0.0))
    yield Sample(JWKS_READY, labels, 1 if health.ready else 0)


def _revocation_samples(store: RevocationHealth) -> Iterator[Sample]:
    labels = (store.backend,)
    yield Sample(REVOCATION_IN_SYNC, labels, 1 if store.in_sync else 0)
    for state in _STATES:
        yield Sample(REVOCATION_STATE, (store.backend, state), 1 if store.state == state else 0)
    yield Sample(REVOCATION_FAIL_OPEN, labels, store.fail_open_remaining)
    yield Sample(REVOCATION_ENTRIES, labels, store.entries)
    if store.push_lag_seconds is not None:
        yield Sample(REVOCATION_PUSH_LAG, labels, store.push_lag_seconds)
    yield Sample(REVOCATION_ERRORS, labels, store.redis_errors)
    yield Sample(REVOCATION_SYNCS, labels, store.syncs)
    yield Sample(REVOCATION_LOSSES, labels, store.losses_detected)
