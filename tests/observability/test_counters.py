"""Decision counters: by adapter, outcome and code, lock-free and exact across threads."""

from __future__ import annotations

import threading

import pytest

from jwtguard import Guard, Tenant
from jwtguard.errors import TokenError
from jwtguard.http.pipeline import Pipeline
from jwtguard.http.request import Headers, RequestView
from jwtguard.http.requirement import Requirement
from jwtguard.observability.counters import DecisionCounters
from jwtguard.testing import FakeIdentityProvider, TokenFactory


def test_counts_by_adapter_outcome_and_code() -> None:
    counters = DecisionCounters()
    allowed = counters.counter("asgi", "allowed")
    for _ in range(3):
        allowed()
    counters.add("asgi", "refused", "expired")
    counters.add("wsgi", "refused", "expired")
    counters.add("asgi", "refused", "expired")
    assert counters.snapshot() == {
        ("asgi", "allowed", "", ""): 3,
        ("asgi", "refused", "expired", ""): 2,
        ("wsgi", "refused", "expired", ""): 1,
    }


def test_no_count_is_lost_between_threads() -> None:
    counters = DecisionCounters()
    count = counters.counter("asgi", "allowed")

    def work() -> None:
        for _ in range(20_000):
            count()
            counters.add("asgi", "refused", "invalid_token")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counters.snapshot() == {
        ("asgi", "allowed", "", ""): 80_000,
        ("asgi", "refused", "invalid_token", ""): 80_000,
    }


def _view(path: str, authorization: str | None = None, method: str = "GET") -> RequestView:
    headers = [] if authorization is None else [("authorization", authorization)]
    return RequestView(method, path, Headers.of(headers))


def test_the_pipeline_counts_every_outcome(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1", scope="read")
    pipeline = Pipeline(
        guard,
        adapter="wsgi",
        exempt=["/health"],
        rules={"/admin/*": Requirement.build(scopes="admin"), "/open": Requirement(optional=True)},
    )
    pipeline.decide(_view("/health"))
    pipeline.decide(_view("/open"))
    pipeline.decide(_view("/data", f"Bearer {token}"))
    pipeline.decide(_view("/data", f"Bearer {token}"))
    pipeline.decide(_view("/admin/x", f"Bearer {token}"))
    pipeline.decide(_view("/data"))
    pipeline.decide(_view("/data", "Bearer not-a-token"))
    assert pipeline.route("GET", "/health") is None
    assert guard.decisions.snapshot() == {
        ("wsgi", "allowed", "", ""): 2,
        ("wsgi", "anonymous", "", ""): 1,
        ("wsgi", "exempt", "", ""): 2,
        ("wsgi", "refused", "insufficient_scope", ""): 1,
        ("wsgi", "refused", "missing_token", ""): 1,
        ("wsgi", "refused", "malformed", ""): 1,
    }


def test_report_only_counts_would_refuse(factory: TokenFactory) -> None:
    guard = factory.guard()
    pipeline = Pipeline(guard, adapter="asgi", report_only=True)
    assert pipeline.decide(_view("/data")) is None  # let through
    counts = guard.decisions.snapshot()
    assert counts[("asgi", "would_refuse", "missing_token", "")] == 1
    assert ("asgi", "refused", "missing_token", "") not in counts


def test_adapters_count_under_their_own_name(factory: TokenFactory) -> None:
    guard = factory.guard()
    token = factory.issue(sub="1")
    for adapter in ("asgi", "flask"):
        Pipeline(guard, adapter=adapter).decide_on_authorization(
            "GET", "/x", f"Bearer {token}".encode()
        )
    counts = guard.decisions.snapshot()
    assert counts[("asgi", "allowed", "", "")] == counts[("flask", "allowed", "", "")] == 1


def test_demand_answers_without_counting_or_logging(
    factory: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    guard = factory.guard()
    pipeline = Pipeline(guard, exempt=["/health"], exempt_methods=["HEAD"])
    assert pipeline.demand("GET", "/health") is None
    assert pipeline.demand("HEAD", "/data") is None
    assert pipeline.demand("GET", "/data") == pipeline.default
    with pytest.raises(TokenError):
        pipeline.demand("GET", "/data", "/data%2F..")  # ambiguous: an encoded separator
    assert all(value == 0 for value in guard.decisions.snapshot().values())
    assert not caplog.records


def test_a_views_own_requirement_adds_only_its_refusal(factory: TokenFactory) -> None:
    guard = factory.guard()
    pipeline = Pipeline(guard, adapter="django")
    token = factory.issue(sub="1", scope="read")
    claims = pipeline.decide_on_authorization("GET", "/x", f"Bearer {token}".encode())
    assert pipeline.judge(claims, Requirement.build(scopes="read")) is None
    assert pipeline.judge(claims, Requirement.build(scopes="admin")) is not None
    assert guard.decisions.snapshot() == {
        ("django", "allowed", "", ""): 1,  # once, by the middleware's decision
        ("django", "anonymous", "", ""): 0,
        ("django", "exempt", "", ""): 0,
        ("django", "refused", "insufficient_scope", ""): 1,
    }


def test_with_tenants_decisions_name_the_tenant() -> None:
    with FakeIdentityProvider() as first, FakeIdentityProvider(issuer_path="/b") as second:
        tenants = [Tenant(idp.issuer, idp.key_set(), audience="api") for idp in (first, second)]
        guard = Guard(tenants=tenants, algorithms=["RS256"])
        pipeline = Pipeline(guard, adapter="asgi", rules={"/admin": Requirement.build("admin")})
        one, two = first.issue(sub="1"), second.issue(sub="2")
        for token in (one, one, two):  # the second: a cache hit, counted under its tenant
            assert pipeline.decide(_view("/data", f"Bearer {token}")) is not None
        pipeline.decide(_view("/admin", f"Bearer {two}"))
        pipeline.decide(_view("/data", f"Bearer {second.issue(sub='3', aud='other')}"))
        pipeline.decide(_view("/data", "Bearer junk"))
        a, b = first.issuer, second.issuer
    counts = {key: value for key, value in guard.decisions.snapshot().items() if value}
    assert counts == {
        ("asgi", "allowed", "", a): 2,
        ("asgi", "allowed", "", b): 1,
        ("asgi", "refused", "insufficient_scope", b): 1,
        ("asgi", "refused", "invalid_audience", b): 1,
        ("asgi", "refused", "malformed", ""): 1,  # before any tenant was selected
    }
