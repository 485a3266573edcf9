"""Prometheus export (extra ``jwtguard[prometheus]``): a collector registered on demand.

:func:`register` makes a :class:`PrometheusExporter` for a Guard. In one process it
registers a collector that reads the Guard's counters and health when Prometheus
scrapes (nothing is done per request) and a histogram of full-verification latency.

Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's
multi-process mode): each worker then copies its counters into prometheus_client's
per-process files every ``flush_interval`` seconds (a daemon thread, restarted in each
forked worker) and when it answers a scrape, and :meth:`PrometheusExporter.registry`
aggregates every worker's files. See docs/observability.md for the gunicorn setup.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    make_asgi_app,
    make_wsgi_app,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
)
from prometheus_client.core import (
    Metric as PromMetric,
)
from prometheus_client.registry import REGISTRY, Collector

from jwtguard.errors import ConfigError
from jwtguard.observability import metrics
from jwtguard.observability.metrics import DURATION, DURATION_BUCKETS, METRICS, Sample

if TYPE_CHECKING:
    from jwtguard.guard import Guard

__all__ = ["PrometheusExporter", "multiprocess_mode", "register"]

DEFAULT_FLUSH_INTERVAL: Final = 5.0

# how a gauge's per-worker values combine in multi-process mode (live: dead workers' go)
_GAUGE_MODES: Final = {
    "jwtguard_cache_entries": "livesum",
    "jwtguard_revocation_entries": "livemax",
    "jwtguard_jwks_keys": "livemin",
    "jwtguard_jwks_ready": "livemin",
    "jwtguard_revocation_in_sync": "livemin",
    "jwtguard_revocation_fail_open_remaining_seconds": "livemin",
}  # every other gauge: livemax (the worst worker: oldest fetch, longest lag, any state)


def multiprocess_mode() -> bool:
    """Whether prometheus_client runs in multi-process mode (``PROMETHEUS_MULTIPROC_DIR``)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class _GuardCollector(Collector):
    """Reads the Guard when the registry is collected (single-process mode)."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard

    def describe(self) -> list[PromMetric]:
        return []  # values appear with the Guard's state: nothing to check at registration

    def collect(self) -> Iterator[PromMetric]:
        families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {}
        for found in metrics.sample(self._guard):
            spec = found.metric
            family = families.get(spec.name)
            if family is None:
                kind = CounterMetricFamily if spec.kind == "counter" else GaugeMetricFamily
                family = families[spec.name] = kind(spec.name, spec.help, labels=spec.labels)
            family.add_metric(found.labels, found.value)
        yield from families.values()


class _Mirror:
    """Multi-process mode: prometheus_client metrics (backed by this worker's files) that
    :meth:`flush` brings up to the Guard's counters and health."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._lock = threading.Lock()
        self._counters: dict[str, Counter] = {}
        self._gauges: dict[str, Gauge] = {}
        for spec in METRICS:
            if spec.kind == "counter":
                self._counters[spec.name] = Counter(
                    spec.name, spec.help, spec.labels, registry=None
                )
            elif spec.kind == "gauge":
                mode = _GAUGE_MODES.get(spec.name, "livemax")
                self._gauges[spec.name] = Gauge(
                    spec.name,
                    spec.help,
                    spec.labels,
                    registry=None,
                    multiprocess_mode=mode,  # type: ignore[arg-type]
                )
        self._flushed: dict[tuple[str, tuple[str, ...]], float] = {}

    def flush(self) -> None:
        with self._lock:
            for found in metrics.sample(self._guard):
                self._write(found)

    def _write(self, found: Sample) -> None:
        spec, labels = found.metric, found.labels
        if spec.kind == "gauge":
            gauge = self._gauges[spec.name]
            (gauge.labels(*labels) if labels else gauge).set(found.value)
            return
        key = (spec.name, labels)
        delta = found.value - self._flushed.get(key, 0)
        if delta > 0:
            counter = self._counters[spec.name]
            (counter.labels(*labels) if labels else counter).inc(delta)
        self._flushed[key] = found.value


class _FlushFirst(Collector):
    """Registered before the multi-process collector: the answering worker's own counts
    are written out before every worker's files are read."""

    def __init__(self, mirror: _Mirror) -> None:
        self._mirror = mirror

    def describe(self) -> list[PromMetric]:
        return []

    def collect(self) -> Iterator[PromMetric]:
        self._mirror.flush()
        return iter(())


class PrometheusExporter:
    """The Prometheus side of one Guard: what :func:`register` made.

    :attr:`registry` is what to serve (``prometheus_client.generate_latest(registry)``,
    or the ``/metrics`` helpers of :mod:`jwtguard.adapters.observability`).
    """

    def __init__(
        self,
        guard: Guard,
        registry: CollectorRegistry | None = None,
        *,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
    ) -> None:
        if not isinstance(flush_interval, (int, float)) or not 0 < flush_interval <= 3600:
            raise ConfigError("flush_interval: seconds, more than 0 and at most 3600")
        self.guard = guard
        self.multiprocess = multiprocess_mode()
        self._mirror: _Mirror | None = None
        self._collector: _GuardCollector | None = None
        if self.multiprocess:
            if registry is not None:
                raise ConfigError(
                    "registry: in multi-process mode every worker's files are served "
                    "(PrometheusExporter.registry); give no registry"
                )
            self._mirror = _Mirror(guard)
            self.registry = CollectorRegistry()
            self.registry.register(_FlushFirst(self._mirror))
            _multiprocess.MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]
            self._histogram = _histogram(None)
            self._interval = float(flush_interval)
            self._stop = threading.Event()
            self._start_flusher()
            os.register_at_fork(after_in_child=_restart_in_child(self))
            atexit.register(_flush_at_exit(self))
        else:
            self.registry = REGISTRY if registry is None else registry
            try:  # first: the histogram's names are what a second registration collides on
                self._histogram = _histogram(self.registry)
            except ValueError:
                raise ConfigError(
                    "registry: jwtguard's metrics are registered there already (one Guard "
                    "per registry; close() the other exporter first)"
                ) from None
            self._collector = _GuardCollector(guard)
            self.registry.register(self._collector)
        accepted = self._histogram.labels("accepted").observe
        rejected = self._histogram.labels("rejected").observe

        def observe(seconds: float, ok: bool) -> None:
            (accepted if ok else rejected)(seconds)

        self._observe = observe
        guard.add_verification_listener(observe)

    def asgi_app(self) -> Callable[..., Any]:
        """An ASGI app serving :attr:`registry` (the text format, or OpenMetrics when
        asked): ``metrics=`` of :class:`jwtguard.adapters.observability.ASGIEndpoints`."""
        return make_asgi_app(self.registry)

    def wsgi_app(self) -> Callable[..., Any]:
        """A WSGI app serving :attr:`registry`: ``metrics=`` of ``WSGIEndpoints``."""
        return make_wsgi_app(self.registry)

    def flush(self) -> None:
        """Multi-process mode: write this worker's counts out now (done every
        ``flush_interval`` seconds and before each scrape this worker answers)."""
        if self._mirror is not None:
            self._mirror.flush()

    def close(self) -> None:
        """Stop exporting: the histogram is no longer fed, the collector and the histogram
        leave the registry (another Guard may then register there); in multi-process
        mode, a last flush, and the flusher stops (the files stay: they hold counts)."""
        self.guard.remove_verification_listener(self._observe)
        if self._mirror is not None:
            self._stop.set()
            self._mirror.flush()
        elif self._collector is not None:
            self.registry.unregister(self._collector)
            self.registry.unregister(self._histogram)
            self._collector = None

    def _start_flusher(self) -> None:
        ref = weakref.ref(self)
        stop, interval = self._stop, self._interval

        def run() -> None:
            while not stop.wait(interval):
                exporter = ref()
                if exporter is None:
                    return
                exporter.flush()
                del exporter

        threading.Thread(target=run, name="jwtguard-prometheus-flush", daemon=True).start()


def _histogram(registry: CollectorRegistry | None) -> Histogram:
    return Histogram(
        DURATION.name,
        DURATION.help,
        DURATION.labels,
        registry=registry,
        buckets=DURATION_BUCKETS,
    )


def _restart_in_child(exporter: PrometheusExporter) -> Callable[[], None]:
    ref = weakref.ref(exporter)

    def restart() -> None:
        found = ref()
        if found is not None and not found._stop.is_set():
            found._start_flusher()

    return restart


def _flush_at_exit(exporter: PrometheusExporter) -> Callable[[], None]:
    ref = weakref.ref(exporter)

    def flush() -> None:
        found = ref()
        if found is not None:
            found.flush()

    return flush


def register(
    guard: Guard,
    registry: CollectorRegistry | None = None,
    *,
    flush_interval: float = DEFAULT_FLUSH_INTERVAL,
) -> PrometheusExporter:
    """Export ``guard``'s metrics to Prometheus: on ``registry`` (prometheus_client's
    default one if None), or in multi-process mode to the shared directory. Call it once
    per Guard, at start-up; importing jwtguard registers nothing."""
    return PrometheusExporter(guard, registry, flush_interval=flush_interval)
