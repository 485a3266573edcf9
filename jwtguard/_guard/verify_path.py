"""The Guard's verify path: cache, split, tenant, key, signature, claims, revocation.

:class:`VerifyPath` is the base class of :class:`jwtguard.Guard` holding ``averify`` and
the steps ``Guard.verify`` (in :mod:`jwtguard.guard`) takes after a cache miss: a base
class, so they are the Guard's own methods, found without delegation. The Guard's
constructor sets the state declared here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from jwtguard._guard.stats import Rejections, VerificationListener, tell
from jwtguard._values import kid_fingerprint
from jwtguard.cache import Entry, VerifiedTokenCache
from jwtguard.claims import Claims
from jwtguard.errors import (
    MalformedTokenError,
    RevocationUnavailableError,
    RevokedTokenError,
    TokenError,
)
from jwtguard.jose import JWSReader, Signed, check_signature, read_payload
from jwtguard.jose.claims_check import validate_claims
from jwtguard.keys.tenant import TenantRoute, TenantRouter
from jwtguard.policy import Policy
from jwtguard.protocols import AsyncKeySource, Clock, KeySource, RevocationChecker

__all__ = ["VerifyPath"]

logger = logging.getLogger("jwtguard")


class VerifyPath:
    """Verification, for :class:`jwtguard.Guard` (which documents it)."""

    verify: Callable[[str | bytes], Claims]
    """Set by the Guard: :meth:`jwtguard.Guard.verify`."""
    policy: Policy
    keys: KeySource
    hits: int
    misses: int
    _router: TenantRouter | None
    _async_keys: AsyncKeySource | None
    _awaits: bool
    _clock: Clock
    _revocation: RevocationChecker | None
    _reader: JWSReader
    _cache: VerifiedTokenCache
    _cache_get: Callable[[str], Entry | None]
    _cache_ttl: float | None
    _listeners: tuple[VerificationListener, ...]
    _rejections: Rejections

    @property
    def may_wait(self) -> bool:
        """True when a verification may wait for I/O: the key source fetches (a remote
        JWKS, for a ``kid`` it has not seen). Async code then uses :meth:`averify`."""
        return self._async_keys is not None

    def has_cached(self, token: str | bytes) -> bool:
        """Whether ``token``'s verification is cached. Its key was known then (a key change
        clears the cache), so :meth:`verify` answers it without fetching keys."""
        try:
            return token in self._cache.entries
        except TypeError:  # unhashable: never cached
            return False

    def cached_claims(self, token: str | bytes) -> Claims | None:
        """The claims ``token`` was cached with, or None: a look at the cache that counts
        nothing and checks neither expiry nor revocation, so it may choose which way a
        request is decided (a ``cnf`` needs the request's proof or certificate), never
        allow one: :meth:`verify` does that. The cache is keyed by text: bytes are not
        looked up."""
        entry = self._cache.entries.get(token) if type(token) is str else None
        return None if entry is None else entry[0]

    async def averify(self, token: str | bytes) -> Claims:
        """:meth:`verify` for async code; awaits a key-set refresh when one is needed."""
        if not self._awaits or not isinstance(token, (str, bytes)):
            return self.verify(token)  # unhashable or odd inputs: verify ends them in TokenError
        try:
            # bytes are looked up by their text, as verify() does, so they hit the cache too
            text = token if type(token) is str else self._reader.as_text(token)
            if self._cache_get(text) is not None:
                return self.verify(text)
            signed = self._reader.split(text)
            router = self._router
            if router is not None:
                return await self._averify_for_tenant(router, signed)
            source, header = self._async_keys, signed.header
            keys = (
                self.keys.find(header.kid, header.alg)
                if source is None
                else await source.afind(header.kid, header.alg)
            )
            return self._finish(signed, keys)
        except TokenError as exc:
            self._count(exc)
            raise
        except Exception as exc:  # noqa: BLE001 - the contract: only TokenError escapes
            raise self._internal_error(exc) from None

    def _verify_for_tenant(self, router: TenantRouter, signed: Signed) -> Claims:
        route, payload = router.select(signed)
        try:
            keys = route.keys.find(signed.header.kid, signed.header.alg)
            return self._finish_for(route, signed, keys, payload)
        except TokenError as exc:
            route.count(exc)
            exc.tenant = route.tenant.issuer
            raise

    async def _averify_for_tenant(self, router: TenantRouter, signed: Signed) -> Claims:
        route, payload = router.select(signed)
        try:
            source = route.async_keys
            header = signed.header
            keys = (
                route.keys.find(header.kid, header.alg)
                if source is None
                else await source.afind(header.kid, header.alg)
            )
            return self._finish_for(route, signed, keys, payload)
        except TokenError as exc:
            route.count(exc)
            exc.tenant = route.tenant.issuer
            raise

    def _finish_for(self, route: TenantRoute, signed: Signed, keys: Any, payload: Claims) -> Claims:
        claims = self._finish(signed, keys, route.policy, payload)
        route.accept()
        return claims

    def _finish(
        self,
        signed: Signed,
        keys: Any,
        policy: Policy | None = None,
        payload: Claims | None = None,
    ) -> Claims:
        self.misses += 1
        listeners = self._listeners
        if not listeners:
            return self._check(signed, keys, policy, payload)
        accepted = False
        start = time.perf_counter()
        try:
            claims = self._check(signed, keys, policy, payload)
            accepted = True
            return claims
        finally:
            tell(listeners, time.perf_counter() - start, accepted)

    def _check(
        self, signed: Signed, keys: Any, policy: Policy | None, payload: Claims | None
    ) -> Claims:
        try:
            check_signature(signed, keys)
            claims = read_payload(signed) if payload is None else payload
            now = self._clock()
            valid_until = validate_claims(claims, policy or self.policy, now)
            if self._revocation is not None and self._is_revoked(claims):
                self._cache.discard(signed.token)
                raise RevokedTokenError
        except TokenError as exc:  # for the refusal's log record: which key, never its kid
            exc.kid = kid_fingerprint(signed.header.kid)
            raise
        if self._cache_ttl is not None:
            valid_until = min(valid_until, now + self._cache_ttl)
        if self._cache.maxsize:
            self._cache.put(signed.token, claims, valid_until)
        return claims

    def _count(self, exc: TokenError) -> None:
        self._rejections.add(exc.code)

    def _is_revoked(self, claims: Claims) -> bool:
        """Ask the revocation checker; anything it raises but a TokenError fails closed."""
        try:
            return self._revocation.is_revoked(claims)  # type: ignore[union-attr]
        except TokenError:
            raise
        except Exception as exc:  # noqa: BLE001 - an unknown failure must refuse, not accept
            # Only the exception type is logged: its message could quote the claims.
            logger.error("jwtguard: the revocation checker raised %s", type(exc).__name__)
            raise RevocationUnavailableError from None

    def _internal_error(self, exc: Exception) -> TokenError:
        # Only the exception type is logged: its message could quote the input.
        logger.error("jwtguard: unexpected %s while verifying a token", type(exc).__name__)
        err = MalformedTokenError()
        self._count(err)
        return err
