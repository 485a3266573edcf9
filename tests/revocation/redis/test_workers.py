"""Worker lifecycle behind real servers: gunicorn (``--preload``, sync and gthread workers,
``--max-requests`` recycling them) and uvicorn with several workers, over a real Redis
holding thousands of live revocations.

While Redis is healthy no request gets a 503, however new its worker; no revoked
token is ever accepted, whether it was revoked before the worker was born or while
the load runs.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from jwtguard import Guard
from jwtguard.revocation.redis import RedisConfig, RedisRevocationStore
from tests.revocation.servers import AppServer, RedisServer, eventually

pytestmark = [pytest.mark.redis, pytest.mark.workers]

SECRET = "w" * 40
LIVE_REVOCATIONS = 20_000  # a first sync that takes a while: what exposed the 503s


@pytest.fixture
def flavour() -> str:
    """The process model is under test here, not the server: Redis only."""
    return "redis"


def _fill(store: RedisRevocationStore, count: int) -> None:
    until = time.time() + 3600
    store.revoke_many((f"filler-{i}", until) for i in range(count))


SERVERS = [
    pytest.param(
        "gunicorn",
        {"worker_class": "sync", "preload": True, "max_requests": 40},
        id="gunicorn-sync-preload-max-requests",
    ),
    pytest.param(
        "gunicorn",
        {"worker_class": "gthread", "threads": 8, "preload": True, "max_requests": 60},
        id="gunicorn-gthread-preload-max-requests",
    ),
    pytest.param("uvicorn", {"workers": 3}, id="uvicorn-3-workers"),
]


@pytest.mark.parametrize(("server", "options"), SERVERS)
def test_no_503_while_redis_is_healthy_and_no_revoked_token_accepted(
    server: str, options: dict[str, Any], redis_server: RedisServer, tmp_path: Path
) -> None:
    issuer = Guard(SECRET, algorithms=["HS256"])
    # The writer only sets the scene: a long timeout, so a loaded machine cannot fail it.
    writer = RedisRevocationStore(RedisConfig(url=redis_server.url, timeout=5))
    assert writer.start(wait=10)
    try:
        _fill(writer, LIVE_REVOCATIONS)
        good = [issuer.issue({"sub": f"good-{i}"}, ttl=600) for i in range(4)]
        revoked = [issuer.issue({"sub": f"gone-{i}"}, ttl=600) for i in range(4)]
        for token in revoked:
            claims = issuer.verify(token)
            writer.revoke(str(claims.jti), float(claims["exp"]))
        late = issuer.issue({"sub": "late"}, ttl=600)
        late_claims = issuer.verify(late)

        env = {"JWTGUARD_SECRET_KEY": SECRET, "JWTGUARD_REDIS_URL": redis_server.url}
        app = AppServer(server, env, tmp_path, **options)
        app.start()
        try:
            outcomes: dict[str, Counter[int]] = {"good": Counter(), "revoked": Counter()}
            workers: set[str] = set()
            lock = threading.Lock()
            late_revoked = threading.Event()

            def client(number: int) -> None:
                for i in range(40):
                    kind = "revoked" if (i + number) % 3 == 0 else "good"
                    pool = revoked if kind == "revoked" else good
                    status, worker = app.request("/protected", pool[(i + number) % len(pool)])
                    with lock:
                        outcomes[kind][status] += 1
                        workers.add(worker)
                    if number == 0 and i == 20:
                        writer.revoke(str(late_claims.jti), float(late_claims["exp"]))
                        late_revoked.set()

            threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert late_revoked.is_set()
            assert dict(outcomes["good"]) == {200: sum(outcomes["good"].values())}, app.log()
            assert dict(outcomes["revoked"]) == {401: sum(outcomes["revoked"].values())}
            if options.get("max_requests"):
                assert len(workers - {""}) > 2  # workers were recycled under the load
            # The revocation made during the load reaches every worker, old and new.
            assert eventually(
                lambda: all(app.request("/protected", late)[0] == 401 for _ in range(12)), 10
            )
            assert app.request("/protected", good[0])[0] == 200
        finally:
            app.stop()
    finally:
        writer.close()
