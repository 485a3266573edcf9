"""A real Redis store seen by an operator: its metrics, readiness and state-change records
while Redis goes away and comes back."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from jwtguard.observability.prometheus import register
from jwtguard.testing import TokenFactory
from tests.revocation.servers import RedisServer


def _eventually(predicate: Any, within: float = 10.0) -> bool:
    """Poll ``predicate`` (a bounded wait, not a timing assertion)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def _scrape(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


REDIS = (("backend", "redis"),)


@pytest.mark.parametrize("fail_open_for", [0.0, 30.0])
def test_redis_down_and_back(
    redis_server: RedisServer,
    redis_store_factory: Any,
    caplog: pytest.LogCaptureFixture,
    fail_open_for: float,
) -> None:
    tokens = TokenFactory.hs256()
    tokens.clock.set(time.time())
    caplog.set_level(logging.INFO, logger="jwtguard")
    store = redis_store_factory(fail_open_for=fail_open_for)
    guard = tokens.guard(revocation=store)
    registry = CollectorRegistry()
    register(guard, registry)
    guard.verify(tokens.issue(sub="u"))
    found = _scrape(registry)
    assert found[("jwtguard_revocation_in_sync", REDIS)] == 1
    assert found[("jwtguard_revocation_state", (*REDIS, ("state", "in_sync")))] == 1
    assert guard.readiness().status == "ready"

    redis_server.kill()
    assert _eventually(lambda: not store.healthy)
    found = _scrape(registry)
    assert found[("jwtguard_revocation_in_sync", REDIS)] == 0
    assert found[("jwtguard_revocation_state", (*REDIS, ("state", "down")))] == 1
    assert found[("jwtguard_revocation_redis_errors_total", REDIS)] >= 1
    readiness = guard.readiness().as_dict()
    if fail_open_for:
        assert 0 < found[("jwtguard_revocation_fail_open_remaining_seconds", REDIS)] <= 30
        assert readiness == {"status": "degraded", "reasons": ["revocation_failing_open"]}
    else:
        assert readiness == {"status": "not_ready", "reasons": ["revocation_down"]}
    down = [r for r in caplog.records if getattr(r, "state", None) == "down"]
    assert [r.jwtguard_event for r in down] == ["revocation_state"]  # type: ignore[attr-defined]
    assert down[0].levelno == logging.ERROR
    assert down[0].fail_open_for == fail_open_for  # type: ignore[attr-defined]
    assert down[0].store == store.config.shown_url  # type: ignore[attr-defined]

    redis_server.start()
    assert _eventually(lambda: store.healthy)
    assert guard.readiness().status == "ready"
    assert _scrape(registry)[("jwtguard_revocation_in_sync", REDIS)] == 1
    states = [getattr(r, "state", None) for r in caplog.records if hasattr(r, "jwtguard_event")]
    assert states[-1] == "in_sync"
