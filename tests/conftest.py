"""Fixtures shared by the whole suite: a pinned clock and a token factory; Django set up
with the test project (tests/djangoproject) before any test module imports it."""

from __future__ import annotations

import os

import django
import pytest

from jwtguard.testing import FrozenClock, TokenFactory

NOW = 1_700_000_000

# Here, at import, because pytest imports the sub-directories' conftest files (which
# import Django and DRF) before any hook of this one runs.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings")
django.setup()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def factory(clock: FrozenClock) -> TokenFactory:
    return TokenFactory.hs256(clock=clock)
