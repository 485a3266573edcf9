"""Readiness from key sources (every tenant) and the revocation store."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jwtguard import Guard, MemoryRevocationStore, Tenant
from jwtguard.claims import Claims
from jwtguard.observability.health import Readiness
from jwtguard.revocation.health import RevocationHealth
from jwtguard.testing import FakeIdentityProvider, TokenFactory


def test_static_keys_are_ready(factory: TokenFactory) -> None:
    found = factory.guard(revocation=MemoryRevocationStore()).readiness()
    assert found == Readiness("ready")
    assert found.ready and found.as_dict() == {"status": "ready", "reasons": []}


def test_remote_keys_not_loaded_then_ready_then_degraded() -> None:
    with FakeIdentityProvider() as idp:
        guard = idp.guard()
        assert guard.readiness().as_dict() == {
            "status": "not_ready",
            "reasons": ["keys_not_loaded"],
        }
        assert not guard.readiness().ready
        guard.keys.preload()  # type: ignore[attr-defined]
        assert guard.readiness().status == "ready"
        idp.status = 500
        guard.keys.refresh()  # type: ignore[attr-defined]
        assert guard.readiness() == Readiness("degraded", (("degraded", "keys_refresh_failing"),))
        assert guard.readiness().ready  # answered from the last good keys
        idp.status = None
        idp.extra_jwks = [{"kty": "RSA", "kid": "broken", "n": "AQAB", "e": "AQAB"}]
        guard.keys.refresh()  # type: ignore[attr-defined]
        assert guard.readiness().as_dict() == {"status": "degraded", "reasons": ["keys_skipped"]}


def test_tenants_are_named_by_position_never_by_issuer() -> None:
    with FakeIdentityProvider() as first, FakeIdentityProvider(issuer_path="/b") as second:
        loaded = first.key_set()
        loaded.preload()
        tenants = [Tenant(first.issuer, loaded), Tenant(second.issuer, second.key_set())]
        found = Guard(tenants=tenants, algorithms=["RS256"], audience="api").readiness()
        assert found.as_dict() == {"status": "not_ready", "reasons": ["keys_not_loaded (tenant 2)"]}
        assert second.issuer not in str(found.as_dict())


class _ReportingStore:
    """A revocation store that reports a given state (Redis' own states are driven with
    a real server in tests/revocation; here only the mapping to readiness is at stake)."""

    def __init__(self, health: RevocationHealth) -> None:
        self._health = health

    def is_revoked(self, claims: Claims) -> bool:
        return False

    def health(self) -> RevocationHealth:
        return self._health


IN_SYNC = RevocationHealth("redis", "in_sync", True, 0)


@pytest.mark.parametrize(
    ("health", "expected"),
    [
        (IN_SYNC, ("ready", [])),
        (replace(IN_SYNC, state="down", in_sync=False, fail_open_remaining=12.0),
         ("degraded", ["revocation_failing_open"])),
        (replace(IN_SYNC, state="down", in_sync=False), ("not_ready", ["revocation_down"])),
        (replace(IN_SYNC, state="syncing", in_sync=False), ("not_ready", ["revocation_syncing"])),
        (replace(IN_SYNC, state="repairing", in_sync=False),
         ("not_ready", ["revocation_repairing"])),
        (replace(IN_SYNC, state="closed", in_sync=False), ("not_ready", ["revocation_closed"])),
    ],
)  # fmt: skip
def test_revocation_store_states(
    factory: TokenFactory, health: RevocationHealth, expected: tuple[str, list[str]]
) -> None:
    found = factory.guard(revocation=_ReportingStore(health)).readiness().as_dict()
    assert (found["status"], found["reasons"]) == expected
