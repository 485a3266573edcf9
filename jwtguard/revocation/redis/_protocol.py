"""What the Redis stores say to Redis: key names, the Lua scripts, the pushed messages,
and the operations a flow asks its driver to perform. No I/O here.

Every key of one namespace carries the same hash tag (``{jwtguard}:...``), so a
Redis Cluster keeps them in one slot and every script runs on one shard:

- ``{ns}:j:<jti>``, ``{ns}:f:<family>``, ``{ns}:s:<subject>``: one key per
  revocation, expiring with it (``PXAT``); what authoritative checks read.
- ``{ns}:b:<kind>:<minute ms>``: the index, one string per kind and minute of
  expiry, each entry a line appended by the script (subjects as ``cutoff:name``),
  expiring with its minute; ``{ns}:buckets`` lists the live minutes. A (re)sync
  reads it with plain ``MGET``: a million entries are a few dozen large strings, not
  a million replies.
- ``{ns}:epoch``: ``<random id>:<created ms>``, written once, never expiring. A
  Redis that lost its data comes back without it (or with another), which the
  stores that knew the old one notice.
- ``{ns}:seq``: a counter raised by every change, carried in every push. A store
  that saw a higher number than Redis now holds knows writes were lost (a failover
  to a replica that lagged, an AOF that lost its last second).
- ``{ns}:repairing``: the stores re-publishing a lost list; others wait meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "SCRIPTS",
    "Command",
    "GetMessage",
    "Keys",
    "Operation",
    "Ping",
    "Script",
    "Sleep",
    "Subscribe",
    "Unsubscribe",
    "Write",
]

BUCKET_MS: Final = 60_000
"""Expiry buckets of the index: entries are listed by the minute their revocation ends."""

_RECORD: Final = """
local function listed(prefix, buckets, kind, exp, line)
  -- append one line to the index bucket of its expiry (a newline-separated string)
  local b = math.ceil(exp / 60000) * 60000
  local key = prefix .. ':b:' .. kind .. ':' .. b
  if string.find(line, '\\n', 1, true) or string.byte(line, 1) == 0 then
    line = '\\0' .. cjson.encode(line)
  end
  redis.call('APPEND', key, line .. '\\n')
  redis.call('PEXPIREAT', key, b)
  redis.call('ZADD', buckets, b, b)
end
local function record(prefix, item, buckets, kind, exp, cutoff, name)
  -- returns added (0: a jti already listed), changed, and the stored expiry and cut-off
  local old = redis.call('GET', item)
  if kind == 'j' then
    if old then return 0, 0, tonumber(old), 0 end
    redis.call('SET', item, exp, 'PXAT', exp)
    listed(prefix, buckets, 'j', exp, name)
    return 1, 1, exp, 0
  elseif kind == 'f' then
    if old and tonumber(old) >= exp then return 1, 0, tonumber(old), 0 end
    redis.call('SET', item, exp, 'PXAT', exp)
    listed(prefix, buckets, 'f', exp, name)
    return 1, 1, exp, 0
  end
  local cut = string.format('%.17g', cutoff)
  if old then
    local i = string.find(old, ':', 1, true)
    local old_exp, old_cut = tonumber(string.sub(old, 1, i - 1)), string.sub(old, i + 1)
    if old_exp >= exp and tonumber(old_cut) >= cutoff then
      return 1, 0, old_exp, tonumber(old_cut)
    end
    exp = math.max(exp, old_exp)
    if tonumber(old_cut) >= cutoff then cut = old_cut end
  end
  redis.call('SET', item, string.format('%d:', exp) .. cut, 'PXAT', exp)
  listed(prefix, buckets, 's', exp, cut .. ':' .. name)
  return 1, 1, exp, tonumber(cut)
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function trim(buckets, now)
  redis.call('ZREMRANGEBYSCORE', buckets, '-inf', now)
  local top = redis.call('ZRANGE', buckets, -1, -1, 'WITHSCORES')
  if top[2] then redis.call('PEXPIREAT', buckets, top[2]) end
end
local function ensure_epoch(key, candidate, now)
  if redis.call('EXISTS', key) == 0 then redis.call('SET', key, candidate .. ':' .. now) end
end
"""

REVOKE_SCRIPT: Final = (
    _RECORD
    + """
-- KEYS: item, buckets, epoch, seq; ARGV: kind, exp_ms, cutoff, name, channel, epoch candidate,
-- key prefix
local exp, cutoff = tonumber(ARGV[2]), tonumber(ARGV[3])
local added, changed, e, c = record(ARGV[7], KEYS[1], KEYS[2], ARGV[1], exp, cutoff, ARGV[4])
local now = now_ms()
if changed == 0 then return {added, tonumber(redis.call('GET', KEYS[4]) or '0')} end
trim(KEYS[2], now)
ensure_epoch(KEYS[3], ARGV[6], now)
local seq = redis.call('INCR', KEYS[4])
local head = string.format('%s|%d|%.17g|%d|%d|', ARGV[1], e, c, seq, now)
redis.call('PUBLISH', ARGV[5], head .. ARGV[4])
return {added, seq}
"""
)
"""Atomically records one revocation (kind j/f/s), indexes it, counts it, and pushes it.
Returns ``[added, seq]``."""

RESTORE_SCRIPT: Final = (
    _RECORD
    + """
-- KEYS: buckets, repairing, item...; ARGV: marker ttl ms, key prefix, then kind, exp_ms,
-- cutoff, name per item
local changed = 0
for i = 3, #KEYS do
  local a = 3 + (i - 3) * 4
  local exp, cutoff = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local _, c = record(ARGV[2], KEYS[i], KEYS[1], ARGV[a], exp, cutoff, ARGV[a + 3])
  changed = changed + c
end
trim(KEYS[1], now_ms())
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return changed
"""
)
"""Re-publishes a page of a surviving local copy (no push; a resync follows). Returns
how many entries Redis lacked."""

BEGIN_SCRIPT: Final = """
-- KEYS: epoch, seq, repairing; ARGV: epoch candidate
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1] .. ':' .. now
  redis.call('SET', KEYS[1], epoch)
end
return {epoch, now, tonumber(redis.call('GET', KEYS[2]) or '0'), redis.call('SCARD', KEYS[3])}
"""
"""Where a (re)sync starts: ``[epoch, Redis time ms, seq, stores repairing]``."""

MARK_REPAIRING_SCRIPT: Final = """
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

ANNOUNCE_SCRIPT: Final = (
    _RECORD
    + """
-- KEYS: repairing, seq, epoch; ARGV: repair id, seq at least, epoch candidate, channel
redis.call('SREM', KEYS[1], ARGV[1])
local seq = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(ARGV[2])) + 1
redis.call('SET', KEYS[2], seq)
ensure_epoch(KEYS[3], ARGV[3], now_ms())
redis.call('PUBLISH', ARGV[4], 'R|' .. seq)
return {seq, redis.call('GET', KEYS[3])}
"""
)
"""Ends a repair or a bulk write: raises ``seq`` past what this store saw and tells
every store to resync. Returns ``[seq, epoch]``."""

SCRIPTS: Final = {
    "revoke": REVOKE_SCRIPT,
    "restore": RESTORE_SCRIPT,
    "begin": BEGIN_SCRIPT,
    "mark_repairing": MARK_REPAIRING_SCRIPT,
    "announce": ANNOUNCE_SCRIPT,
}


class Keys:
    """Key and channel names of one namespace, all under one Redis Cluster hash tag."""

    def __init__(self, namespace: str) -> None:
        tag = "{" + namespace + "}"
        self.prefix = tag
        self.buckets = f"{tag}:buckets"
        self.channel = f"{tag}:events"
        self.epoch = f"{tag}:epoch"
        self.seq = f"{tag}:seq"
        self.repairing = f"{tag}:repairing"

    def item(self, kind: str, name: str) -> str:
        """The key of one revocation: kind ``j`` (jti), ``f`` (family) or ``s`` (subject)."""
        return f"{self.prefix}:{kind}:{name}"

    def bucket(self, kind: str, end_ms: int) -> str:
        """The index bucket of ``kind`` whose entries expire by ``end_ms``: their names
        (subjects as ``cutoff:name``), one per line; a line that would hold a newline
        (or start with NUL) is NUL followed by its JSON string."""
        return f"{self.prefix}:b:{kind}:{end_ms}"


# -- what a flow asks its driver to do -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Script:
    """Run one of :data:`SCRIPTS`; the reply is the script's."""

    name: str
    keys: list[str]
    args: list[Any]


@dataclass(frozen=True, slots=True)
class Write:
    """Run ``script``, then ``WAIT replicas timeout_ms`` on the same connection; the
    reply is ``(script reply, replicas that acknowledged)``."""

    script: Script
    replicas: int
    timeout_ms: int


@dataclass(frozen=True, slots=True)
class Command:
    """A plain command (``MGET``, ``EXISTS``); the reply is Redis'."""

    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Subscribe:
    """Open the pub/sub connection and subscribe to ``channel``; no reply."""

    channel: str


@dataclass(frozen=True, slots=True)
class GetMessage:
    """The next pushed message, waiting at most ``timeout`` s; the reply is the message
    dict or ``None``."""

    timeout: float


@dataclass(frozen=True, slots=True)
class Ping:
    """A ``PING`` on the pub/sub connection (its answer arrives as a message)."""


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` (ended early when the store closes); no reply."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """Close the pub/sub connection (after it failed); no reply."""


Operation = Script | Write | Command | Subscribe | GetMessage | Ping | Sleep | Unsubscribe
"""Everything a flow may ask of its driver."""
