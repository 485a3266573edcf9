"""Edge cases: compressed bodies, keys without kid, mixed sync/async flights, cancelled waiters."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from collections.abc import Callable

import pytest

from jwtguard import Guard, UnknownKeyError
from jwtguard.keys.remote import JWKSFetchError, RemoteKeySet
from jwtguard.testing import FakeIdentityProvider, FrozenClock


def test_compressed_bodies_are_refused(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    idp.body = gzip.compress(json.dumps(idp.jwks()).encode())
    idp.headers = {"Content-Encoding": "gzip"}
    with pytest.raises(JWKSFetchError, match="compressed_body"):
        make_remote().preload()


def test_a_single_key_without_kid_verifies_tokens_with_or_without_kid(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    jwk = idp.jwks()["keys"][0]
    del jwk["kid"]
    idp.body = json.dumps({"keys": [jwk]}).encode()
    remote = make_remote()
    guard = Guard(remote, algorithms=["ES256"], audience="api", issuer=idp.issuer, clock=clock)
    assert guard.verify(idp.issue(sub="with-kid"))["sub"] == "with-kid"
    key, _ = idp.signing_key()
    from jwtguard.issuer import TokenIssuer
    from jwtguard.keys import Key

    anonymous = Key.from_crypto(key.to_crypto(private=True), "ES256")
    issuer = TokenIssuer(anonymous, "ES256", audience="api", issuer=idp.issuer, clock=clock)
    assert guard.verify(issuer.issue({"sub": "no-kid"}))["sub"] == "no-kid"
    assert remote.health().size == 1
    assert remote.health().kids == ()
    assert remote.health().ready


def test_threads_and_coroutines_share_one_flight(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    remote = make_remote()
    idp.delay = 0.3
    results: list[object] = []
    started = threading.Event()

    def in_thread() -> None:
        started.set()
        results.append(remote.find("key-1", "ES256"))

    thread = threading.Thread(target=in_thread)
    thread.start()
    started.wait()

    async def in_loop() -> object:
        await asyncio.sleep(0.05)  # the thread's fetch is in flight by now
        return await remote.afind("key-1", "ES256")

    results.append(asyncio.run(in_loop()))
    thread.join()
    assert idp.count() == 1
    assert all(r for r in results)


def test_a_cancelled_request_does_not_cancel_the_fetch_others_wait_for(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet]
) -> None:
    remote = make_remote()
    idp.delay = 0.3

    async def scenario() -> object:
        first = asyncio.ensure_future(remote.afind("key-1", "ES256"))
        await asyncio.sleep(0.05)
        second = asyncio.ensure_future(remote.afind("key-1", "ES256"))
        await asyncio.sleep(0.05)
        first.cancel()
        return await second

    assert asyncio.run(scenario())
    assert idp.count() == 1
    assert remote.kids == ("key-1",)


def test_health_is_not_ready_after_stale_expiry(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote(stale_if_error=0)
    remote.preload()
    assert remote.health().ready
    idp.status = 500
    clock.advance(301)
    remote.refresh_if_due()
    health = remote.health()
    assert not health.ready
    assert (health.size, health.last_error) == (0, "http_500")
    guard = Guard(remote, algorithms=["ES256"], audience="api", issuer=idp.issuer, clock=clock)
    with pytest.raises(UnknownKeyError):
        guard.verify(idp.issue(sub="x"))


@pytest.mark.parametrize(
    "token",
    [bytearray(b"a.b.c"), memoryview(b"a.b.c"), ["x"], None, 42, b"\xff.\xff.\xff", "a.b.c"],
    ids=["bytearray", "memoryview", "list", "none", "int", "bad-bytes", "junk"],
)
def test_averify_with_a_remote_set_ends_any_input_in_a_token_error(
    idp: FakeIdentityProvider, token: object
) -> None:
    from jwtguard import TokenError

    guard = idp.guard()
    with pytest.raises(TokenError):
        asyncio.run(guard.averify(token))  # type: ignore[arg-type]
