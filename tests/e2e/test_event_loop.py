"""A JWKS fetch for a new ``kid`` never stalls the event loop of an ASGI server.

uvicorn runs inside the test's own event loop, in front of a Starlette app guarded by
``JWTGuardMiddleware`` and a FastAPI app guarded by the ``JWTBearer`` dependency, with a
Guard reading a JWKS from a provider that takes a second to answer. While a request
with a new ``kid`` waits for that fetch, a heartbeat coroutine ticking every millisecond
never falls more than 5 ms behind, and requests with the known ``kid`` keep being served.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from jwtguard import Guard
from jwtguard.jwks import JWKSOptions, RemoteKeySet
from jwtguard.testing import FakeIdentityProvider

pytestmark = pytest.mark.e2e

FETCH_SECONDS = 1.0
MAX_STALL = 0.005
TICK = 0.001
ATTEMPTS = 3  # a shared machine may deschedule the whole process now and then


def starlette_app(guard: Guard) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from jwtguard.adapters.asgi import JWTGuardMiddleware

    async def me(request: Any) -> JSONResponse:
        return JSONResponse({"sub": request.state.claims["sub"]})

    return Starlette(
        routes=[Route("/me", me)], middleware=[Middleware(JWTGuardMiddleware, guard=guard)]
    )


def fastapi_app(guard: Guard) -> Any:
    from fastapi import Depends, FastAPI

    from jwtguard.adapters.fastapi import JWTBearer

    bearer = JWTBearer(guard)
    app = FastAPI(openapi_url=None)
    bearer.install(app)

    @app.get("/me")
    async def me(claims: Any = Depends(bearer)) -> dict[str, Any]:  # noqa: B008
        return {"sub": claims["sub"]}

    return app


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """uvicorn in this event loop on a free loopback port; its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class Heartbeat:
    """Ticks every millisecond and records how late each tick woke up."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.ticks = 0
        self._stop = False

    async def run(self) -> None:
        while not self._stop:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, time.perf_counter() - before - TICK)
            self.ticks += 1

    def stop(self) -> None:
        self._stop = True


@pytest.fixture
def provider() -> Any:
    with FakeIdentityProvider("ES256") as idp:
        yield idp


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app], ids=["middleware", "dependency"])
async def test_a_slow_jwks_fetch_never_stalls_the_loop(
    provider: FakeIdentityProvider, make_app: Callable[[Guard], Any]
) -> None:
    options = JWKSOptions(
        allow_insecure_http=True,
        connect_timeout=5.0,
        read_timeout=5.0,
        total_timeout=5.0,
        cooldown=0.0,
    )
    remote = RemoteKeySet(
        provider.jwks_url, algorithms=["ES256"], options=options, background_refresh=False
    )
    guard = Guard(remote, algorithms=["ES256"], audience=provider.audience, issuer=provider.issuer)
    await remote.apreload()
    known = {"Authorization": f"Bearer {provider.issue(sub='known')}"}
    worst = []
    try:
        async with (
            serving(make_app(guard)) as url,
            httpx.AsyncClient(base_url=url, timeout=10, trust_env=False) as client,
        ):
            assert (await client.get("/me", headers=known)).json() == {"sub": "known"}
            for attempt in range(ATTEMPTS):
                provider.rotate(keep_old=True)  # a kid the Guard has never seen
                fresh = {"Authorization": f"Bearer {provider.issue(sub=f'fresh-{attempt}')}"}
                provider.delay = FETCH_SECONDS
                heartbeat = Heartbeat()
                gc.collect()
                gc.disable()  # measure the loop, not the collector
                try:
                    beat = asyncio.create_task(heartbeat.run())
                    slow = asyncio.create_task(client.get("/me", headers=fresh))
                    served_meanwhile = 0
                    while not slow.done():
                        response = await client.get("/me", headers=known)
                        assert response.status_code == 200
                        served_meanwhile += 1
                        await asyncio.sleep(0.05)
                    response = await slow
                    heartbeat.stop()
                    await beat
                finally:
                    gc.enable()
                    provider.delay = 0.0
                assert response.status_code == 200
                assert response.json() == {"sub": f"fresh-{attempt}"}
                # the fetch took about a second and known kids were served all along
                assert served_meanwhile >= 5
                assert heartbeat.ticks >= 100
                worst.append(heartbeat.worst)
                if heartbeat.worst < MAX_STALL:
                    break
    finally:
        remote.close()
    assert min(worst) < MAX_STALL, f"the loop stalled: worst gaps {worst}"
