"""Observability: decision counters, the metrics table, readiness, structured logs.

The exporters import their client library and are imported on demand:
:mod:`jwtguard.observability.prometheus` (extra ``[prometheus]``) and
:mod:`jwtguard.observability.otel` (extra ``[otel]``). The ``/metrics``, ``/healthz``
and ``/readyz`` routes for ASGI and WSGI apps are in :mod:`jwtguard.adapters.observability`.
See docs/observability.md.
"""

from jwtguard.observability.counters import DecisionCounters
from jwtguard.observability.logs import JSONFormatter
from jwtguard.observability.metrics import METRICS, Metric, Sample, sample

__all__ = ["METRICS", "DecisionCounters", "JSONFormatter", "Metric", "Sample", "sample"]
