"""What a Redis store knows and decides, with no I/O: the local mirror, the sync state
(logged on every change), loss detection, fail-closed/fail-open, and ``health()``.

The flows in ``_flows`` call these methods between the operations they yield; the
sync and async stores only add a client and a driver.

Kept whole: one class on purpose (longer than most modules): every decision here reads
and changes the same sync state.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from jwtguard.errors import ConfigError, RevocationUnavailableError
from jwtguard.revocation._denylist import FAMILY_CLAIM, KINDS, Denylist, unescape
from jwtguard.revocation.health import RevocationHealth, StoreState
from jwtguard.revocation.memory import subject_window
from jwtguard.revocation.redis._client import connect
from jwtguard.revocation.redis._config import Mode, RedisConfig
from jwtguard.revocation.redis._protocol import BUCKET_MS, Command, Keys, Script

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jwtguard.claims import Claims
    from jwtguard.protocols import Clock

__all__ = ["RedisStoreBase"]

logger = logging.getLogger("jwtguard.revocation")

MIRROR_RESOLUTION: Final = BUCKET_MS / 1000
"""Seconds the local copy rounds expiry up to (Redis keeps the exact expiry)."""
BUCKETS_PER_READ: Final = 96
"""Index buckets per ``MGET`` of a (re)sync (32 minutes of the three kinds)."""
RESTORE_PAGE: Final = 500
_WAITING: Final = frozenset({"syncing", "repairing"})

S = TypeVar("S", bound="RedisStoreBase")


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "surrogatepass") if isinstance(raw, bytes) else raw


class RedisStoreBase:
    """State and decisions shared by the sync and async Redis stores."""

    client_class: ClassVar[Any]
    """The redis-py client class made from ``config.url`` when no ``client`` is given."""
    modes: ClassVar[tuple[Mode, ...]] = ("push", "roundtrip")

    def __init__(
        self,
        config: RedisConfig | None = None,
        *,
        client: Any = None,
        clock: Clock = time.time,
    ) -> None:
        config = config or RedisConfig()
        if config.mode not in self.modes:
            raise ConfigError(f"mode: {type(self).__name__} supports only {self.modes[0]!r}")
        self.config = config
        self.clock = clock
        self.keys = Keys(config.namespace)
        self.denylist = Denylist(MIRROR_RESOLUTION)
        self._check_local = self.denylist.is_revoked
        self.healthy = False
        """True while the local denylist is known to be in sync (push) or Redis answered."""
        self._state: StoreState = "syncing"
        self._changed = threading.Condition()
        self._good_until = -math.inf  # monotonic time up to which fail-open may answer
        self._retry_after = 1
        self._down_since: float | None = None
        self._epoch_candidate = secrets.token_hex(8)
        self._repair_id = secrets.token_hex(8)
        self.known_epoch: str | None = None
        self.seen_seq = 0
        self._loading: tuple[str, int] | None = None
        self._sync_started = 0.0
        self._syncs = 0
        self._last_sync: tuple[float, int] | None = None
        self._errors = 0
        self._losses = 0
        self._push_lag: float | None = None
        self.session = connect(config, client, self.client_class)
        """The client and its registered scripts, for every call but the listener's."""
        self.client = self.session.client
        self._prepare()

    def _prepare(self) -> None:
        """The driver's own state (its listener), set up at the end of ``__init__``."""

    @classmethod
    def from_env(
        cls: type[S],
        environ: Mapping[str, str] | None = None,
        *,
        client: Any = None,
        clock: Clock = time.time,
        **overrides: Any,
    ) -> S:
        """A store configured from ``JWTGUARD_REDIS_*``; see :meth:`RedisConfig.from_env`."""
        config = RedisConfig.from_env(environ, require_url=client is None, **overrides)
        return cls(config, client=client, clock=clock)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r}, state={self._state!r})"

    # -- the checker -------------------------------------------------------------------

    def is_revoked(self, claims: Claims) -> bool:
        """The Guard's per-request check; pushed mode makes no Redis call.

        While in sync, push mode rebinds ``is_revoked`` on the instance to the
        denylist's own look-up, so the hot path costs what the memory store does.
        """
        if not self.healthy:
            self.unavailable()
        return self._check_local(claims)

    def unavailable(self) -> None:
        """Raise :class:`RevocationUnavailableError` unless in sync (after waiting for a
        running sync, where the store can) or fail-open still covers us."""
        self.ensure_listener()
        if not self.healthy and self._state in _WAITING:
            self.wait_for_sync(self.config.sync_timeout)
        if self.healthy or time.monotonic() <= self._good_until:
            return
        raise RevocationUnavailableError(self._retry_after)

    def ensure_listener(self) -> None:
        """Start (or restart after ``fork``) whatever keeps the denylist in sync."""

    def wait_for_sync(self, timeout: float) -> bool:
        """Block until a running sync ends (in sync, or failed), at most ``timeout`` s."""
        with self._changed:
            self._changed.wait_for(lambda: self._state not in _WAITING, timeout)
        return self.healthy

    @property
    def state(self) -> StoreState:
        """See :data:`jwtguard.revocation.health.StoreState`."""
        return self._state

    def _set_state(self, state: StoreState) -> None:
        with self._changed:
            self._state = state
            self.healthy = state == "in_sync"
            if self.config.mode == "push":
                if self.healthy:
                    self.is_revoked = self._check_local  # type: ignore[method-assign]
                else:
                    self.__dict__.pop("is_revoked", None)
            self._changed.notify_all()

    # -- state changes, each logged once ----------------------------------------------

    def begin_sync(self, reason: str, *, announce: bool = False) -> None:
        """A (re)sync starts: checks wait for it (bounded), then fail closed. Logged
        when the state changes, or ``announce`` (a listener starting in a process)."""
        self._sync_started = time.monotonic()
        if announce or self._state != "syncing":
            logger.info(
                "jwtguard: Redis revocation store %s: syncing (%s)",
                self._where(),
                reason,
                extra=self._fields("syncing", reason=reason),
            )
            self._set_state("syncing")

    def synced(self) -> None:
        """The local copy now holds everything Redis had at the start of this sync."""
        assert self._loading is not None
        self.known_epoch, seq = self._loading
        self.seen_seq = max(self.seen_seq, seq)
        seconds = time.monotonic() - self._sync_started
        self._syncs += 1
        self._last_sync = (seconds, len(self.denylist))
        self._retry_after = 1
        level = logging.INFO if self._down_since is None else logging.WARNING
        down = self._down_since
        away = "" if down is None else f" after {time.monotonic() - down:.1f} s away"
        self._down_since = None
        logger.log(
            level,
            "jwtguard: Redis revocation store %s in sync%s: %d entries loaded in %.0f ms",
            self._where(),
            away,
            len(self.denylist),
            seconds * 1000,
            extra=self._fields("in_sync", entries=len(self.denylist), seconds=round(seconds, 6)),
        )
        self._set_state("in_sync")

    def mark_healthy(self) -> None:
        """Round-trip mode: Redis answered."""
        if not self.healthy:
            if self._down_since is not None:
                logger.warning(
                    "jwtguard: Redis revocation store %s reachable again",
                    self._where(),
                    extra=self._fields("in_sync"),
                )
            self._down_since = None
            self._set_state("in_sync")

    def mark_down(self, reason: BaseException, retry_after: float = 1.0) -> None:
        """The backend is unreachable; log one line on the transition only."""
        self._errors += 1
        self._retry_after = max(1, math.ceil(retry_after))
        if self._state in ("down", "closed"):
            return
        if self.healthy:
            self._good_until = time.monotonic() + self.config.fail_open_for
        self._down_since = time.monotonic()
        logger.error(
            "jwtguard: Redis revocation store %s unreachable (%s); %s",
            self._where(),
            type(reason).__name__,
            f"failing open for {self.config.fail_open_for:g} s"
            if self.config.fail_open_for and self.healthy
            else "failing closed (503) until it is back",
            extra=self._fields(
                "down",
                reason=type(reason).__name__,
                fail_open_for=self.config.fail_open_for if self.healthy else 0,
            ),
        )
        self._set_state("down")

    def forget_sync(self, state: StoreState = "syncing") -> None:
        """Drop the sync state without logging (closing, or a new process after fork)."""
        self._set_state(state)

    def _where(self) -> str:
        return f"{self.config.shown_url or '(client given)'} [{self.config.namespace}]"

    def _fields(self, state: StoreState, **fields: Any) -> dict[str, Any]:
        """A state change's structured ``extra`` (docs/observability.md); the URL masked."""
        return {
            "jwtguard_event": "revocation_state",
            "state": state,
            "store": self.config.shown_url,
            "namespace": self.config.namespace,
            **fields,
        }

    # -- what Redis pushes --------------------------------------------------------------

    def apply(self, raw: bytes | str) -> bool:
        """Apply one pushed message; True when it asks for a resync (a repair ended)."""
        parts = _text(raw).split("|", 5)
        if parts[0] == "R" and len(parts) == 2:
            return True
        if len(parts) != 6:
            return False
        kind, expires_ms, cutoff, seq, sent_ms, name = parts
        try:
            expires_at, cut = int(expires_ms) / 1000.0, float(cutoff)
            self.seen_seq = max(self.seen_seq, int(seq))
            self._push_lag = max(0.0, time.time() - int(sent_ms) / 1000.0)
        except ValueError:
            return False
        self.remember(kind, name, expires_at, cut)
        return False

    def remember(self, kind: str, name: str, expires_at: float, cutoff: float = 0.0) -> bool:
        """Record one revocation in the local denylist."""
        return self.denylist.add(kind, name, expires_at, cutoff, self.clock())

    # -- a (re)sync ---------------------------------------------------------------------

    def begin_script(self) -> Script:
        return Script(
            "begin",
            [self.keys.epoch, self.keys.seq, self.keys.repairing],
            [self._epoch_candidate],
        )

    def begin(self, reply: Any) -> str | float:
        """Decide from :data:`BEGIN_SCRIPT`'s reply: ``"load"``, ``"repair"`` (the list
        this process knew is gone or rolled back), or seconds to wait and ask again."""
        epoch, now_ms, seq, repairing = _text(reply[0]), int(reply[1]), int(reply[2]), int(reply[3])
        known = self.known_epoch
        if known is not None and (epoch != known or seq < self.seen_seq):
            if len(self.denylist):
                self._losses += 1
                logger.critical(
                    "jwtguard: the Redis revocation list %s was LOST (%s); re-publishing this "
                    "process's %d live entries, checks fail closed until repaired. Make Redis "
                    "persistent (appendonly yes), see docs/deployment.md",
                    self._where(),
                    "a new epoch" if epoch != known else f"sequence {seq} < {self.seen_seq}",
                    len(self.denylist),
                    extra=self._fields("repairing", entries=len(self.denylist)),
                )
                self._set_state("repairing")
                return "repair"
            known = None
        if repairing:
            return self.config.heartbeat
        tail = epoch.rpartition(":")[2]
        created_ms = int(tail) if tail.isdigit() else 0
        young = self.config.loss_grace - (now_ms - created_ms) / 1000.0
        if epoch != known and young > 0:
            return young  # another process may be about to repair it: give it the time
        self._loading = (epoch, seq)
        return "load"

    def confirm(self, reply: Any) -> bool:
        """After the last page: is Redis still holding the list the load started from?"""
        epoch, seq = _text(reply[0]), int(reply[2])
        return self._loading is not None and epoch == self._loading[0] and seq >= self._loading[1]

    def buckets_command(self) -> Command:
        """The live minutes of the index."""
        return Command(("ZRANGEBYSCORE", self.keys.buckets, f"({int(self.clock() * 1000)}", "+inf"))

    def bucket_reads(self, reply: Any) -> Iterator[tuple[list[tuple[str, int]], Command]]:
        """``MGET`` pages of the index buckets named in :meth:`buckets_command`'s reply."""
        page: list[tuple[str, int]] = []
        for raw in reply:
            end_ms = int(raw)
            page += [(kind, end_ms) for kind in KINDS]
            if len(page) >= BUCKETS_PER_READ:
                yield page, self._mget(page)
                page = []
        if page:
            yield page, self._mget(page)

    def _mget(self, page: list[tuple[str, int]]) -> Command:
        return Command(("MGET", *(self.keys.bucket(kind, end) for kind, end in page)))

    def load_buckets(self, page: list[tuple[str, int]], values: list[Any]) -> None:
        """Apply one ``MGET`` page of index buckets to the local copy."""
        now = self.clock()
        d = self.denylist
        for (kind, end_ms), blob in zip(page, values, strict=True):
            if not blob:
                continue
            raw = blob if isinstance(blob, bytes) else blob.encode("utf-8", "surrogatepass")
            if kind == "s":
                lines = raw.decode("utf-8", "surrogatepass").split("\n")[:-1]
                d.add_subjects(_subjects(lines), end_ms / 1000.0, now)
            else:
                d.add_many(kind, raw, end_ms / 1000.0, now)

    # -- a repair -----------------------------------------------------------------------

    def mark_repairing_script(self) -> Script:
        ttl_ms = int(max(10.0, 20 * self.config.heartbeat) * 1000)
        return Script("mark_repairing", [self.keys.repairing], [self._repair_id, ttl_ms])

    def restore_scripts(
        self, entries: Iterable[tuple[str, str, float, float]] | None = None
    ) -> Iterator[Script]:
        """Pages of ``(kind, name, expires_at, cut-off)`` for :data:`RESTORE_SCRIPT`
        (default: this process's live entries, for a repair)."""
        ttl_ms = int(max(10.0, 20 * self.config.heartbeat) * 1000)
        keys: list[str] = [self.keys.buckets, self.keys.repairing]
        args: list[Any] = [ttl_ms, self.keys.prefix]
        if entries is None:
            entries = self.denylist.entries(self.clock())
        for kind, name, expires_at, cutoff in entries:
            keys.append(self.keys.item(kind, name))
            args += [kind, math.ceil(expires_at * 1000), repr(float(cutoff)), name]
            if len(keys) - 2 >= RESTORE_PAGE:
                yield Script("restore", keys, args)
                keys = [self.keys.buckets, self.keys.repairing]
                args = [ttl_ms, self.keys.prefix]
        if len(keys) > 2:
            yield Script("restore", keys, args)

    def announce_script(self) -> Script:
        return Script(
            "announce",
            [self.keys.repairing, self.keys.seq, self.keys.epoch],
            [self._repair_id, self.seen_seq, self._epoch_candidate, self.keys.channel],
        )

    def announced(self, reply: Any) -> None:
        """:data:`ANNOUNCE_SCRIPT` answered ``[seq, epoch]``: adopt them."""
        self.seen_seq, self.known_epoch = int(reply[0]), _text(reply[1])

    def repaired(self, restored: int) -> None:
        logger.warning(
            "jwtguard: Redis revocation list %s repaired: %d entries it lacked re-published",
            self._where(),
            restored,
        )

    # -- writes and authoritative reads ------------------------------------------------

    def revoke_script(self, kind: str, name: str, expires_at: float, cutoff: float) -> Script:
        """:data:`REVOKE_SCRIPT` for one revocation (``expires_at`` before the leeway)."""
        expires_ms = math.ceil((expires_at + self.config.leeway) * 1000)
        return Script(
            "revoke",
            [self.keys.item(kind, name), self.keys.buckets, self.keys.epoch, self.keys.seq],
            [
                kind,
                expires_ms,
                repr(float(cutoff)),
                name,
                self.keys.channel,
                self._epoch_candidate,
                self.keys.prefix,
            ],
        )

    def subject_window(
        self, issued_before: float | None, expires_at: float | None
    ) -> tuple[float, float]:
        """(cut-off, expiry) of a subject-wide revocation, defaults filled in."""
        return subject_window(
            self.clock(), issued_before, expires_at, self.config.max_token_lifetime
        )

    def check_keys(self, claims: Claims) -> tuple[str, ...]:
        """Keys to ``MGET`` for an authoritative check of ``claims`` (jti, family, subject)."""
        fam = claims.get(FAMILY_CLAIM)
        return (
            self.keys.item("j", claims.jti or ""),
            self.keys.item("f", fam if isinstance(fam, str) else ""),
            self.keys.item("s", claims.subject or ""),
        )

    @staticmethod
    def decide(claims: Claims, values: list[Any]) -> bool:
        """The answer from ``MGET`` of :meth:`check_keys`."""
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
        return bool(iat < float(_text(sub_value).partition(":")[2]))

    def call_failed(self) -> RevocationUnavailableError:
        """A read or write could not reach Redis: what the caller raises (counted)."""
        self._errors += 1
        return RevocationUnavailableError(self._retry_after)

    def unacknowledged(self, acked: int) -> RevocationUnavailableError:
        """A write Redis took but fewer than ``replicas`` replicas confirmed in time."""
        self._errors += 1
        logger.warning(
            "jwtguard: revocation written to %s but only %d of %d replicas confirmed it in "
            "time: reported as not done",
            self._where(),
            acked,
            self.config.replicas,
        )
        return RevocationUnavailableError(self._retry_after)

    # -- reporting ---------------------------------------------------------------------

    def health(self) -> RevocationHealth:
        """This store's state for health checks and metrics (URL password masked)."""
        last = self._last_sync
        return RevocationHealth(
            backend="redis",
            state=self._state,
            in_sync=self.healthy,
            entries=len(self.denylist),
            url=self.config.shown_url,
            namespace=self.config.namespace,
            mode=self.config.mode,
            fail_open_remaining=max(0.0, self._good_until - time.monotonic())
            if not self.healthy
            else 0.0,
            syncs=self._syncs,
            last_sync_seconds=None if last is None else round(last[0], 6),
            last_sync_entries=None if last is None else last[1],
            redis_errors=self._errors,
            losses_detected=self._losses,
            push_lag_seconds=self._push_lag,
            epoch=self.known_epoch,
        )


def _subjects(lines: list[str]) -> Iterator[tuple[str, float]]:
    for line in lines:
        cutoff, _, name = unescape(line).partition(":")
        yield name, float(cutoff)
