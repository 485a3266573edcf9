"""The metrics table: names both exporters accept, each documented with its labels."""

from __future__ import annotations

import re
from pathlib import Path

from jwtguard.observability.metrics import METRICS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "observability.md").read_text()
_ROW = re.compile(
    r"^\| `(jwtguard_\w+)` \| (counter|gauge|histogram) \|([^|]*)\|", flags=re.MULTILINE
)


def test_every_metric_is_documented_with_its_type_and_labels() -> None:
    rows = {name: (kind, labels) for name, kind, labels in _ROW.findall(DOC)}
    assert set(rows) == {m.name for m in METRICS}
    for metric in METRICS:
        kind, labels = rows[metric.name]
        assert kind == metric.kind
        assert re.findall(r"`(\w+)`", labels) == list(metric.labels)


def test_names_are_valid_for_both_exporters() -> None:
    for metric in METRICS:
        assert re.fullmatch(r"jwtguard_[a-z_]+", metric.name)
        assert not metric.name.endswith("_total")  # prometheus_client adds it to counters
        # OpenTelemetry: at most 255 characters, dotted, no unit in the name
        assert re.fullmatch(r"jwtguard(\.[a-z_]+)+", metric.otel_name)
        assert not metric.otel_name.endswith(("_seconds", ".seconds"))
        assert len(metric.attributes) == len(metric.labels)
    assert len({m.otel_name for m in METRICS}) == len(METRICS)
