"""Builders: what :class:`Settings` describe, made real (keys, revocation stores).

Reading settings has no side effect; these functions do, explicitly: a remote key
set, a Redis client and its listener thread. ``Guard.from_settings`` calls
:func:`guard_kwargs`; call it (or :func:`revocation_store`) once per process.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from jwtguard.errors import ConfigError
from jwtguard.keys import Key
from jwtguard.keys.coerce import KeyInput
from jwtguard.keys.remote import JWKSOptions, RemoteKeySet
from jwtguard.keys.tenant import Tenant
from jwtguard.revocation.memory import DEFAULT_LEEWAY, MemoryRevocationStore

if TYPE_CHECKING:
    from jwtguard.config.settings import Settings
    from jwtguard.revocation.redis import RedisRevocationStore

__all__ = ["guard_kwargs", "key_source", "redis_store", "revocation_store", "tenants"]


def _jwks_options(settings: Settings) -> JWKSOptions:
    return JWKSOptions(
        cooldown=settings.jwks_cooldown,
        read_timeout=settings.jwks_timeout,
        total_timeout=2 * settings.jwks_timeout,
        allow_insecure_http=settings.jwks_allow_insecure_http,
    )


def tenants(settings: Settings) -> list[Tenant] | None:
    """The ``tenants`` argument of :class:`jwtguard.Guard`, each with its remote key set
    (by discovery of its issuer, or its own JWKS URL); ``None`` for one key source."""
    if not settings.tenants:
        return None
    return [
        Tenant(
            t.issuer,
            RemoteKeySet(
                t.jwks_url,
                issuer=None if t.jwks_url else t.issuer,
                algorithms=settings.algorithms,
                options=_jwks_options(settings),
            ),
            t.audience or None,
        )
        for t in settings.tenants
    ]


logger = logging.getLogger("jwtguard.revocation")


def key_source(settings: Settings) -> KeyInput:
    """The ``key`` argument of :class:`jwtguard.Guard`: a :class:`RemoteKeySet`, a PEM
    or an HMAC secret (text or bytes). With only a private key, the PEM of its public key."""
    if settings.jwks_url is not None or settings.oidc_issuer is not None:
        return RemoteKeySet(
            settings.jwks_url,
            issuer=settings.oidc_issuer,
            algorithms=settings.algorithms,
            options=_jwks_options(settings),
        )
    if settings.public_key is not None:
        return settings.public_key
    if settings.secret_key is not None:
        return settings.secret_key.reveal()
    if settings.private_key is not None:  # only the private key: verify with its public half
        return Key.from_pem(settings.private_key.reveal(), settings.algorithms).to_pem()
    raise ConfigError("no key configured")


def revocation_store(
    settings: Settings, *, start: bool = True
) -> MemoryRevocationStore | RedisRevocationStore | None:
    """A new revocation store as configured, or ``None``.

    Each call builds a new store (for Redis, a new client): call it once. A
    push-mode Redis store is started (``start=True``): it syncs now, bounded by its
    ``sync_timeout``, so a fresh Guard is in sync before its first request (logged
    as an error when it is not).
    """
    if settings.revocation == "memory":
        return MemoryRevocationStore(leeway=max(settings.leeway, DEFAULT_LEEWAY))
    if settings.revocation == "redis" and settings.redis is not None:
        return redis_store(settings, start=start)
    return None


def redis_store(settings: Settings, *, start: bool = True) -> RedisRevocationStore:
    """The configured Redis store (see :func:`revocation_store`); a :class:`ConfigError`
    when the settings name no Redis."""
    if settings.redis is None:
        raise ConfigError("JWTGUARD_REDIS_URL: required for a shared revocation store")
    from jwtguard.revocation.redis import RedisRevocationStore  # needs redis-py (an extra)

    store = RedisRevocationStore(settings.redis)
    if start and not store.start():
        logger.error(
            "jwtguard: Redis revocation store %s not in sync after %g s (%s); checks "
            "wait for it, then fail closed (503), until it is",
            settings.redis.shown_url,
            settings.redis.sync_timeout,
            store.state,
        )
    return store


def guard_kwargs(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for :class:`jwtguard.Guard`, ``overrides`` winning.

    Nothing is built for an overridden argument: ``revocation=...`` given here
    means no store (and no Redis client) is made from the settings.
    """
    kwargs: dict[str, Any] = {
        "algorithms": settings.algorithms,
        "audience": settings.audience or None,
        "issuer": settings.issuer,
        "leeway": settings.leeway,
        "require": settings.require,
        "typ": settings.typ,
        "profile": settings.profile,
        "cache_size": settings.cache_size,
        "cache_ttl": settings.cache_ttl,
        "max_token_bytes": settings.max_token_bytes,
        "access_ttl": settings.access_ttl,
        "signing_key": None if settings.private_key is None else settings.private_key.reveal(),
    }
    kwargs.update(overrides)
    if "key" not in kwargs and "tenants" not in kwargs:
        if settings.tenants:
            kwargs["tenants"] = tenants(settings)
        else:
            kwargs["key"] = key_source(settings)
    if "revocation" not in kwargs:
        kwargs["revocation"] = revocation_store(settings)
    return kwargs
