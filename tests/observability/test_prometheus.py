"""The Prometheus collector on a real prometheus_client registry (single process; the
multi-process mode runs under gunicorn in tests/e2e/test_observability.py)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from jwtguard import Guard, MemoryRevocationStore, Tenant
from jwtguard.errors import ConfigError, TokenError
from jwtguard.observability.metrics import METRICS
from jwtguard.observability.prometheus import register
from jwtguard.testing import FakeIdentityProvider, TokenFactory
from tests.observability.conftest import drive

Found = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(registry: CollectorRegistry) -> Found:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_decisions_cache_and_latency(factory: TokenFactory) -> None:
    guard = factory.guard()
    registry = CollectorRegistry()
    register(guard, registry)
    token = drive(guard, factory)
    found = scrape(registry)

    def decided(outcome: str, code: str = "") -> float:
        labels = (("adapter", "asgi"), ("code", code), ("outcome", outcome), ("tenant", ""))
        return found[("jwtguard_decisions_total", labels)]

    assert decided("allowed") == 3
    assert decided("refused", "malformed") == 1
    assert decided("refused", "insufficient_scope") == 1
    assert decided("exempt") == 1
    assert decided("anonymous") == 0
    assert found[("jwtguard_rejections_total", (("code", "malformed"),))] == 1
    assert found[("jwtguard_cache_hits_total", ())] == 3
    assert found[("jwtguard_cache_misses_total", ())] == 1
    assert found[("jwtguard_cache_entries", ())] == 1
    assert found[("jwtguard_cache_evictions_total", ())] == 0
    # the one full verification is in the histogram; the cache hits and the malformed
    # token (refused before any signature check) are not
    assert found[("jwtguard_verification_duration_seconds_count", (("outcome", "accepted"),))] == 1
    assert found[("jwtguard_verification_duration_seconds_count", (("outcome", "rejected"),))] == 0
    text = generate_latest(registry).decode()
    assert token not in text and "alice" not in text


def test_every_sample_is_a_documented_metric(factory: TokenFactory) -> None:
    store = MemoryRevocationStore()
    guard = factory.guard(revocation=store)
    registry = CollectorRegistry()
    register(guard, registry)
    drive(guard, factory)
    names = {m.name + ("_total" if m.kind == "counter" else "") for m in METRICS}
    histogram = {
        f"jwtguard_verification_duration_seconds{s}"
        for s in ("_bucket", "_count", "_sum", "_created")
    }
    for name, _ in scrape(registry):
        assert name in names | histogram, name
    found = scrape(registry)
    assert found[("jwtguard_revocation_in_sync", (("backend", "memory"),))] == 1
    assert found[("jwtguard_revocation_state", (("backend", "memory"), ("state", "in_sync")))] == 1
    assert found[("jwtguard_revocation_state", (("backend", "memory"), ("state", "down")))] == 0


def test_cache_evictions(factory: TokenFactory) -> None:
    guard = factory.guard(cache_size=2)
    registry = CollectorRegistry()
    register(guard, registry)
    for n in range(5):
        guard.verify(factory.issue(sub=str(n)))
    found = scrape(registry)
    assert found[("jwtguard_cache_evictions_total", ())] == 3
    assert found[("jwtguard_cache_entries", ())] == 2


def test_jwks_and_tenants() -> None:
    with FakeIdentityProvider() as first, FakeIdentityProvider(issuer_path="/second") as second:
        tenants = [Tenant(idp.issuer, idp.key_set(), audience="api") for idp in (first, second)]
        guard = Guard(tenants=tenants, algorithms=["RS256"])
        registry = CollectorRegistry()
        register(guard, registry)
        assert guard.verify(first.issue(sub="1"))["sub"] == "1"
        with pytest.raises(TokenError):
            guard.verify(second.issue(sub="2", aud="other"))
        second.status = 500
        guard.tenants[second.issuer].keys.refresh()  # type: ignore[attr-defined]
        found = scrape(registry)
        one, two = (("tenant", first.issuer),), (("tenant", second.issuer),)
    assert found[("jwtguard_tenant_accepted_total", one)] == 1
    assert found[("jwtguard_tenant_rejections_total", (("code", "invalid_audience"), *two))] == 1
    assert found[("jwtguard_jwks_keys", one)] == 1
    assert found[("jwtguard_jwks_ready", two)] == 1
    assert found[("jwtguard_jwks_fetch_failures_total", (("kind", "http_500"), *two))] == 1
    assert found[("jwtguard_jwks_fetches_total", two)] == 2
    assert 0 <= found[("jwtguard_jwks_last_success_age_seconds", one)] < 60
    assert found[("jwtguard_jwks_skipped_keys", one)] == 0


def test_registered_on_demand_only_and_once_per_registry(factory: TokenFactory) -> None:
    registry = CollectorRegistry()
    guard = factory.guard()
    assert scrape(registry) == {}
    exporter = register(guard, registry)
    guard.verify(factory.issue(sub="1"))
    with pytest.raises(ConfigError, match="registered there already"):
        register(factory.guard(), registry)
    found = scrape(registry)  # the refused second registration left nothing behind
    assert found[("jwtguard_verification_duration_seconds_count", (("outcome", "accepted"),))] == 1
    assert found[("jwtguard_cache_misses_total", ())] == 1
    exporter.close()
    assert scrape(registry) == {}
    other = factory.guard()
    register(other, registry)  # room for another Guard now
    other.verify(factory.issue(sub="2"))
    assert scrape(registry)[("jwtguard_cache_misses_total", ())] == 1
    with pytest.raises(ConfigError, match="flush_interval"):
        register(guard, CollectorRegistry(), flush_interval=0)
