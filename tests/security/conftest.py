"""The security suite reuses the adapters' conformance fixtures (one app per adapter)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from jwtguard import Claims, Guard, Key
from jwtguard.protocols import KeySource

_spec = importlib.util.spec_from_file_location(
    "_adapters_conftest", Path(__file__).resolve().parents[1] / "adapters" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_adapters = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _adapters
_spec.loader.exec_module(_adapters)

adapter = _adapters.adapter


class AwaitedKeys:
    """A guard's own keys behind the async key-source protocol: a Guard on it verifies
    through ``averify``'s awaited path (split, ``afind`` awaited, then the same checks)."""

    def __init__(self, keys: KeySource) -> None:
        self.keys = keys
        self.awaited = 0

    def find(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        return self.keys.find(kid, algorithm)

    def subscribe(self, listener: Callable[[], None]) -> None:
        self.keys.subscribe(listener)

    async def afind(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        await asyncio.sleep(0)  # a real suspension point, as a key fetch would be
        self.awaited += 1
        return self.keys.find(kid, algorithm)


class Verifier:
    """``verify(guard, token)`` as the parametrised way under test: ``guard.verify``, or
    ``averify`` on a twin of ``guard`` (same policy, clock, store and keys, the keys
    awaited), one twin per guard so its cache lives across calls."""

    def __init__(self, way: str) -> None:
        self.way = way
        self._loop: asyncio.AbstractEventLoop | None = None
        self._twins: dict[int, tuple[Guard, Guard]] = {}

    def __repr__(self) -> str:
        return self.way

    def of(self, guard: Guard) -> Guard:
        """The guard that actually verifies for ``guard`` (itself, or its awaited twin)."""
        if self.way == "verify":
            return guard
        found = self._twins.get(id(guard))
        if found is None:
            p = guard.policy
            twin = Guard(
                AwaitedKeys(guard.keys),
                algorithms=p.algorithms,
                audience=p.audience or None,
                issuer=p.issuer or None,
                leeway=p.leeway,
                require=p.require,
                typ=p.typ,
                max_age=p.max_age,
                max_token_bytes=p.max_token_bytes,
                clock=guard.clock,
                revocation=guard.revocation,
            )
            found = self._twins[id(guard)] = (guard, twin)  # holds guard: ids stay unique
        return found[1]

    def __call__(self, guard: Guard, token: Any) -> Claims:
        if self.way == "verify":
            return guard.verify(token)
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self.of(guard).averify(token))

    def close(self) -> None:
        if self._loop is not None:
            self._loop.close()


@pytest.fixture(params=["verify", "averify"])
def verify(request: pytest.FixtureRequest) -> Iterator[Verifier]:
    """Each core security case runs through ``Guard.verify`` and ``Guard.averify``."""
    verifier = Verifier(request.param)
    yield verifier
    verifier.close()
