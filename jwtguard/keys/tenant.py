"""Keys bound to their issuer (RFC 8725 section 3.8): several identity providers in one Guard.

A :class:`Tenant` is one issuer with its own key source and, where it differs, its own
audience. A Guard given tenants reads the token's ``iss`` first and verifies the signature
only with that issuer's keys, so a key of one tenant can never vouch for another.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from jwtguard.claims import Claims
from jwtguard.errors import (
    ConfigError,
    InvalidClaimError,
    MissingClaimError,
    TokenError,
    UnknownIssuerError,
)
from jwtguard.jose import Signed, read_payload
from jwtguard.keys.coerce import KeyInput, as_key_source, static_key_problems
from jwtguard.keys.remote import JWKSHealth, JWKSOptions, RemoteKeySet
from jwtguard.policy import Policy
from jwtguard.protocols import AsyncKeySource, Clock, KeySource

__all__ = ["Tenant", "TenantRoute", "TenantRouter", "TenantStats"]


@dataclass(frozen=True, slots=True, init=False)
class Tenant:
    """One issuer, its keys and optionally its own audience.

    ``issuer`` is compared with the token's ``iss`` exactly (whole string, RFC 7519
    4.1.1). ``keys`` is anything ``Guard(key=...)`` accepts (a key, a JWKS, a
    :class:`RemoteKeySet`, ...); the Guard binds it to its allow-list. ``audience``,
    when given, replaces the Guard's ``audience`` for this tenant's tokens.
    """

    issuer: str
    keys: KeyInput
    audience: tuple[str, ...] | None = None

    def __init__(
        self, issuer: str, keys: KeyInput, audience: str | Iterable[str] | None = None
    ) -> None:
        if not isinstance(issuer, str) or not issuer:
            raise ConfigError("Tenant: issuer must be a non-empty string")
        audiences = (audience,) if isinstance(audience, str) else audience
        if audiences is not None:
            audiences = tuple(audiences)
            if not audiences or any(not isinstance(a, str) or not a for a in audiences):
                raise ConfigError(f"tenant {issuer!r}: audience must be non-empty strings")
        object.__setattr__(self, "issuer", issuer)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "audience", audiences)

    @classmethod
    def discover(
        cls,
        issuer: str,
        *,
        algorithms: str | Iterable[str],
        audience: str | Iterable[str] | None = None,
        options: JWKSOptions | None = None,
        clock: Clock = time.time,
        background_refresh: bool = True,
    ) -> Tenant:
        """A tenant whose keys are found by OpenID Connect discovery of ``issuer``."""
        algs = (algorithms,) if isinstance(algorithms, str) else tuple(algorithms)
        keys = RemoteKeySet(
            issuer=issuer,
            algorithms=algs,
            options=options,
            clock=clock,
            background_refresh=background_refresh,
        )
        return cls(issuer, keys, audience)

    def health(self) -> JWKSHealth | None:
        """The key source's health (a remote set's); ``None`` for static keys."""
        health: Any = getattr(self.keys, "health", None)
        return health() if callable(health) else None


@dataclass(frozen=True, slots=True)
class TenantStats:
    """One tenant's counters: full verifications it accepted, refusals by error code.

    Cache hits are counted once, for the whole Guard (``GuardStats.hits``).
    """

    verified: int
    rejected: Mapping[str, int] = field(default_factory=dict)


class TenantRoute:
    """A tenant as a Guard uses it: its key source bound, its policy, its counters."""

    __slots__ = ("_lock", "_rejected", "async_keys", "keys", "policy", "tenant", "verified")

    def __init__(self, tenant: Tenant, keys: KeySource, policy: Policy) -> None:
        self.tenant = tenant
        self.keys = keys
        # decided once: isinstance() against a runtime Protocol costs ~10 us per call
        self.async_keys = keys if isinstance(keys, AsyncKeySource) else None
        self.policy = policy
        self.verified = 0
        self._rejected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def accept(self) -> None:
        """Count one full verification this tenant accepted."""
        with self._lock:
            self.verified += 1

    def count(self, exc: TokenError) -> None:
        """Count one refusal of a token that named this tenant."""
        with self._lock:
            self._rejected[exc.code] += 1

    def stats(self) -> TenantStats:
        """A snapshot of the counters."""
        with self._lock:
            return TenantStats(self.verified, dict(self._rejected))


class TenantRouter:
    """Chooses the tenant of a token by its ``iss``, before any key is looked at."""

    def __init__(self, tenants: Iterable[Tenant], policy: Policy) -> None:
        routes: dict[str, TenantRoute] = {}
        problems: list[str] = []
        for tenant in tenants:
            if not isinstance(tenant, Tenant):
                problems.append("tenants: each must be a jwtguard.Tenant")
                continue
            if tenant.issuer in routes:
                problems.append(f"tenants: issuer {tenant.issuer!r} given twice")
                continue
            try:
                keys = as_key_source(tenant.keys, policy.algorithms)
            except ConfigError as exc:
                problems.extend(f"tenant {tenant.issuer!r}: {p}" for p in exc.problems)
                continue
            problems.extend(
                f"tenant {tenant.issuer!r}: {p}"
                for p in static_key_problems(keys, policy.algorithms)
            )
            audience = policy.audience if tenant.audience is None else tenant.audience
            bound = replace(tenant, keys=keys)
            routes[tenant.issuer] = TenantRoute(
                bound, keys, replace(policy, issuer=(tenant.issuer,), audience=audience)
            )
        if not routes and not problems:
            problems.append("tenants: give at least one")
        if problems:
            raise ConfigError(problems)
        self.routes = routes
        self.any_async = any(r.async_keys is not None for r in routes.values())

    def select(self, signed: Signed) -> tuple[TenantRoute, Claims]:
        """The route named by the token's ``iss``, and the (not yet verified) payload."""
        payload = read_payload(signed)
        issuer = payload.get("iss")
        if issuer is None:
            raise MissingClaimError("iss", "missing")
        if not isinstance(issuer, str):
            raise InvalidClaimError("iss", "type")
        route = self.routes.get(issuer)
        if route is None:
            raise UnknownIssuerError("iss", "unknown")
        return route, payload
