"""What the sync and async Redis stores share: configuration, key names, the Lua
script, the pushed-message format, and the fail-closed/fail-open decision.

Every key of one namespace carries the same hash tag (``{jwtguard}:...``), so a
Redis Cluster keeps them in one slot: the script and ``MGET`` stay single-slot,
and the denylist (small: only revocations still in force) lives on one shard.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urlsplit

from jwtguard._source import PrefixedSource, Reader
from jwtguard._values import mask_url
from jwtguard.errors import ConfigError, RevocationUnavailableError
from jwtguard.revocation._denylist import FAMILY_CLAIM, Denylist
from jwtguard.revocation.memory import (
    DEFAULT_LEEWAY,
    DEFAULT_MAX_TOKEN_LIFETIME,
    check_lifetimes,
)

if TYPE_CHECKING:
    from jwtguard.claims import Claims
    from jwtguard.protocols import Clock

logger = logging.getLogger("jwtguard.revocation")

Mode = Literal["push", "roundtrip"]

REVOKE_SCRIPT: Final = """
local kind, exp, cutoff = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local old = redis.call('GET', KEYS[1])
local added = 1
if kind == 'j' then
  if old then added = 0 else redis.call('SET', KEYS[1], exp, 'PXAT', exp) end
elseif kind == 'f' then
  if old and tonumber(old) >= exp then exp = tonumber(old)
  else redis.call('SET', KEYS[1], exp, 'PXAT', exp) end
else
  if old then
    local i = string.find(old, ':', 1, true)
    exp = math.max(exp, tonumber(string.sub(old, 1, i - 1)))
    cutoff = math.max(cutoff, tonumber(string.sub(old, i + 1)))
  end
  redis.call('SET', KEYS[1], string.format('%d:%.17g', exp, cutoff), 'PXAT', exp)
end
if added == 1 then
  redis.call('ZADD', KEYS[2], 'GT', exp, ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
  local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if top[2] then redis.call('PEXPIREAT', KEYS[2], top[2]) end
  redis.call('PUBLISH', ARGV[6], string.format('%s|%d|%.17g|%s', kind, exp, cutoff, ARGV[7]))
end
return added
"""
"""Atomically records one revocation (kind j/f/s), indexes it for resync, and pushes it."""

SNAPSHOT_BATCH: Final = 1000


class Keys:
    """Key and channel names of one namespace, all under one Redis Cluster hash tag."""

    def __init__(self, namespace: str) -> None:
        tag = "{" + namespace + "}"
        self.prefix = tag
        self.index = f"{tag}:index"
        self.channel = f"{tag}:events"

    def item(self, kind: str, name: str) -> str:
        """The key of one revocation: kind ``j`` (jti), ``f`` (family) or ``s`` (subject)."""
        return f"{self.prefix}:{kind}:{name}"


@dataclass(frozen=True, slots=True)
class RedisConfig:
    """How a Redis store connects and behaves when Redis is away.

    ``mode``: ``"push"`` keeps a local denylist that Redis pushes to (pub/sub),
    so a check never leaves the process; ``"roundtrip"`` asks Redis on every
    check (one round trip per request; sync store only; for comparison).
    ``timeout``: the longest any call waits on Redis (connect and reply), seconds.
    ``fail_open_for``: 0 fails closed as soon as Redis is unreachable; N > 0
    keeps answering from the last known denylist for N seconds, then fails closed.
    ``heartbeat``: the listener pings this often; a silent connection is declared
    lost after three heartbeats.
    """

    url: str | None = None
    namespace: str = "jwtguard"
    mode: Mode = "push"
    timeout: float = 0.25
    fail_open_for: float = 0.0
    heartbeat: float = 0.5
    leeway: float = DEFAULT_LEEWAY
    max_token_lifetime: float = DEFAULT_MAX_TOKEN_LIFETIME

    def __post_init__(self) -> None:
        problems = check_lifetimes(self.leeway, self.max_token_lifetime)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        problems += [f"{name}: {text}" for name, text in _field_problems(values)]
        if problems:
            raise ConfigError(problems)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        require_url: bool = True,
        **overrides: Any,
    ) -> RedisConfig:
        """Read ``JWTGUARD_REDIS_URL`` (required unless ``require_url=False``),
        ``_NAMESPACE``, ``_MODE``, ``_TIMEOUT``, ``_FAIL_OPEN_FOR`` and ``_HEARTBEAT``;
        ``overrides`` win. Every problem is reported at once, a misspelt
        ``JWTGUARD_REDIS_*`` name too."""
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
        for name in ("timeout", "fail_open_for", "heartbeat"):
            if reader.is_set(f"REDIS_{name.upper()}"):
                values[name] = reader.duration(f"REDIS_{name.upper()}", defaults[name])
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
    for name in ("URL", "NAMESPACE", "MODE", "TIMEOUT", "FAIL_OPEN_FOR", "HEARTBEAT")
)
"""The configuration names :meth:`RedisConfig.read` reads (without ``JWTGUARD_``)."""


def _field_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, problem) for each RedisConfig field in ``values`` that is out of range."""
    problems = []
    namespace = values["namespace"]
    if not isinstance(namespace, str) or not namespace or any(c in namespace for c in "{}"):
        problems.append(("namespace", "must be non-empty, without braces"))
    if values["mode"] not in ("push", "roundtrip"):
        problems.append(("mode", "must be 'push' or 'roundtrip'"))
    for name in ("timeout", "heartbeat"):
        if not 0 < _seconds(values[name]) <= 60:
            problems.append((name, "must be a number of seconds above 0, at most 60"))
    if not 0 <= _seconds(values["fail_open_for"]) < math.inf:
        problems.append(("fail_open_for", "must be a number of seconds, 0 to fail closed"))
    return problems


def _seconds(value: object) -> float:
    """``value`` as seconds, or NaN (outside every range) when it is not a number."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return math.nan


def message(kind: str, expires_ms: int, cutoff: float, name: str) -> str:
    """The pushed form of one revocation (the script formats the same)."""
    return f"{kind}|{expires_ms}|{cutoff:.17g}|{name}"


def subject_value(raw: bytes | str) -> tuple[float, float]:
    """(expires_at, cut-off) from a subject key's value ``"<expires_ms>:<cutoff>"``."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    expires_ms, _, cutoff = text.partition(":")
    return int(float(expires_ms)) / 1000.0, float(cutoff)


class RedisStoreBase:
    """State and decisions shared by the sync and async Redis stores (no I/O here)."""

    def __init__(self, config: RedisConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.keys = Keys(config.namespace)
        self.denylist = Denylist()
        self._check_local = self.denylist.is_revoked
        self.healthy = False
        """True while the local denylist is known to be in sync (push) or Redis answered."""
        self._good_until = -math.inf  # monotonic time up to which fail-open may answer
        self._retry_after = 1
        self._was_down = False

    def is_revoked(self, claims: Claims) -> bool:
        """The Guard's per-request check; pushed mode makes no Redis call.

        While in sync, push mode rebinds ``is_revoked`` on the instance to the
        denylist's own look-up, so the hot path costs what the memory store does.
        """
        if self.healthy:
            return self._check_local(claims)
        self.unavailable()
        return self._check_local(claims)

    def not_in_sync(self) -> None:
        """Forget the sync state without logging (closing, or a new process after fork)."""
        self.healthy = False
        self._rebind()

    def _rebind(self) -> None:
        if self.config.mode != "push":
            return
        if self.healthy:
            self.is_revoked = self._check_local  # type: ignore[method-assign]
        else:
            self.__dict__.pop("is_revoked", None)

    def unavailable(self) -> None:
        """Raise :class:`RevocationUnavailableError` unless fail-open still covers us."""
        self.ensure_listener()
        if self.healthy or time.monotonic() <= self._good_until:
            return
        raise RevocationUnavailableError(self._retry_after)

    def ensure_listener(self) -> None:
        """Start (or restart after ``fork``) whatever keeps the denylist in sync."""

    def mark_healthy(self) -> None:
        """The backend answered (round trip) or the denylist is in sync (push)."""
        if not self.healthy:
            self.healthy = True
            self._rebind()
            self._retry_after = 1
            if self._was_down:
                logger.warning("jwtguard: Redis revocation store reachable again; checks resume")

    def mark_down(self, reason: BaseException, retry_after: float = 1.0) -> None:
        """The backend is unreachable; log one line on the transition only."""
        self._retry_after = max(1, math.ceil(retry_after))
        self._was_down = True
        if self.healthy:
            self.healthy = False
            self._rebind()
            self._good_until = time.monotonic() + self.config.fail_open_for
            logger.error(
                "jwtguard: Redis revocation store unreachable (%s); %s",
                type(reason).__name__,
                f"failing open for {self.config.fail_open_for:g} s"
                if self.config.fail_open_for
                else "failing closed (503) until it is back",
            )

    def apply(self, raw: bytes | str) -> None:
        """Apply one pushed message to the local denylist; junk is ignored."""
        text = raw.decode() if isinstance(raw, bytes) else raw
        parts = text.split("|", 3)
        if len(parts) != 4:
            return
        kind, expires_ms, cutoff, name = parts
        try:
            expires_at, cut = int(expires_ms) / 1000.0, float(cutoff)
        except ValueError:
            return
        self.remember(kind, name, expires_at, cut)

    def remember(self, kind: str, name: str, expires_at: float, cutoff: float = 0.0) -> bool:
        """Record one revocation in the local denylist."""
        now = self.clock()
        if kind == "j":
            return self.denylist.add_jti(name, expires_at, now)
        if kind == "f":
            self.denylist.add_family(name, expires_at, now)
        elif kind == "s":
            self.denylist.add_subject(name, cutoff, expires_at, now)
        return True

    def script_args(
        self, kind: str, name: str, expires_at: float, cutoff: float = 0.0
    ) -> tuple[list[str], list[Any]]:
        """KEYS and ARGV of :data:`REVOKE_SCRIPT` for one revocation."""
        expires_ms = math.ceil((expires_at + self.config.leeway) * 1000)
        now_ms = int(self.clock() * 1000)
        keys = [self.keys.item(kind, name), self.keys.index]
        args = [kind, expires_ms, repr(float(cutoff)), f"{kind}:{name}", now_ms]
        return keys, [*args, self.keys.channel, name]

    def check_args(self, claims: Claims) -> list[str]:
        """Keys to ``MGET`` for an authoritative check of ``claims`` (jti, family, subject)."""
        fam = claims.get(FAMILY_CLAIM)
        return [
            self.keys.item("j", claims.jti or ""),
            self.keys.item("f", fam if isinstance(fam, str) else ""),
            self.keys.item("s", claims.subject or ""),
        ]

    @staticmethod
    def decide(claims: Claims, values: list[Any]) -> bool:
        """The answer from ``MGET`` of :meth:`check_args`."""
        jti_hit, fam_hit, sub_value = values
        if (jti_hit is not None and claims.jti) or (
            fam_hit is not None and isinstance(claims.get(FAMILY_CLAIM), str)
        ):
            return True
        if sub_value is None or claims.subject is None:
            return False
        iat = claims.get("iat")
        if not isinstance(iat, (int, float)) or isinstance(iat, bool):
            return True
        return bool(iat < subject_value(sub_value)[1])

    def snapshot_page(self, members: list[tuple[Any, float]]) -> list[str]:
        """Apply one page of the index; return subject keys whose cut-offs must be fetched."""
        subject_keys = []
        for raw, score in members:
            member = raw.decode() if isinstance(raw, bytes) else raw
            kind, _, name = member.partition(":")
            if kind == "s":
                subject_keys.append(self.keys.item("s", name))
            else:
                self.remember(kind, name, score / 1000.0)
        return subject_keys

    def snapshot_subjects(self, names: list[str], values: list[Any]) -> None:
        """Apply subject cut-offs fetched for :meth:`snapshot_page`."""
        skip = len(self.keys.item("s", ""))
        for key, value in zip(names, values, strict=True):
            if value is not None:
                expires_at, cutoff = subject_value(value)
                self.remember("s", key[skip:], expires_at, cutoff)
