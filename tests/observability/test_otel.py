"""OpenTelemetry instruments, read through the SDK's in-memory reader."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from jwtguard.observability.otel import SCOPE, instrument
from jwtguard.testing import TokenFactory
from tests.observability.conftest import drive


def collect(reader: InMemoryMetricReader) -> dict[str, Any]:
    data = reader.get_metrics_data()
    assert data is not None
    found = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            assert scope.scope.name == SCOPE
            for metric in scope.metrics:
                found[metric.name] = metric
    return found


def points(metric: Any) -> dict[tuple[tuple[str, Any], ...], Any]:
    return {tuple(sorted(p.attributes.items())): p for p in metric.data.data_points}


def test_instruments_on_a_given_provider(factory: TokenFactory) -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    guard = factory.guard()
    instruments = instrument(guard, provider)
    drive(guard, factory)
    found = collect(reader)
    decisions = points(found["jwtguard.decisions"])
    allowed = (("jwtguard.adapter", "asgi"), ("jwtguard.outcome", "allowed"))
    assert decisions[allowed].value == 3
    # error.type (the semantic conventions' name) only where there is an error
    refused = (("error.type", "malformed"), ("jwtguard.adapter", "asgi"),
               ("jwtguard.outcome", "refused"))  # fmt: skip
    assert decisions[refused].value == 1
    assert found["jwtguard.decisions"].unit == "{decision}"
    assert found["jwtguard.decisions"].data.is_monotonic
    assert points(found["jwtguard.cache.hits"])[()].value == 2 + 1  # 2 + the scoped route's
    assert points(found["jwtguard.cache.entries"])[()].value == 1
    duration = found["jwtguard.verification.duration"]
    assert duration.unit == "s"
    accepted = points(duration)[(("jwtguard.outcome", "accepted"),)]
    assert accepted.count == 1
    assert 0 < accepted.sum < 1
    assert accepted.explicit_bounds[0] == 0.00002
    instruments.close()
    guard.verify(factory.issue(sub="other"))
    again = points(collect(reader)["jwtguard.verification.duration"])
    assert again[(("jwtguard.outcome", "accepted"),)].count == 1  # no longer recorded
    provider.shutdown()


def test_the_global_provider_is_the_default(factory: TokenFactory, monkeypatch: Any) -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    monkeypatch.setattr("opentelemetry.metrics.get_meter_provider", lambda: provider)
    guard = factory.guard()
    instrument(guard)
    guard.verify(factory.issue(sub="1"))
    assert points(collect(reader)["jwtguard.cache.misses"])[()].value == 1
    provider.shutdown()
