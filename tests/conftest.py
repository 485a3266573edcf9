"""Fixtures shared by the whole suite: a pinned clock and a token factory; Django set up
with the test project (tests/djangoproject) before any test module imports it; a way to
pause coverage's tracer."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator

import coverage
import django
import pytest

from jwtguard.testing import FrozenClock, TokenFactory

NOW = 1_700_000_000

# Here, at import, because pytest imports the sub-directories' conftest files (which
# import Django and DRF) before any hook of this one runs.
_DB_DIR = tempfile.mkdtemp(prefix="jwtguard-testproject-")
atexit.register(shutil.rmtree, _DB_DIR, True)
os.environ.setdefault("TESTPROJECT_DB", os.path.join(_DB_DIR, "db.sqlite3"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings")
django.setup()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def factory(clock: FrozenClock) -> TokenFactory:
    return TokenFactory.hs256(clock=clock)


@pytest.fixture
def without_coverage() -> Iterator[None]:
    """Pause coverage's tracer (``make test`` runs under it) for a test that measures CPU
    time per event-loop tick: tracing makes each Python line several times slower, and
    the test would measure the tracer instead of the code."""
    running = coverage.Coverage.current()
    if running is None:
        yield
        return
    running.stop()
    try:
        yield
    finally:
        with warnings.catch_warnings():  # restarting, it sees modules already imported
            warnings.simplefilter("ignore", coverage.exceptions.CoverageWarning)
            running.start()
