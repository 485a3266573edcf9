"""How a Redis store connects, waits and behaves when Redis is away (``RedisConfig``)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from jwtguard._source import PrefixedSource, Reader
from jwtguard._values import mask_url
from jwtguard.errors import ConfigError
from jwtguard.revocation.memory import DEFAULT_LEEWAY, DEFAULT_MAX_TOKEN_LIFETIME, check_lifetimes

__all__ = ["ENV_NAMES", "Mode", "RedisConfig"]

Mode = Literal["push", "roundtrip"]

_DURATIONS: Final = ("timeout", "sync_timeout", "fail_open_for", "heartbeat", "loss_grace")


@dataclass(frozen=True, slots=True)
class RedisConfig:
    """How a Redis store connects and behaves when Redis is away.

    ``url``: ``redis://``, ``rediss://`` or ``unix://``; shown masked (password
    replaced by ``***``) in its ``repr``, logs, errors and ``health()``.
    ``mode``: ``"push"`` keeps a local denylist that Redis pushes to (pub/sub),
    so a check never leaves the process; ``"roundtrip"`` asks Redis on every
    check (one round trip per request; sync store only; for comparison).
    ``timeout``: the longest any one Redis call waits (connect and reply), seconds.
    ``sync_timeout``: how long :meth:`start`, and a check in a process whose first
    sync is still running (a new worker, a fork), wait for it before failing closed.
    ``fail_open_for``: 0 fails closed as soon as Redis is unreachable; N > 0
    keeps answering from the last known denylist for N seconds, then fails closed.
    ``heartbeat``: the listener pings this often; a silent connection is declared
    lost after three heartbeats.
    ``replicas``: acknowledge a revocation only once this many replicas hold it
    (``WAIT``, bounded by ``timeout``); with Sentinel, 1 keeps an acknowledged
    revocation through a failover. A revoke that is not replicated in time raises.
    ``loss_grace``: a process that finds a list younger than this (Redis just came
    back empty, or a new deployment) waits so long before trusting it, so a surviving
    worker can detect the loss and start repairing first.
    """

    url: str | None = field(default=None, repr=False)
    namespace: str = "jwtguard"
    mode: Mode = "push"
    timeout: float = 0.25
    sync_timeout: float = 5.0
    fail_open_for: float = 0.0
    heartbeat: float = 0.5
    replicas: int = 0
    loss_grace: float = 1.5
    leeway: float = DEFAULT_LEEWAY
    max_token_lifetime: float = DEFAULT_MAX_TOKEN_LIFETIME

    def __post_init__(self) -> None:
        problems = check_lifetimes(self.leeway, self.max_token_lifetime)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        problems += [f"{name}: {text}" for name, text in _field_problems(values)]
        if problems:
            raise ConfigError(problems)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self.__dataclass_fields__ if name != "url"
        )
        return f"RedisConfig(url={self.shown_url!r}, {shown})"

    @property
    def shown_url(self) -> str | None:
        """The URL with its password masked: what logs, errors and ``health()`` show."""
        return None if self.url is None else mask_url(self.url)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        require_url: bool = True,
        **overrides: Any,
    ) -> RedisConfig:
        """Read ``JWTGUARD_REDIS_URL`` (required unless ``require_url=False``),
        ``_NAMESPACE``, ``_MODE``, ``_TIMEOUT``, ``_SYNC_TIMEOUT``, ``_FAIL_OPEN_FOR``,
        ``_HEARTBEAT``, ``_REPLICAS`` and ``_LOSS_GRACE``; ``overrides`` win. Every
        problem is reported at once, a misspelt ``JWTGUARD_REDIS_*`` name too."""
        reader = Reader(PrefixedSource(os.environ if environ is None else environ))
        config = cls.read(reader, require_url=require_url, **overrides)
        reader.check_names(ENV_NAMES, within="REDIS_")
        if config is None or reader.problems:
            raise ConfigError(reader.problems)
        return config

    @classmethod
    def read(
        cls, reader: Reader, *, require_url: bool = True, **overrides: Any
    ) -> RedisConfig | None:
        """Read the ``REDIS_*`` names with ``reader``, recording problems on it;
        ``None`` when there are any. ``overrides`` (Python values) win."""
        before = len(reader.problems)
        defaults: dict[str, Any] = {f.name: f.default for f in fields(cls)}
        values: dict[str, Any] = {}
        url = reader.text("REDIS_URL")
        if url is not None:
            values["url"] = url
            try:
                scheme = urlsplit(url).scheme
            except ValueError:
                scheme = ""
            if scheme not in ("redis", "rediss", "unix"):
                reader.problem(
                    "REDIS_URL",
                    f"expected redis://, rediss:// or unix://, got {mask_url(url)[:60]!r}",
                )
        elif require_url and "url" not in overrides:
            reader.problem("REDIS_URL", "required (e.g. redis://127.0.0.1:6379/0)")
        for name in ("namespace", "mode"):
            text = reader.text(f"REDIS_{name.upper()}")
            if text is not None:
                values[name] = text
        for name in _DURATIONS:
            if reader.is_set(f"REDIS_{name.upper()}"):
                values[name] = reader.duration(f"REDIS_{name.upper()}", defaults[name])
        if reader.is_set("REDIS_REPLICAS"):
            values["replicas"] = reader.integer("REDIS_REPLICAS", 0)
        candidate = defaults | values | overrides
        for name, text in _field_problems(candidate):
            if name in overrides or name not in values:
                reader.problems.append(f"{name}: {text}")
            else:
                reader.problem(f"REDIS_{name.upper()}", text)
        if len(reader.problems) > before:
            return None
        try:
            return cls(**{**values, **overrides})
        except ConfigError as exc:  # leeway, max_token_lifetime: Python overrides only
            reader.problems.extend(exc.problems)
            return None


ENV_NAMES: Final = frozenset(
    f"REDIS_{name}"
    for name in (
        "URL", "NAMESPACE", "MODE", "TIMEOUT", "SYNC_TIMEOUT", "FAIL_OPEN_FOR", "HEARTBEAT",
        "REPLICAS", "LOSS_GRACE",
    )
)  # fmt: skip
"""The configuration names :meth:`RedisConfig.read` reads (without ``JWTGUARD_``)."""


def _field_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for each RedisConfig field in ``values`` that is out of range."""
    problems = []
    namespace = values["namespace"]
    if not isinstance(namespace, str) or not namespace or any(c in namespace for c in "{}"):
        problems.append(("namespace", "must be non-empty, without braces"))
    if values["mode"] not in ("push", "roundtrip"):
        problems.append(("mode", "must be 'push' or 'roundtrip'"))
    for name in ("timeout", "heartbeat", "sync_timeout"):
        if not 0 < _seconds(values[name]) <= 60:
            problems.append((name, "must be a number of seconds above 0, at most 60"))
    if not 0 <= _seconds(values["fail_open_for"]) < math.inf:
        problems.append(("fail_open_for", "must be a number of seconds, 0 to fail closed"))
    if not 0 <= _seconds(values["loss_grace"]) <= 60:
        problems.append(("loss_grace", "must be a number of seconds from 0 to 60"))
    replicas = values["replicas"]
    if type(replicas) is not int or not 0 <= replicas <= 16:
        problems.append(("replicas", "must be a whole number from 0 to 16"))
    return problems


def _seconds(value: object) -> float:
    """``value`` as seconds, or NaN (outside every range) when it is not a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return math.nan
