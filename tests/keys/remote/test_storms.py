"""Unknown-kid storms: single-flight fetches, cooldown, negative cache, backoff."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable

import pytest

from jwtguard import UnknownKeyError
from jwtguard.keys.remote import RemoteKeySet
from jwtguard.testing import FakeIdentityProvider, FrozenClock, encode_unchecked

THREADS = 100


def _in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_new_kid_storm_in_threads_makes_one_fetch(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    new_kid = idp.rotate(keep_old=True)
    clock.advance(31)  # past the cooldown of the preload
    idp.delay = 0.2  # every thread arrives while the fetch is in flight
    results = _in_threads(THREADS, lambda _: remote.find(new_kid, "ES256"))
    assert idp.count() == 2
    assert all(r and r[0].kid == new_kid for r in results)  # type: ignore[index]


def test_new_kid_storm_through_guard_in_asyncio_makes_one_fetch(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    guard = idp.guard()
    guard.keys.preload()
    idp.rotate(keep_old=True)
    clock.advance(31)
    tokens = [idp.issue(sub=str(i)) for i in range(1000)]  # distinct: no cache hits
    idp.delay = 0.1

    async def storm() -> list[object]:
        return await asyncio.gather(*(guard.averify(t) for t in tokens))

    claims = asyncio.run(storm())
    assert idp.count() == 2
    assert [c["sub"] for c in claims] == [str(i) for i in range(1000)]  # type: ignore[index]


def test_random_kid_flood_in_threads_costs_at_most_one_fetch_per_window(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    clock.advance(31)
    results = _in_threads(THREADS, lambda _: remote.find(secrets.token_hex(8), "ES256"))
    assert all(r == () for r in results)
    assert idp.count() == 2
    for _ in range(3):  # within the window: nothing
        _in_threads(THREADS, lambda _: remote.find(secrets.token_hex(8), "ES256"))
        clock.advance(5)
    assert idp.count() == 2
    clock.advance(30)  # a new window: at most one more
    _in_threads(THREADS, lambda _: remote.find(secrets.token_hex(8), "ES256"))
    assert idp.count() == 3


def test_random_kid_flood_through_guard_in_asyncio(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    guard = idp.guard()
    guard.keys.preload()
    clock.advance(31)
    key, _ = idp.signing_key()
    payload = {"sub": "x", "exp": clock() + 60, "iss": idp.issuer, "aud": "api"}
    tokens = [
        encode_unchecked({"alg": "ES256", "kid": secrets.token_hex(8)}, payload, key)
        for _ in range(500)
    ]

    async def flood() -> list[object]:
        return await asyncio.gather(*(guard.averify(t) for t in tokens), return_exceptions=True)

    results = asyncio.run(flood())
    assert all(isinstance(r, UnknownKeyError) for r in results)
    assert idp.count() == 2
    assert guard.stats().rejected["unknown_key"] == 500
    asyncio.run(flood())
    assert idp.count() == 2


def test_negative_cache_remembers_kids_a_fetch_did_not_have(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote(negative_ttl=120)
    remote.preload()
    clock.advance(31)
    assert remote.find("ghost", "ES256") == ()
    assert idp.count() == 2
    clock.advance(31)  # cooldown over, but "ghost" is remembered
    assert remote.find("ghost", "ES256") == ()
    assert idp.count() == 2
    assert remote.find("other", "ES256") == ()  # a kid not yet seen may fetch
    assert idp.count() == 3
    clock.advance(121)
    assert remote.find("ghost", "ES256") == ()
    assert idp.count() == 4


def test_negative_cache_is_bounded_and_cleared_by_a_new_set(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote(negative_size=8)
    remote.preload()
    clock.advance(31)
    remote.find("k0", "ES256")
    for i in range(1, 50):
        remote._after_fetch(f"k{i}", "ES256", True)
    assert len(remote._negative) <= 8
    assert "k0" not in remote._negative
    idp.add_key(kid="k49")
    remote.refresh()
    assert remote._negative == {}
    assert remote.find("k49", "ES256")


def test_kid_published_during_cooldown_waits_for_the_window(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    kid = idp.rotate(keep_old=True)
    assert remote.find(kid, "ES256") == ()  # within the cooldown: no fetch
    assert idp.count() == 1
    clock.advance(30)
    assert remote.find(kid, "ES256")
    assert idp.count() == 2


def test_failed_fetches_back_off(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote(cooldown=10, max_backoff=40)
    idp.status = 503
    fetches = []
    for _ in range(200):  # 200 seconds of one unknown kid per second
        remote.find(secrets.token_hex(4), "ES256")
        fetches.append(idp.count())
        clock.advance(1)
    # attempts at t=0, 10, 30, 70, 110, 150, 190: waits 10, 20, 40, 40, ...
    starts = [i for i in range(200) if fetches[i] != (fetches[i - 1] if i else 0)]
    assert starts == [0, 10, 30, 70, 110, 150, 190]
    idp.status = None
    clock.advance(40)
    assert remote.find("key-1", "ES256")
    assert remote.health().last_error == "http_503"
    clock.advance(10)  # success resets the backoff to the cooldown
    remote.find("nope", "ES256")
    count = idp.count()
    clock.advance(10)
    remote.find("nope2", "ES256")
    assert idp.count() == count + 1


@pytest.mark.parametrize("mode", ["threads", "asyncio"])
def test_refresh_joins_a_running_fetch(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], mode: str
) -> None:
    remote = make_remote()
    idp.delay = 0.2
    if mode == "threads":
        _in_threads(20, lambda _: remote.refresh())
    else:

        async def many() -> None:
            await asyncio.gather(*(remote.arefresh() for _ in range(20)))

        asyncio.run(many())
    assert idp.count() == 1
