"""Typed use of remote key sets and the fake identity provider under mypy --strict."""

from __future__ import annotations

from jwtguard import (
    AsyncKeySource,
    Guard,
    JWKSFetchError,
    JWKSHealth,
    JWKSOptions,
    KeySet,
    RemoteKeySet,
    SkippedKey,
    Tenant,
    TenantStats,
)
from jwtguard.testing import FakeIdentityProvider, FrozenClock


async def check() -> str:
    options = JWKSOptions(cooldown=10.0, max_bytes=64 * 1024, allow_insecure_http=True)
    with FakeIdentityProvider("ES256", clock=FrozenClock()) as idp:
        remote: RemoteKeySet = RemoteKeySet.from_jwks_url(idp.jwks_url, ["ES256"], options=options)
        discovered: RemoteKeySet = RemoteKeySet.from_oidc_issuer(
            idp.issuer, "ES256", options=options
        )
        source: AsyncKeySource = remote
        own: RemoteKeySet = idp.key_set(["ES256"], discovery=True)
        own.close()
        try:
            await discovered.apreload()
            remote.preload()
        except JWKSFetchError as exc:
            kind: str = exc.kind
            return kind
        guard = Guard(source, algorithms=["ES256"], audience="api", issuer=idp.issuer)
        claims = await guard.averify(idp.issue(sub="1"))
        health: JWKSHealth = remote.health()
        remote.close()
        discovered.close()
        return f"{claims.subject} {health.kids} {health.ready} {idp.count('jwks')}"


def tenants() -> int:
    """Several issuers, each with its own keys; skipped keys and per-tenant counters."""
    options = JWKSOptions(allow_insecure_http=True)
    with FakeIdentityProvider("ES256") as idp:
        discovered: Tenant = Tenant.discover(idp.issuer, algorithms=["ES256"], options=options)
        static = Tenant("https://static.example", KeySet.from_jwks(idp.jwks()), audience="b")
        guard = Guard(tenants=[discovered, static], algorithms=["ES256"], audience="api")
        claims = guard.verify(idp.issue(sub="1"))
        stats: TenantStats = guard.stats().tenants[idp.issuer]
        health: JWKSHealth | None = guard.health()[idp.issuer]
        skipped: tuple[SkippedKey, ...] = (
            static.keys.skipped if isinstance(static.keys, KeySet) else ()
        )
        tenant: Tenant = guard.tenants[idp.issuer]
        if isinstance(tenant.keys, RemoteKeySet):
            tenant.keys.close()
        return stats.verified + len(skipped) + (health.size if health else 0) + len(claims)
