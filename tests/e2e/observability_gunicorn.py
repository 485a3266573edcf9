"""gunicorn settings for prometheus_client's multi-process mode (docs/observability.md):
a dead worker's live gauges leave the aggregate."""

from typing import Any

from prometheus_client import multiprocess


def child_exit(server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)
