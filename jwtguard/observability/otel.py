"""OpenTelemetry metrics (extra ``jwtguard[otel]``): instruments on a ``Meter``.

:func:`instrument` creates, on a Meter from the global MeterProvider or a given one,
one asynchronous instrument per counter and gauge of
:data:`jwtguard.observability.metrics.METRICS` (observable counters and gauges whose
callbacks read the Guard when the SDK collects: nothing is done per request) and a
histogram of full-verification latency (``jwtguard.verification.duration``, seconds),
recorded by a Guard verification listener: never on a cache hit.

Attribute names follow the semantic conventions where one exists (``error.type`` for a
refusal's code and a fetch failure's kind); the others are ``jwtguard.*``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from importlib import metadata as _metadata
from typing import TYPE_CHECKING, Any, Final

from opentelemetry import metrics as otel_metrics
from opentelemetry.metrics import CallbackOptions, Meter, MeterProvider, Observation

from jwtguard.observability import metrics
from jwtguard.observability.metrics import DURATION, DURATION_BUCKETS, METRICS, Metric, Sample

if TYPE_CHECKING:
    from jwtguard.guard import Guard

__all__ = ["SCOPE", "OpenTelemetryInstruments", "instrument"]

SCOPE: Final = "jwtguard"
"""The instrumentation scope (the Meter's name)."""


def _installed_version() -> str:
    """The installed distribution's version, as ``jwtguard.__version__`` reads it."""
    try:
        return _metadata.version("jwtguard")
    except _metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


_VERSION: Final = _installed_version()
_SAMPLE_REUSE_SECONDS: Final = 0.5


class OpenTelemetryInstruments:
    """The instruments :func:`instrument` made for one Guard."""

    def __init__(self, guard: Guard, meter: Meter) -> None:
        self.guard = guard
        self.meter = meter
        self.instruments: dict[str, Any] = {}
        self._taken: tuple[float, list[Sample]] = (-math.inf, [])
        for spec in METRICS:
            if spec.kind == "histogram":
                continue
            create = (
                meter.create_observable_counter
                if spec.kind == "counter"
                else meter.create_observable_gauge
            )
            self.instruments[spec.name] = create(
                spec.otel_name,
                callbacks=[self._callback(spec)],
                unit=spec.unit,
                description=spec.help,
            )
        histogram = meter.create_histogram(
            DURATION.otel_name,
            unit=DURATION.unit,
            description=DURATION.help,
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.instruments[DURATION.name] = histogram
        attribute = DURATION.attributes[0]
        accepted, rejected = {attribute: "accepted"}, {attribute: "rejected"}

        def record(seconds: float, ok: bool) -> None:
            histogram.record(seconds, accepted if ok else rejected)

        self._record = record
        guard.add_verification_listener(record)

    def close(self) -> None:
        """Stop recording latencies (the observable instruments stay on the Meter)."""
        self.guard.remove_verification_listener(self._record)

    def _samples(self) -> list[Sample]:
        """The Guard read once per collection: every callback of one collection runs
        within a moment, and each takes its own metric's values from the one read."""
        now = time.monotonic()
        taken, found = self._taken
        if now - taken > _SAMPLE_REUSE_SECONDS:
            found = list(metrics.sample(self.guard))
            self._taken = (now, found)
        return found

    def _callback(self, spec: Metric) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            return [_observation(found) for found in self._samples() if found.metric is spec]

        return observe


def _observation(found: Sample) -> Observation:
    """The sample as an Observation; an empty label (no error) is no attribute at all,
    as the conventions want ``error.type`` only on errors."""
    pairs = zip(found.metric.attributes, found.labels, strict=True)
    return Observation(found.value, {name: value for name, value in pairs if value})


def instrument(
    guard: Guard, meter_provider: MeterProvider | None = None
) -> OpenTelemetryInstruments:
    """Create ``guard``'s instruments on a Meter named ``jwtguard`` from ``meter_provider``
    (the global one, ``opentelemetry.metrics.get_meter_provider()``, if None)."""
    provider = meter_provider if meter_provider is not None else otel_metrics.get_meter_provider()
    return OpenTelemetryInstruments(guard, provider.get_meter(SCOPE, _VERSION))
