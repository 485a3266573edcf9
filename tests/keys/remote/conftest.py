"""Fixtures for remote key sets: a fake identity provider on loopback and key sets reading it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jwtguard.keys.remote import JWKSOptions, RemoteKeySet
from jwtguard.testing import FakeIdentityProvider, FrozenClock

FAST = {"connect_timeout": 1.0, "read_timeout": 1.0, "total_timeout": 2.0}


@pytest.fixture
def idp(clock: FrozenClock) -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider("ES256", clock=clock) as provider:
        yield provider


@pytest.fixture
def make_remote(
    idp: FakeIdentityProvider, clock: FrozenClock
) -> Iterator[Callable[..., RemoteKeySet]]:
    """RemoteKeySet(idp.jwks_url) on the frozen clock, no background thread; options override."""
    made: list[RemoteKeySet] = []

    def make(algorithms: Any = None, *, discovery: bool = False, **options: Any) -> RemoteKeySet:
        remote = RemoteKeySet(
            None if discovery else idp.jwks_url,
            issuer=idp.issuer if discovery else None,
            algorithms=algorithms or [idp.algorithm],
            options=JWKSOptions(**{"allow_insecure_http": True, **FAST, **options}),
            clock=clock,
            background_refresh=False,
        )
        made.append(remote)
        return remote

    yield make
    for remote in made:
        remote.close()
