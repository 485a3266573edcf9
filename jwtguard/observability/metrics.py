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


def _metric(name: str, kind: Kind, unit: str, help: str, labels: Mapping[str, str]) -> Metric:
    """A metric whose OpenTelemetry name is its Prometheus name with a dot after the
    namespace and the subject, without the unit (``jwtguard.verification.duration``);
    ``labels``: Prometheus label -> OpenTelemetry attribute."""
    stem = name.removeprefix("jwtguard_").removesuffix("_seconds")
    otel = "jwtguard." + stem.replace("_", ".", 1)
    return Metric(name, otel, kind, unit, help, tuple(labels), tuple(labels.values()))


_TENANT: Final = {"tenant": "jwtguard.tenant"}
_BACKEND: Final = {"backend": "jwtguard.revocation.backend"}
_CODE: Final = {"code": "error.type"}

# name, kind, unit, help, labels; in the order the docs list them
_TABLE: Final[tuple[tuple[str, Kind, str, str, Mapping[str, str]], ...]] = (
    ("jwtguard_decisions", "counter", "{decision}",
     "Requests decided, by adapter, outcome (allowed, refused, anonymous, exempt, "
     "would_refuse), error code (empty unless refused) and tenant (empty without tenants).",
     {"adapter": "jwtguard.adapter", "outcome": "jwtguard.outcome", **_CODE, **_TENANT}),
    ("jwtguard_rejections", "counter", "{token}",
     "Refusals by error code, counted by the Guard (verification and adapters).", _CODE),
    ("jwtguard_cache_hits", "counter", "{token}", "Verifications answered from the cache.", {}),
    ("jwtguard_cache_misses", "counter", "{token}", "Full verifications (accepted or not).", {}),
    ("jwtguard_cache_evictions", "counter", "{token}", "Cached tokens dropped to make room.", {}),
    ("jwtguard_cache_entries", "gauge", "{token}", "Verified tokens cached now.", {}),
    ("jwtguard_tenant_accepted", "counter", "{token}",
     "Full verifications a tenant accepted (several issuers configured).", _TENANT),
    ("jwtguard_tenant_rejections", "counter", "{token}",
     "Refusals of tokens naming a tenant, by error code.", {**_TENANT, **_CODE}),
    ("jwtguard_jwks_fetches", "counter", "{fetch}",
     "JWKS (and discovery) fetches, successful or not.", _TENANT),
    ("jwtguard_jwks_fetch_failures", "counter", "{fetch}",
     "Failed JWKS fetches by kind (timeout, http_status, invalid_json, ...).",
     {**_TENANT, "kind": "error.type"}),
    ("jwtguard_jwks_keys", "gauge", "{key}", "Keys held from the JWKS.", _TENANT),
    ("jwtguard_jwks_skipped_keys", "gauge", "{key}",
     "Keys of the last JWKS that could not be used (see the log for why).", _TENANT),
    ("jwtguard_jwks_last_success_age_seconds", "gauge", "s",
     "Seconds since the last good JWKS fetch (absent before the first).", _TENANT),
    ("jwtguard_jwks_ready", "gauge", "1", "1 while a loaded key set is held, else 0.", _TENANT),
    ("jwtguard_revocation_in_sync", "gauge", "1",
     "1 while revocation checks are answered from an up-to-date list, else 0.", _BACKEND),
    ("jwtguard_revocation_state", "gauge", "1",
     "1 for the store's current state (in_sync, syncing, repairing, down, closed).",
     {**_BACKEND, "state": "jwtguard.revocation.state"}),
    ("jwtguard_revocation_fail_open_remaining_seconds", "gauge", "s",
     "Seconds checks will still answer from the last list while Redis is away.", _BACKEND),
    ("jwtguard_revocation_entries", "gauge", "{entry}",
     "Live entries in this process's revocation list.", _BACKEND),
    ("jwtguard_revocation_push_lag_seconds", "gauge", "s",
     "Of the last pushed revocation: Redis' PUBLISH to applied here (Redis push mode).",
     _BACKEND),
    ("jwtguard_revocation_redis_errors", "counter", "{error}",
     "Redis connection losses and failed calls.", _BACKEND),
    ("jwtguard_revocation_syncs", "counter", "{sync}",
     "Completed (re)syncs of the revocation list.", _BACKEND),
    ("jwtguard_revocation_losses_detected", "counter", "{event}",
     "Times the shared revocation list was found lost or rolled back (and repaired).",
     _BACKEND),
    ("jwtguard_verification_duration_seconds", "histogram", "s",
     "Full verifications (signature, claims, revocation; never a cache hit), by outcome.",
     {"outcome": "jwtguard.outcome"}),
)  # fmt: skip

METRICS: Final[tuple[Metric, ...]] = tuple(_metric(*row) for row in _TABLE)
"""Every metric, in the order the docs list them."""
_BY_NAME: Final = {metric.name: metric for metric in METRICS}
DURATION: Final = _BY_NAME["jwtguard_verification_duration_seconds"]
"""The verification-latency histogram (fed by a verification listener)."""

DURATION_BUCKETS: Final = (
    0.00002, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
)  # fmt: skip
"""Upper bounds in seconds: a full verification takes tens of microseconds (HMAC, EdDSA)
to a few milliseconds (RSA-4096, a revocation round trip)."""

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


# Values read as they are: metric name -> attribute of the stats, the JWKS health or the
# revocation health (in the order they are sampled).
_GUARD_VALUES: Final = (
    ("jwtguard_cache_hits", "hits"),
    ("jwtguard_cache_misses", "misses"),
    ("jwtguard_cache_evictions", "evictions"),
    ("jwtguard_cache_entries", "cache_size"),
)
_REVOCATION_VALUES: Final = (
    ("jwtguard_revocation_fail_open_remaining_seconds", "fail_open_remaining"),
    ("jwtguard_revocation_entries", "entries"),
    ("jwtguard_revocation_push_lag_seconds", "push_lag_seconds"),  # None: not sampled
    ("jwtguard_revocation_redis_errors", "redis_errors"),
    ("jwtguard_revocation_syncs", "syncs"),
    ("jwtguard_revocation_losses_detected", "losses_detected"),
)


def _values(
    source: object, table: tuple[tuple[str, str], ...], labels: tuple[str, ...]
) -> Iterator[Sample]:
    for name, attribute in table:
        value = getattr(source, attribute)
        if value is not None:
            yield Sample(_BY_NAME[name], labels, value)


def _counts(name: str, labels: tuple[str, ...], counts: Mapping[str, int]) -> Iterator[Sample]:
    """One sample per key of ``counts`` (sorted), its key the last label."""
    metric = _BY_NAME[name]
    for key, count in sorted(counts.items()):
        yield Sample(metric, (*labels, key), count)


def sample(guard: Guard) -> Iterator[Sample]:
    """Every value of every metric but the histogram, read from ``guard`` now."""
    stats = guard.stats()
    for key, count in sorted(guard.decisions.snapshot().items()):
        yield Sample(_BY_NAME["jwtguard_decisions"], key, count)
    yield from _counts("jwtguard_rejections", (), stats.rejected)
    yield from _values(stats, _GUARD_VALUES, ())
    for tenant, counts in sorted(stats.tenants.items()):
        yield Sample(_BY_NAME["jwtguard_tenant_accepted"], (tenant,), counts.verified)
        yield from _counts("jwtguard_tenant_rejections", (tenant,), counts.rejected)
    now = guard.clock()
    for tenant, health in sorted(key_sources(guard).items()):
        yield from _jwks_samples(tenant, health, now)
    store = revocation_health(guard)
    if store is not None:
        yield from _revocation_samples(store)


def _jwks_samples(tenant: str, health: JWKSHealth, now: float) -> Iterator[Sample]:
    labels = (tenant,)
    yield Sample(_BY_NAME["jwtguard_jwks_fetches"], labels, health.fetches)
    yield from _counts("jwtguard_jwks_fetch_failures", labels, health.failures_by_kind)
    yield Sample(_BY_NAME["jwtguard_jwks_keys"], labels, health.size)
    yield Sample(_BY_NAME["jwtguard_jwks_skipped_keys"], labels, len(health.skipped))
    if health.last_success is not None:
        age = max(now - health.last_success, 0.0)
        yield Sample(_BY_NAME["jwtguard_jwks_last_success_age_seconds"], labels, age)
    yield Sample(_BY_NAME["jwtguard_jwks_ready"], labels, 1 if health.ready else 0)


def _revocation_samples(store: RevocationHealth) -> Iterator[Sample]:
    labels = (store.backend,)
    yield Sample(_BY_NAME["jwtguard_revocation_in_sync"], labels, 1 if store.in_sync else 0)
    state = _BY_NAME["jwtguard_revocation_state"]
    for name in _STATES:
        yield Sample(state, (store.backend, name), 1 if store.state == name else 0)
    yield from _values(store, _REVOCATION_VALUES, labels)
