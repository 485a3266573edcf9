"""MemoryRevocationStore: entries expire with their tokens; configuration is checked."""

from __future__ import annotations

import threading

import pytest

from jwtguard import ConfigError
from jwtguard.revocation import MemoryRevocationStore
from jwtguard.testing import FrozenClock


def test_entries_expire_with_the_token_plus_leeway(clock: FrozenClock) -> None:
    store = MemoryRevocationStore(clock=clock, leeway=30)
    store.revoke("j", clock() + 60)
    store.revoke_family("f", clock() + 60)
    store.revoke_subject("s", expires_at=clock() + 60)
    assert len(store) == 3
    clock.advance(89)
    store.prune()
    assert store.is_jti_revoked("j") and len(store) == 3
    clock.advance(1)
    assert not store.is_jti_revoked("j")
    store.prune()
    assert len(store) == 0


def test_writes_prune_what_expired(clock: FrozenClock) -> None:
    store = MemoryRevocationStore(clock=clock, leeway=0)
    for i in range(1000):
        store.revoke(f"j{i}", clock() + 10)
    clock.advance(11)
    store.revoke("last", clock() + 10)
    assert len(store) == 1


def test_a_longer_revocation_is_not_cut_short(clock: FrozenClock) -> None:
    store = MemoryRevocationStore(clock=clock, leeway=0)
    store.revoke_family("f", clock() + 10)
    store.revoke_family("f", clock() + 100)
    store.revoke_family("f", clock() + 5)
    clock.advance(50)
    store.prune()
    assert len(store) == 1


def test_subject_revocation_defaults_to_max_token_lifetime(clock: FrozenClock) -> None:
    store = MemoryRevocationStore(clock=clock, leeway=0, max_token_lifetime=3600)
    store.revoke_subject("s")
    clock.advance(3600)
    store.prune()
    assert len(store) == 1
    clock.advance(1)
    store.prune()
    assert len(store) == 0


def test_concurrent_revokes_of_one_jti_succeed_once(clock: FrozenClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def spend() -> None:
        barrier.wait()
        wins.append(store.revoke("shared", clock() + 60))

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param({"leeway": -1}, "leeway", id="negative-leeway"),
        pytest.param({"max_token_lifetime": 0}, "max_token_lifetime", id="zero-lifetime"),
    ],
)
def test_bad_configuration(options: dict[str, float], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        MemoryRevocationStore(**options)  # type: ignore[arg-type]
