"""Fixtures shared by the whole suite: a pinned clock and a token factory."""

from __future__ import annotations

import pytest

from jwtguard.testing import FrozenClock, TokenFactory

NOW = 1_700_000_000


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def factory(clock: FrozenClock) -> TokenFactory:
    return TokenFactory.hs256(clock=clock)
