"""The verification rules, checked once when a Guard is built."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from jwtguard.errors import ConfigError
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS

__all__ = ["DEFAULT_MAX_TOKEN_BYTES", "PROFILES", "Policy"]

PROFILES: Final = frozenset({"rfc9068"})
"""``profile`` values: ``"rfc9068"``, the JWT profile for OAuth 2.0 access tokens."""

_RFC9068_CLAIMS: Final = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
"""RFC 9068 section 2.2: the claims every JWT access token carries."""

DEFAULT_MAX_TOKEN_BYTES: Final = 64 * 1024
"""Admits every token the common HTTP servers deliver (Envoy's 60 KiB of headers is the
largest; gunicorn and nginx stop at 8 KiB a header, uvicorn/h11 and Node at 16 KiB for all
of them), Entra ID's 200-group tokens (about 12 KB) included, while bounding the work any
input can cause before it is refused. See docs/core.md."""


def _as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True, slots=True)
class Policy:
    """What a token must satisfy besides its signature.

    ``algorithms`` is the mandatory allow-list (RFC 8725 section 3.1).
    ``audience``: when set, ``aud`` must name one of these exactly; when unset,
    a token that carries ``aud`` is refused (RFC 7519 section 4.1.3).
    ``issuer``: when set, ``iss`` must equal one of these, whole-string.
    ``leeway`` (seconds) absorbs clock skew for ``exp``, ``nbf`` and ``iat``.
    ``require`` lists claims that must be present. ``typ``, when set, is the
    required header ``typ`` (e.g. ``"at+jwt"``, RFC 9068), compared
    case-insensitively with an optional ``application/`` prefix.
    ``max_age`` (seconds), when set, refuses tokens whose ``iat`` is older.
    ``profile``: ``"rfc9068"`` checks the JWT access-token profile in one setting:
    header ``typ`` ``at+jwt``, the claims ``iss``, ``exp``, ``aud``, ``sub``,
    ``client_id``, ``iat`` and ``jti`` present, ``client_id`` and ``scope`` strings.
    """

    algorithms: tuple[str, ...]
    audience: tuple[str, ...] = ()
    issuer: tuple[str, ...] = ()
    leeway: float = 0.0
    require: tuple[str, ...] = ("exp",)
    typ: str | None = None
    max_age: float | None = None
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    profile: str | None = None

    @classmethod
    def build(
        cls,
        *,
        algorithms: str | Iterable[str],
        audience: str | Iterable[str] | None = None,
        issuer: str | Iterable[str] | None = None,
        leeway: float = 0,
        require: Iterable[str] = ("exp",),
        typ: str | None = None,
        max_age: float | None = None,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        profile: str | None = None,
    ) -> Policy:
        """Validate every field and raise one :class:`ConfigError` listing all problems."""
        problems = []
        algs = _as_tuple(algorithms)
        if not algs:
            problems.append("algorithms: the allow-list is mandatory and must not be empty")
        for alg in algs:
            if alg.lower() == "none":
                problems.append("algorithms: 'none' is never allowed (RFC 8725 section 3.2)")
            elif alg not in SUPPORTED_ALGORITHMS:
                problems.append(
                    f"algorithms: unknown algorithm {alg[:32]!r} "
                    f"(supported: {', '.join(sorted(SUPPORTED_ALGORITHMS))})"
                )
        auds = _as_tuple(audience)
        if any(not isinstance(a, str) or not a for a in auds):
            problems.append("audience: every audience must be a non-empty string")
        isss = _as_tuple(issuer)
        if any(not isinstance(i, str) or not i for i in isss):
            problems.append("issuer: every issuer must be a non-empty string")
        if not _finite_number(leeway) or leeway < 0 or leeway > 300:
            problems.append("leeway: must be a number of seconds between 0 and 300")
        req = tuple(require)
        if any(not isinstance(r, str) or not r for r in req):
            problems.append("require: claim names must be non-empty strings")
        if typ is not None and (not isinstance(typ, str) or not typ):
            problems.append("typ: must be a non-empty string")
        if max_age is not None and (not _finite_number(max_age) or max_age <= 0):
            problems.append("max_age: must be a positive number of seconds")
        if (
            not isinstance(max_token_bytes, int)
            or isinstance(max_token_bytes, bool)
            or not 64 <= max_token_bytes <= 1 << 20
        ):
            problems.append("max_token_bytes: must be an integer between 64 and 1048576")
        if max_age is not None and "iat" not in req:
            req = (*req, "iat")
        if profile is not None:
            if profile not in PROFILES:
                problems.append(f"profile: one of {', '.join(sorted(PROFILES))}")
            elif typ is not None and typ.lower().removeprefix("application/") != "at+jwt":
                problems.append("typ: the rfc9068 profile requires 'at+jwt'")
            else:
                typ = "at+jwt"
                req = (*req, *(c for c in _RFC9068_CLAIMS if c not in req))
        if problems:
            raise ConfigError(problems)
        return cls(
            algorithms=algs,
            audience=auds,
            issuer=isss,
            leeway=float(leeway),
            require=req,
            typ=typ,
            max_age=None if max_age is None else float(max_age),
            max_token_bytes=max_token_bytes,
            profile=profile,
        )


def _finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
