"""The Guard's options checked together: one message per problem, all at once."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from jwtguard.policy import Policy

__all__ = ["option_problems"]


def option_problems(
    policy: Policy,
    *,
    key: object,
    tenants: Iterable[Any] | None,
    profile: str | None,
    cache_size: object,
    cache_ttl: object,
    clock: object,
) -> list[str]:
    """The problems of a Guard's options beyond its :class:`Policy` (empty: none)."""
    problems = []
    if profile is not None and tenants is None and not policy.audience:
        problems.append("audience: the rfc9068 profile checks aud: name the resource's URI")
    if profile is not None and tenants is None and not policy.issuer:
        problems.append(
            "issuer: the rfc9068 profile checks iss (RFC 9068 section 4): "
            "name the authorization server's issuer"
        )
    if not isinstance(cache_size, int) or isinstance(cache_size, bool) or cache_size < 0:
        problems.append("cache_size: must be a non-negative integer")
    if cache_ttl is not None and (
        not isinstance(cache_ttl, (int, float)) or not 0 < cache_ttl < math.inf
    ):
        problems.append("cache_ttl: must be a positive number of seconds")
    if not callable(clock):
        problems.append("clock: must be a callable returning Unix time")
    if key is None and tenants is None:
        problems.append("key: no key configured (give key= or tenants=)")
    if key is not None and tenants is not None:
        problems.append("key, tenants: give key or tenants, not both")
    if tenants is not None and policy.issuer:
        problems.append("issuer: with tenants, each Tenant names its own issuer")
    return problems
