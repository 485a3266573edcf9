"""/metrics, /healthz and /readyz behind real servers: uvicorn (plain and ``--root-path``)
and gunicorn with several workers in prometheus_client's multi-process mode (every
worker's decisions add up in one scrape, whichever worker answers it)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from jwtguard import Guard
from jwtguard.testing import FakeIdentityProvider
from tests.e2e.conftest import HERE, RawResponse, Server, parse_response

GUNICORN_CONFIG = str(HERE / "observability_gunicorn.py")
Found = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def bearer(secret: str) -> list[tuple[str, str]]:
    token = Guard(secret, algorithms=["HS256"]).issue({"sub": "user-1"})
    return [("Authorization", f"Bearer {token}")]


def samples(response: RawResponse) -> Found:
    assert response.status == 200, response.body[:200]
    found = {}
    for family in text_string_to_metric_families(response.body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def decided(found: Found, outcome: str, code: str = "") -> float:
    return sum(
        value
        for (name, labels), value in found.items()
        if name == "jwtguard_decisions_total"
        and ("outcome", outcome) in labels
        and ("code", code) in labels
    )


def traffic(server: Server, secret: str, prefix: str = "") -> None:
    """4 allowed (one token: one full verification, 3 cache hits), 2 refused, 1 exempt."""
    authorization = bearer(secret)
    for _ in range(4):
        assert server.request(prefix + "/data", headers=authorization).status == 200
    for _ in range(2):
        assert server.request(prefix + "/data").status == 401
    assert server.request(prefix + "/health").status == 200


@pytest.mark.parametrize(
    ("kind", "factory", "extra", "prefix"),  # prefix: what the client sends before the path
    [
        ("uvicorn", "observability_apps:asgi_app", (), ""),
        # behind a proxy that strips /api: uvicorn puts it back in root_path and path
        ("uvicorn", "observability_apps:asgi_app", ("--root-path", "/api"), ""),
        ("gunicorn", "observability_apps:wsgi_app", ("--workers", "1"), ""),
    ],
    ids=["uvicorn", "uvicorn-root-path", "gunicorn-one-worker"],
)
def test_metrics_and_health_without_a_token(
    serve: Callable[..., Server],
    routing_secret: str,
    kind: str,
    factory: str,
    extra: tuple[str, ...],
    prefix: str,
) -> None:
    name = f"obs-{kind}-{len(extra)}"
    server = serve(name, kind, factory, extra=extra, probe="/healthz", prefix=prefix)
    traffic(server, routing_secret, prefix)
    found = samples(server.request(prefix + "/metrics"))
    adapter = "asgi" if kind == "uvicorn" else "wsgi"
    assert found[("jwtguard_decisions_total", (("adapter", adapter), ("code", ""),
                  ("outcome", "allowed"), ("tenant", "")))] == 4  # fmt: skip
    assert decided(found, "refused", "missing_token") == 2
    assert decided(found, "exempt") == 1
    assert found[("jwtguard_cache_hits_total", ())] == 3
    assert found[("jwtguard_cache_misses_total", ())] == 1
    # one full verification: the histogram counts it, never the three cache hits
    count = ("jwtguard_verification_duration_seconds_count", (("outcome", "accepted"),))
    assert found[count] == 1
    health = server.request(prefix + "/healthz")
    assert (health.status, json.loads(health.body)) == (200, {"status": "ok"})
    ready = server.request(prefix + "/readyz")
    assert (ready.status, json.loads(ready.body)) == (200, {"status": "ready", "reasons": []})
    assert ready.header("cache-control") == "no-store"
    assert server.request(prefix + "/readyz", method="POST").status == 405
    refused = server.request(prefix + "/metrics", method="POST")
    assert (refused.status, refused.header("allow")) == (405, "GET")


@pytest.mark.parametrize("preload", [False, True], ids=["workers-load", "preload"])
def test_gunicorn_workers_add_up_in_multiprocess_mode(
    serve: Callable[..., Server], routing_secret: str, tmp_path: Path, preload: bool
) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    options = ("--workers", "3", "--config", GUNICORN_CONFIG, *(("--preload",) if preload else ()))
    server = serve(
        f"obs-gunicorn-multi-{preload}",
        "gunicorn",
        "observability_apps:wsgi_app",
        extra=options,
        probe="/healthz",
        env={"PROMETHEUS_MULTIPROC_DIR": str(shared), "FLUSH_INTERVAL": "0.2"},
    )
    rounds = 10
    for _ in range(rounds):
        traffic(server, routing_secret)
    held = one_request_per_worker(server, routing_secret, workers=3)
    allowed = 4 * rounds + held
    # every worker flushes within 0.2 s; the answering one before it reads the files
    deadline = time.monotonic() + 10
    while True:
        found = samples(server.request("/metrics"))
        if decided(found, "allowed") == allowed or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert decided(found, "allowed") == allowed
    assert decided(found, "refused", "missing_token") == 2 * rounds
    assert decided(found, "exempt") == rounds
    hits, misses = (
        found[("jwtguard_cache_hits_total", ())],
        found[("jwtguard_cache_misses_total", ())],
    )
    assert hits + misses == allowed
    assert rounds <= misses <= 3 * rounds + held  # a token a round: once per worker it reached
    count = ("jwtguard_verification_duration_seconds_count", (("outcome", "accepted"),))
    assert found[count] == misses
    # one request reached each worker, and each worker writes its own file (with --preload
    # the arbiter, which built the app, may have one too)
    workers = {p.stem.rsplit("_", 1)[1] for p in shared.glob("counter_*.db")}
    assert len(workers) >= 3


def one_request_per_worker(server: Server, secret: str, workers: int) -> int:
    """One allowed request answered by each of gunicorn's sync workers.

    Which worker accepts a connection is up to the kernel, so sequential requests may all
    reach one. A sync worker that accepted a connection blocks reading it: the request
    lines are sent without their final blank line on ``workers`` connections at once,
    so each is held by a different worker, and then completed.
    """
    (name, value), *_ = bearer(secret)
    head = f"GET /data HTTP/1.1\r\nHost: 127.0.0.1\r\n{name}: {value}\r\n".encode("latin-1")
    connections = [socket.create_connection(("127.0.0.1", server.port), 10) for _ in range(workers)]
    try:
        for connection in connections:
            connection.sendall(head)
        time.sleep(0.5)  # each connection accepted by a worker that now waits for the rest
        for connection in connections:
            connection.sendall(b"Connection: close\r\n\r\n")
        for connection in connections:
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
            assert parse_response(b"".join(chunks)).status == 200
    finally:
        for connection in connections:
            connection.close()
    return workers


def test_readyz_answers_503_until_the_keys_are_loaded(serve: Callable[..., Server]) -> None:
    with FakeIdentityProvider() as idp:
        idp.status = 503
        server = serve(
            "obs-uvicorn-jwks",
            "uvicorn",
            "observability_apps:asgi_app",
            probe="/healthz",
            env={"JWKS_URL": idp.jwks_url, "JWKS_PRELOAD": "0"},
        )
        answer = server.request("/readyz")
        assert answer.status == 503
        assert json.loads(answer.body) == {"status": "not_ready", "reasons": ["keys_not_loaded"]}
        assert idp.jwks_url.encode() not in answer.body
        idp.status = None
        token = idp.issue(sub="user-1")
        assert server.request("/data", headers=[("Authorization", f"Bearer {token}")]).status == 200
        assert server.request("/readyz").status == 200
        found = samples(server.request("/metrics"))
        assert found[("jwtguard_jwks_ready", (("tenant", ""),))] == 1
        assert found[("jwtguard_jwks_keys", (("tenant", ""),))] == 1
        assert found[("jwtguard_jwks_fetches_total", (("tenant", ""),))] >= 1
