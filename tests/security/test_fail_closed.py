"""Revocation fails closed (the source design's blacklist failed open behind a bare ``except``).

A revocation checker that cannot answer, whether it says so (``RevocationUnavailableError``:
503 with ``Retry-After``) or simply breaks (any other exception), makes jwtguard refuse the
token: on a first verification and on a cache hit alike, and through every adapter.
"""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard import RevocationUnavailableError, TokenError
from jwtguard.claims import Claims
from jwtguard.testing import FrozenClock, TokenFactory

from .conftest import _adapters


class Flaky:
    """A checker that answers until ``broken`` is set, then raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.broken = False

    def is_revoked(self, claims: Claims) -> bool:
        if self.broken:
            raise self.error
        return False


ERRORS = [
    pytest.param(RevocationUnavailableError(retry_after=3), "revocation_unavailable", 503,
                 id="store-says-unavailable"),
    # Any exception out of the checker fails closed as "cannot answer" (503), not as a bad token.
    pytest.param(ConnectionError("redis down"), "revocation_unavailable", 503, id="store-raises"),
    pytest.param(KeyError("bug"), "revocation_unavailable", 503, id="store-has-a-bug"),
]  # fmt: skip


@pytest.mark.parametrize(("error", "code", "status"), ERRORS)
def test_core_refuses_when_revocation_cannot_answer(
    error: Exception, code: str, status: int
) -> None:
    factory = TokenFactory.for_algorithm("HS256", clock=FrozenClock())
    checker = Flaky(error)
    guard = factory.guard(revocation=checker)
    cached = factory.issue(sub="1")
    assert guard.verify(cached)["sub"] == "1"  # now in the cache
    checker.broken = True
    for token in (cached, factory.issue(sub="2")):  # a cache hit, then a first verification
        with pytest.raises(TokenError) as info:
            guard.verify(token)
        assert info.value.code == code
        assert info.value.status_code == status


@pytest.mark.parametrize("name", [cls.name for cls in _adapters.ADAPTERS])
@pytest.mark.parametrize(("error", "code", "status"), ERRORS)
def test_every_adapter_refuses_when_revocation_cannot_answer(
    name: str, error: Exception, code: str, status: int
) -> None:
    factory = TokenFactory.for_algorithm("HS256", clock=FrozenClock())
    checker = Flaky(error)
    guard = factory.guard(revocation=checker)
    (cls,) = [c for c in _adapters.ADAPTERS if c.name == name]
    send: Any = cls(lambda **kw: factory.guard(**kw)).client(guard=guard)
    token = factory.issue(sub="1")
    assert send("GET", "/r", headers=[("Authorization", f"Bearer {token}")]).status == 200
    checker.broken = True
    answer = send("GET", "/r", headers=[("Authorization", f"Bearer {token}")])
    assert answer.status == status
    if status == 503:  # the store's own hint, or the default of one second
        expected = error.retry_after if isinstance(error, RevocationUnavailableError) else 1
        assert answer.header("Retry-After") == str(expected)
    assert b'"authenticated"' not in answer.body
