"""Configuration, health snapshot and error of :class:`jwtguard.RemoteKeySet`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from jwtguard.errors import ConfigError, JWTGuardError
from jwtguard.keys.keyset import SkippedKey
from jwtguard.keys.remote._fetch import HttpLimits

__all__ = ["JWKSFetchError", "JWKSHealth", "JWKSOptions"]


class JWKSFetchError(JWTGuardError):
    """The key set could not be loaded (raised by :meth:`RemoteKeySet.preload`).

    ``kind`` is a fixed label such as ``timeout``, ``http_503``, ``too_large``,
    ``invalid_json``, ``invalid_keys``, ``no_usable_keys``, ``secret_in_jwks``,
    ``private_key_in_jwks`` or ``issuer_mismatch``.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"could not load the JWKS: {kind}")


@dataclass(frozen=True, slots=True)
class JWKSOptions:
    """Limits and timings of a :class:`RemoteKeySet` (seconds and bytes).

    ``cooldown``: least time between two fetches caused by unknown kids.
    ``default_max_age`` applies when the response has no ``Cache-Control``
    max-age; any max-age is clamped to ``[min_max_age, max_max_age]``.
    ``stale_if_error``: how long past expiry the last good keys keep serving
    while refreshes fail; after that the set is emptied (every token is then
    refused with ``unknown_key``). ``negative_ttl``/``negative_size``: how long
    and how many kids missing from a fresh fetch are remembered. Failed fetches
    back off exponentially from ``cooldown`` up to ``max_backoff``.
    ``allow_insecure_http`` permits ``http://`` (for loopback tests only).
    """

    cooldown: float = 30.0
    default_max_age: float = 600.0
    min_max_age: float = 60.0
    max_max_age: float = 86_400.0
    stale_if_error: float = 86_400.0
    negative_ttl: float = 60.0
    negative_size: int = 1024
    max_backoff: float = 300.0
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    total_timeout: float = 10.0
    max_bytes: int = 256 * 1024
    max_keys: int = 100
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        problems = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "allow_insecure_http":
                if not isinstance(value, bool):
                    problems.append(f"{f.name}: must be True or False")
            elif (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value < math.inf
            ):
                problems.append(f"{f.name}: must be a non-negative finite number")
        if not problems and self.min_max_age > self.max_max_age:
            problems.append("min_max_age: must not exceed max_max_age")
        if not problems and min(self.total_timeout, self.max_bytes, self.max_keys) <= 0:
            problems.append("total_timeout, max_bytes, max_keys: must be positive")
        if problems:
            raise ConfigError(problems)

    @property
    def limits(self) -> HttpLimits:
        """The HTTP limits of one fetch."""
        return HttpLimits(
            self.connect_timeout,
            self.read_timeout,
            self.total_timeout,
            self.max_bytes,
            self.allow_insecure_http,
        )


@dataclass(frozen=True, slots=True)
class JWKSHealth:
    """A snapshot of a remote key set's state, for health endpoints and logs.

    ``last_error`` is a fixed label (see :class:`JWKSFetchError`), never a
    response body or a secret. Times are from the key set's clock.
    """

    url: str
    kids: tuple[str, ...]
    last_success: float | None
    last_error: str | None
    last_error_at: float | None
    expires_at: float | None
    fetches: int
    failures: int
    size: int = 0
    """Keys held (keys without a ``kid`` count too)."""
    skipped: tuple[SkippedKey, ...] = ()
    """Keys of the last fetched document that were not loaded, each with its reason."""
    failures_by_kind: Mapping[str, int] = field(default_factory=dict)
    """``failures`` by kind (the labels of :class:`JWKSFetchError`)."""

    @property
    def ready(self) -> bool:
        """True while a loaded set is held (not before the first fetch, nor after stale expiry)."""
        return self.last_success is not None and self.size > 0
