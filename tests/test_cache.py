"""VerifiedTokenCache: bounded LRU order, lazy promotion, and forgetting that sticks."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from jwtguard.cache import VerifiedTokenCache
from jwtguard.claims import Claims

UNTIL = 2_000_000_000.0


def claims(sub: str) -> Claims:
    return Claims({"sub": sub})


def filled(maxsize: int, *tokens: str) -> VerifiedTokenCache:
    cache = VerifiedTokenCache(maxsize)
    for token in tokens:
        cache.put(token, claims(token), UNTIL)
    return cache


def test_put_stores_claims_until_and_a_fresh_stamp() -> None:
    cache = filled(4, "a", "b")
    a_claims, until, stamp = cache.entries["a"]
    assert (a_claims["sub"], until, stamp) == ("a", UNTIL, 1)
    assert cache.entries["b"][2] == 2
    assert len(cache) == 2


def test_size_zero_disables_the_cache() -> None:
    cache = filled(0, "a")
    assert len(cache) == 0
    assert cache.entries == {}
    assert cache.tick == 0


@pytest.mark.parametrize("maxsize", [1, 2, 3])
def test_the_least_recent_entry_is_evicted_from_both_views(maxsize: int) -> None:
    tokens = [f"t{i}" for i in range(maxsize + 1)]
    cache = filled(maxsize, *tokens)
    assert list(cache.entries) == tokens[1:]
    assert len(cache) == maxsize


@pytest.mark.parametrize(
    ("maxsize", "puts", "promote_below"),
    [
        pytest.param(4, 3, 1, id="half-of-4"),
        pytest.param(4, 1, -1, id="young"),
        pytest.param(1, 3, 2, id="at-least-one"),
        pytest.param(10, 12, 7, id="half-of-10"),
    ],
)
def test_promotion_threshold_trails_the_tick_by_half_the_size(
    maxsize: int, puts: int, promote_below: int
) -> None:
    cache = filled(maxsize, *(f"t{i}" for i in range(puts)))
    assert cache.tick == puts
    assert cache.promote_below == promote_below


def test_promote_moves_an_entry_to_the_fresh_end() -> None:
    cache = filled(2, "a", "b")
    a_claims = cache.entries["a"][0]
    cache.promote("a")
    assert cache.entries["a"] == (a_claims, UNTIL, 3)  # same claims and limit, new stamp
    assert cache.promote_below == 2
    cache.put("c", claims("c"), UNTIL)
    assert set(cache.entries) == {"a", "c"}  # "b" was the least recent


def test_promoting_an_unknown_token_does_nothing() -> None:
    cache = filled(2, "a")
    cache.promote("zzz")
    assert list(cache.entries) == ["a"]
    assert cache.tick == 1


@pytest.mark.parametrize(
    "forget",
    [
        pytest.param(lambda cache: cache.discard("b"), id="discard"),
        pytest.param(lambda cache: cache.discard_where(lambda c: c["sub"] == "b"), id="where"),
    ],
)
def test_a_forgotten_entry_is_gone_from_both_views(
    forget: Callable[[VerifiedTokenCache], object],
) -> None:
    cache = filled(2, "a", "b")
    forget(cache)
    assert list(cache.entries) == ["a"]
    cache.promote("b")  # still in the LRU order, it would come back here
    assert "b" not in cache.entries
    cache.put("c", claims("c"), UNTIL)  # and take "a"'s place here
    assert set(cache.entries) == {"a", "c"}


def test_discard_of_an_unknown_token_is_harmless() -> None:
    cache = filled(2, "a")
    cache.discard("zzz")
    assert list(cache.entries) == ["a"]


def test_discard_where_counts_what_it_forgot() -> None:
    cache = filled(8, "a1", "b1", "a2")
    assert cache.discard_where(lambda c: c["sub"].startswith("a")) == 2
    assert list(cache.entries) == ["b1"]
    assert cache.discard_where(lambda c: False) == 0


def test_clear_forgets_everything_for_good() -> None:
    cache = filled(2, "a", "b")
    cache.clear()
    assert len(cache) == 0
    cache.promote("a")
    assert cache.entries == {}
    cache.put("c", claims("c"), UNTIL)
    cache.put("d", claims("d"), UNTIL)
    assert set(cache.entries) == {"c", "d"}


def test_evictions_count_what_the_size_bound_pushed_out() -> None:
    cache = filled(2, "a")
    assert cache.evictions == 0
    cache.put("b", claims("b"), UNTIL)
    assert cache.evictions == 0
    cache.put("c", claims("c"), UNTIL)
    cache.put("d", claims("d"), UNTIL)
    assert cache.evictions == 2
    cache.discard("d")  # forgetting is not evicting
    assert cache.evictions == 2
