"""Typed use of remote key sets and the fake identity provider under mypy --strict."""

from __future__ import annotations

from jwtguard import (
    AsyncKeySource,
    Guard,
    JWKSFetchError,
    JWKSHealth,
    JWKSOptions,
    RemoteKeySet,
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
