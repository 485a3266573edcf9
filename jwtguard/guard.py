"""The Guard: verifies tokens against keys and a policy, with a verified-token cache.

Kept whole: :class:`Guard` is the public facade users read (its constructor, ``verify``
and every public method, documented here); its parts are in :mod:`jwtguard._guard`
(option checks, the cache-first fast path, the verify steps after a miss, the counters
and listeners, closing).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from jwtguard._guard.fast_path import cache_first, cache_lookup
from jwtguard._guard.lifecycle import aclose_parts, close_parts
from jwtguard._guard.options import option_problems
from jwtguard._guard.stats import GuardStats, Rejections, VerificationListener
from jwtguard._guard.verify_path import VerifyPath
from jwtguard.cache import VerifiedTokenCache
from jwtguard.claims import Claims
from jwtguard.config import build
from jwtguard.config.settings import Settings
from jwtguard.errors import (
    ConfigError,
    MalformedTokenError,
    TokenError,
)
from jwtguard.issuer import TokenIssuer
from jwtguard.jose import JWSReader
from jwtguard.keys import KeySet
from jwtguard.keys.coerce import KeyInput, as_key_source, static_key_problems
from jwtguard.keys.remote import JWKSHealth
from jwtguard.keys.tenant import Tenant, TenantRouter, TenantStats
from jwtguard.observability.counters import DecisionCounters
from jwtguard.observability.health import Readiness, readiness
from jwtguard.policy import DEFAULT_MAX_TOKEN_BYTES, Policy
from jwtguard.protocols import AsyncKeySource, Clock, RevocationChecker

__all__ = ["Guard", "GuardStats", "KeyInput", "TenantStats", "VerificationListener"]

DEFAULT_CACHE_SIZE = 10_000


class Guard(VerifyPath):
    """Verifies JWTs: signature with an allow-listed algorithm bound to the key,
    then the registered claims, then revocation; caches what it accepted.

    Thread-safe. ``verify`` is synchronous CPU work; ``averify`` differs only
    when the key source must be refreshed over the network.

    Args:
        key: verification key(s), see :data:`KeyInput`. Give ``key`` or ``tenants``.
        tenants: several issuers, each a :class:`Tenant` with its own keys and
            optionally its own audience: the token's ``iss`` selects the tenant
            before any key is looked at (RFC 8725 section 3.8), an unknown issuer
            is ``unknown_issuer``. ``issuer`` is then not given.
        algorithms: the mandatory allow-list, e.g. ``["RS256"]``. A key only
            ever verifies the algorithms both it and this list allow.
        audience: see :class:`Policy`. For a resource server, ``audience`` is its canonical
            URI (RFC 8707, RFC 9068 section 4), compared as an exact string.
        issuer: see :class:`Policy`.
        leeway: see :class:`Policy`.
        require: see :class:`Policy`.
        typ: see :class:`Policy`.
        max_age: see :class:`Policy`.
        max_token_bytes: see :class:`Policy`.
        profile: ``"rfc9068"``: the JWT access-token profile in one setting (``typ``
            ``at+jwt``; ``iss``, ``exp``, ``aud``, ``sub``, ``client_id``, ``iat``, ``jti``
            required; ``client_id`` and ``scope`` strings). Needs ``audience`` and ``issuer``
            (or tenants, each naming its issuer).
        cache_size: verified tokens kept (0 disables the cache).
        cache_ttl: optional upper bound, in seconds, on how long one entry is
            served; ``exp`` always bounds it.
        clock: returns the current Unix time; pin it in tests.
        revocation: consulted on every verification, cache hits included.
        signing_key: what :meth:`issue` signs with when ``key`` cannot (e.g.
            ``key`` is a public key or a JWKS and this is the private key).
        access_ttl: default lifetime of issued tokens, in seconds.
    """

    def __init__(
        self,
        key: KeyInput | None = None,
        *,
        tenants: Iterable[Tenant] | None = None,
        algorithms: str | Iterable[str],
        audience: str | Iterable[str] | None = None,
        issuer: str | Iterable[str] | None = None,
        leeway: float = 0,
        require: Iterable[str] = ("exp",),
        typ: str | None = None,
        max_age: float | None = None,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        profile: str | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_ttl: float | None = None,
        clock: Clock = time.time,
        revocation: RevocationChecker | None = None,
        signing_key: KeyInput | None = None,
        access_ttl: float = 900,
    ) -> None:
        self.policy = Policy.build(
            algorithms=algorithms,
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            require=require,
            typ=typ,
            max_age=max_age,
            max_token_bytes=max_token_bytes,
            profile=profile,
        )
        problems = option_problems(
            self.policy,
            key=key,
            tenants=tenants,
            profile=profile,
            cache_size=cache_size,
            cache_ttl=cache_ttl,
            clock=clock,
        )
        if problems:
            raise ConfigError(problems)
        self._router = None if tenants is None else TenantRouter(tenants, self.policy)
        self.keys = KeySet() if key is None else as_key_source(key, self.policy.algorithms)
        # decided once: isinstance() against a runtime Protocol costs ~10 us per call
        self._async_keys = self.keys if isinstance(self.keys, AsyncKeySource) else None
        self._awaits = self._async_keys is not None or (
            self._router is not None and self._router.any_async
        )
        self._clock = clock
        self._revocation = revocation
        self._reader = JWSReader(
            self.policy.algorithms, self.policy.max_token_bytes, self.policy.typ
        )
        self._cache = VerifiedTokenCache(cache_size)
        self._cache_get = self._cache.entries.get
        self._cache_ttl = cache_ttl
        self.keys.subscribe(self._cache.clear)
        for route in self._router.routes.values() if self._router else ():
            route.keys.subscribe(self._cache.clear)
        self.hits = 0
        self.misses = 0
        self.decisions = DecisionCounters()
        """What the adapters in front of this guard decided (see docs/observability.md)."""
        self._listeners: tuple[VerificationListener, ...] = ()
        self._rejections = Rejections()
        self._issuer: TokenIssuer | None = None
        self._signing_key = signing_key
        self._access_ttl = access_ttl
        key_problems = [] if key is None else static_key_problems(self.keys, self.policy.algorithms)
        if key_problems:
            raise ConfigError(key_problems)
        if cache_size and revocation is None and type(self).verify is Guard.verify:
            self.verify = cache_first(  # type: ignore[method-assign, assignment]
                self, Guard.verify.__get__(self), self._cache_get, clock, self._cache
            )

    def __repr__(self) -> str:
        algorithms = list(self.policy.algorithms)
        if self._router is not None:
            return f"Guard(algorithms={algorithms!r}, tenants={list(self._router.routes)!r})"
        return f"Guard(algorithms={algorithms!r}, keys={self.keys!r})"

    # -- verification (the steps after a cache miss: _guard/verify_path.py) ---------

    def verify(self, token: str | bytes) -> Claims:
        """Verify ``token`` and return its claims, or raise a :class:`TokenError`.

        Any input whatsoever ends in claims or a ``TokenError``.
        """
        try:
            entry = self._cache_get(token)  # type: ignore[arg-type]
            if entry is not None:
                claims, valid_until, stamp = entry
                if self._clock() < valid_until and (
                    self._revocation is None or not self._is_revoked(claims)
                ):
                    self.hits += 1
                    if stamp < self._cache.promote_below:
                        self._cache.promote(token)  # type: ignore[arg-type]
                    return claims
            elif type(token) is not str:
                text = self._reader.as_text(token)
                if self._cache_get(text) is not None:
                    return self.verify(text)
            signed = self._reader.split(token)
            router = self._router
            if router is not None:
                return self._verify_for_tenant(router, signed)
            keys = self.keys.find(signed.header.kid, signed.header.alg)
            return self._finish(signed, keys)
        except TokenError as exc:
            self._count(exc)
            raise
        except TypeError:
            if isinstance(token, (bytearray, memoryview)):  # unhashable, so not a cache key
                return self.verify(bytes(token))
            if isinstance(token, (str, bytes)):
                raise self._internal_error(TypeError()) from None
            err = MalformedTokenError()  # not a string at all (e.g. an unhashable object)
            self._count(err)
            raise err from None
        except Exception as exc:  # noqa: BLE001 - the contract: only TokenError escapes
            raise self._internal_error(exc) from None

    # -- observability -----------------------------------------------------------------

    def record_reject(self, code: str) -> None:
        """Count a refusal decided outside :meth:`verify` (adapters: scopes, bad requests)."""
        self._rejections.add(code)

    def stats(self) -> GuardStats:
        """Counters: cache hits and misses, refusals by code, entries cached, per tenant."""
        rejected = self._rejections.snapshot()
        routes = self._router.routes if self._router else {}
        tenants = {issuer: route.stats() for issuer, route in routes.items()}
        cache = self._cache
        return GuardStats(self.hits, self.misses, rejected, len(cache), tenants, cache.evictions)

    def add_verification_listener(self, listener: VerificationListener) -> None:
        """Call ``listener(seconds, accepted)`` after every full verification (signature,
        claims, revocation; never a cache hit, which stays a dict look-up): the metrics
        exporters' latency histogram. A listener that raises is logged and ignored."""
        if not callable(listener):
            raise ConfigError("listener: must be callable")
        self._listeners = (*self._listeners, listener)

    def remove_verification_listener(self, listener: VerificationListener) -> None:
        """Stop calling ``listener`` (no error if it was not added)."""
        self._listeners = tuple(x for x in self._listeners if x is not listener)

    @property
    def tenants(self) -> Mapping[str, Tenant]:
        """The tenants by issuer, each with its key source as bound here (empty without)."""
        routes = self._router.routes if self._router else {}
        return {issuer: route.tenant for issuer, route in routes.items()}

    def health(self) -> dict[str, JWKSHealth | None]:
        """Each tenant's key-source health by issuer (``None`` for static keys).

        Without tenants it is empty: use ``guard.keys.health()`` of a remote set.
        """
        routes = self._router.routes if self._router else {}
        return {issuer: route.tenant.health() for issuer, route in routes.items()}

    def readiness(self) -> Readiness:
        """Ready, degraded or not ready, with reasons: every key source (each tenant's,
        or ``keys``) and the revocation store. See :mod:`jwtguard.observability.health`."""
        return readiness(self)

    # -- cache control -----------------------------------------------------------------

    def forget(self, token: str) -> None:
        """Drop one token from the cache (e.g. right after revoking it)."""
        self._cache.discard(token)

    def forget_where(self, predicate: Any) -> int:
        """Drop every cached token whose claims satisfy ``predicate(claims)``."""
        return self._cache.discard_where(predicate)

    def clear_cache(self) -> None:
        """Drop every cached verification."""
        self._cache.clear()

    def cache_lookup(
        self, token_of: Callable[[Any], str | None], on_hit: Callable[[], object]
    ) -> Callable[[Any], Claims | None] | None:
        """A function answering from the cache alone, for hot paths that remember which
        token a request credential carries (``token_of(key)``: the token, or None): the
        claims when that token's verification is cached and still holds, counted as a hit
        and by ``on_hit()``; None otherwise, with nothing counted (decide the usual way).
        None where :meth:`verify` must run every time: a revocation check (asked on
        every hit), a subclass's own ``verify``, no cache."""
        if (
            self._revocation is not None
            or type(self).verify is not Guard.verify
            or not self._cache.maxsize
        ):
            return None
        return cache_lookup(self, self._cache_get, self._clock, self._cache, token_of, on_hit)

    @property
    def clock(self) -> Clock:
        """The time source this guard uses."""
        return self._clock

    @property
    def revocation(self) -> RevocationChecker | None:
        """The revocation checker consulted on every verification."""
        return self._revocation

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Release what this guard holds: its revocation store (a Redis store's listener
        and connections) and its key source, each when it has ``close()``.

        Call it once at shutdown, also for a store you passed in (the guard does not
        know who else uses it: close it yourself instead if it is shared). Afterwards a
        Redis-backed guard fails closed. An async-only store needs :meth:`aclose`.
        """
        close_parts((self._revocation, self.keys))

    async def aclose(self) -> None:
        """:meth:`close` for async code: awaits ``aclose()`` where a part has one."""
        await aclose_parts((self._revocation, self.keys))

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Guard:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- issuance ----------------------------------------------------------------------

    @property
    def issuer(self) -> TokenIssuer:
        """The :class:`TokenIssuer` matching this guard's policy (built on first use)."""
        if self._issuer is None:
            self._issuer = TokenIssuer.for_guard(self, self._signing_key, self._access_ttl)
        return self._issuer

    def issue(
        self,
        claims: Mapping[str, Any] | None = None,
        *,
        ttl: float | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """Issue a signed token: ``claims`` plus ``exp``, ``iat``, ``nbf``, a random ``jti``,
        and ``aud``/``iss`` from the policy. See :meth:`TokenIssuer.issue`."""
        return self.issuer.issue(claims, ttl=ttl, headers=headers)

    # -- configuration -----------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Guard:
        """A Guard built from a :class:`jwtguard.Settings` (``overrides`` win; nothing is
        built for an overridden argument, e.g. no Redis store when ``revocation=`` is given)."""
        return cls(**build.guard_kwargs(settings, **overrides))

    @classmethod
    def from_env(
        cls,
        environ: MutableMapping[str, str] | Mapping[str, str] | None = None,
        *,
        dotenv: bool | str | os.PathLike[str] = True,
        ignore: Iterable[str] = (),
        **overrides: Any,
    ) -> Guard:
        """A Guard configured from ``JWTGUARD_*`` environment variables.

        See docs/configuration.md (and :meth:`Settings.from_env` for ``dotenv`` and
        ``ignore``). Every problem is reported at once in one :class:`ConfigError`,
        a line each.
        """
        settings = Settings.from_env(environ, dotenv=dotenv, ignore=ignore)
        return cls.from_settings(settings, **overrides)
