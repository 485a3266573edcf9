"""Key rotation, expiry per Cache-Control, cached verifications dropped, background refresh."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from jwtguard import Guard, UnknownKeyError
from jwtguard.keys.remote import JWKSOptions, RemoteKeySet
from jwtguard.testing import FakeIdentityProvider, FrozenClock


def test_a_removed_key_stops_verifying_and_its_cached_tokens_are_dropped(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    guard = idp.guard()
    old_token = idp.issue(sub="old", ttl=3600)
    assert guard.verify(old_token)["sub"] == "old"
    assert guard.verify(old_token)["sub"] == "old"
    assert guard.stats().hits == 1
    idp.rotate()
    clock.advance(301)
    assert guard.keys.refresh_if_due()
    assert guard.stats().cache_size == 0
    with pytest.raises(UnknownKeyError):
        guard.verify(old_token)
    assert guard.verify(idp.issue(sub="new"))["sub"] == "new"


def test_a_new_key_is_picked_up_on_first_use_without_restart(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    guard = idp.guard()
    guard.keys.preload()
    clock.advance(60)
    idp.rotate()
    assert asyncio.run(guard.averify(idp.issue(sub="a")))["sub"] == "a"
    clock.advance(60)
    idp.rotate()
    assert guard.verify(idp.issue(sub="b"))["sub"] == "b"
    assert idp.count() == 3


def test_adding_a_key_keeps_the_verified_cache(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    guard = idp.guard()
    token = idp.issue(sub="1", ttl=3600)
    guard.verify(token)
    idp.rotate(keep_old=True)
    clock.advance(301)
    guard.keys.refresh_if_due()
    guard.verify(token)
    assert guard.stats().hits == 1  # still cached: nothing that verified it went away


def test_a_changed_key_under_the_same_kid_drops_the_cache(
    idp: FakeIdentityProvider, make_remote: Callable[..., RemoteKeySet], clock: FrozenClock
) -> None:
    remote = make_remote()
    remote.preload()
    dropped: list[int] = []
    remote.subscribe(lambda: dropped.append(1))
    idp.remove_key("key-1")
    idp.add_key(kid="key-1")
    remote.refresh()
    assert dropped == [1]
    remote.refresh()  # the same document again: nothing to drop
    assert dropped == [1]


@pytest.mark.parametrize(
    ("header", "lifetime"),
    [
        pytest.param("max-age=120", 120, id="honoured"),
        pytest.param("max-age=5", 60, id="raised-to-min"),
        pytest.param("max-age=999999999", 86_400, id="lowered-to-max"),
        pytest.param("no-store", 60, id="no-store-is-min"),
        pytest.param(None, 600, id="default"),
    ],
)
def test_cache_control_sets_the_expiry_within_bounds(
    idp: FakeIdentityProvider,
    make_remote: Callable[..., RemoteKeySet],
    clock: FrozenClock,
    header: str | None,
    lifetime: float,
) -> None:
    idp.cache_control = header
    remote = make_remote()
    remote.preload()
    assert remote.health().expires_at == clock() + lifetime
    clock.advance(lifetime - 1)
    assert not remote.refresh_if_due()
    assert idp.count() == 1
    clock.advance(1)
    assert remote.refresh_if_due()
    assert idp.count() == 2


def test_background_thread_refreshes_and_stops_on_close(clock: FrozenClock) -> None:
    with FakeIdentityProvider("EdDSA", cache_control="max-age=0") as idp:
        remote = RemoteKeySet(
            idp.jwks_url,
            algorithms=["EdDSA"],
            options=JWKSOptions(allow_insecure_http=True, min_max_age=0.05),
        )
        remote.preload()
        deadline = time.monotonic() + 10
        while idp.count() < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert idp.count() >= 3
        thread = remote._thread
        remote.close()
        assert thread is not None
        assert not thread.is_alive()


def test_background_thread_ends_when_the_key_set_is_garbage(clock: FrozenClock) -> None:
    import gc

    with FakeIdentityProvider("EdDSA", cache_control="max-age=3600") as idp:
        remote = RemoteKeySet(
            idp.jwks_url,
            algorithms=["EdDSA"],
            options=JWKSOptions(allow_insecure_http=True, max_max_age=0.1, min_max_age=0.1),
        )
        remote.preload()
        thread = remote._thread
        assert thread is not None
        del remote
        gc.collect()
        thread.join(timeout=5)
        assert not thread.is_alive()


def test_find_for_a_known_kid_takes_no_lock_and_reads_no_clock(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    calls = []

    def counting_clock() -> float:
        calls.append(1)
        return clock()

    remote = RemoteKeySet(
        idp.jwks_url,
        algorithms=["ES256"],
        options=JWKSOptions(allow_insecure_http=True),
        clock=counting_clock,
        background_refresh=False,
    )
    remote.preload()
    remote._lock = _ForbiddenLock()  # type: ignore[assignment]
    calls.clear()
    for _ in range(100):
        assert remote.find("key-1", "ES256")
    assert calls == []


class _ForbiddenLock:
    def __enter__(self) -> None:
        raise AssertionError("the hot path took a lock")

    def __exit__(self, *exc: object) -> None:
        pass


def test_a_guard_from_many_threads_during_rotation_never_errors(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> None:
    guard: Guard = idp.guard()
    tokens = [idp.issue(sub=str(i), ttl=3600) for i in range(20)]
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for t in tokens * 5:
                guard.verify(t)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for _ in range(5):
        idp.rotate(keep_old=True)
        guard.keys.refresh()
    for t in threads:
        t.join()
    assert errors == []
