"""Remote key sets: a JWKS fetched over HTTPS (directly or by OpenID Connect discovery).

:class:`RemoteKeySet` is a :class:`jwtguard.KeySource` and
:class:`jwtguard.AsyncKeySource`. A known ``kid`` costs two dict look-ups (no
lock, no clock); only an unknown ``kid`` can cause a fetch, at most once per
cooldown, single-flight across threads and coroutines, with a small negative
cache of kids a fetch did not have. Keys expire after their ``Cache-Control``
max-age (clamped to configured bounds) and are refreshed by a background
thread; when the provider fails, the last good set keeps serving for a
bounded time (stale-if-error). A document that fails to parse or load never
replaces a good set. See docs/keys.md.

Kept whole: one class on purpose (longer than most modules): the look-ups, the single flight, the
cooldown and backoff, the negative cache, expiry and the background refresh all read
and change one state under one lock; the I/O is elsewhere (``_fetch``, ``_documents``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from jwtguard._flow import arun, run
from jwtguard.errors import ConfigError
from jwtguard.jose.algorithms import ALGORITHM_FAMILY, SUPPORTED_ALGORITHMS
from jwtguard.keys import Key, KeySet, SkippedKey
from jwtguard.keys.remote._documents import (
    Fingerprints,
    discovery_url,
    jwks_uri,
    load_jwks,
    lookup_table,
)
from jwtguard.keys.remote._fetch import (
    Fetched,
    FetchError,
    Flow,
    arun_flow,
    check_url,
    require_httpx,
    run_flow,
)
from jwtguard.keys.remote.options import JWKSFetchError, JWKSHealth, JWKSOptions
from jwtguard.protocols import Clock

__all__ = ["JWKSFetchError", "JWKSHealth", "JWKSOptions", "RemoteKeySet"]

logger = logging.getLogger("jwtguard.keys.remote")

Flight = tuple[Future[bool], bool]
"""A fetch to take part in: its future (True when the fetch succeeded) and whether the
taker runs it (the first) or waits for it."""


class RemoteKeySet:
    """Verification keys published at a JWKS URL, or found by OIDC discovery.

    Give exactly one of ``url`` (the JWKS) or ``issuer`` (the discovery
    document at ``issuer + "/.well-known/openid-configuration"`` names the JWKS;
    its ``issuer`` member must equal ``issuer`` exactly). ``algorithms`` binds
    every fetched key (as :meth:`KeySet.from_jwks` does). Nothing is fetched
    until :meth:`preload`/:meth:`apreload` or the first look-up. ``clock`` is
    the time used for expiry, cooldown and backoff. ``background_refresh``
    starts a daemon thread after the first fetch that refreshes expiring keys;
    without it, call :meth:`refresh_if_due` yourself. Use :meth:`close` (or
    ``with``) to stop it.

    In async code use ``Guard.averify``: ``verify`` (sync) fetches in the
    calling thread when a kid is unknown.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        issuer: str | None = None,
        algorithms: str | Sequence[str],
        options: JWKSOptions | None = None,
        clock: Clock = time.time,
        background_refresh: bool = True,
    ) -> None:
        require_httpx()
        self.options = opts = options or JWKSOptions()
        insecure = opts.allow_insecure_http
        if (url is None) == (issuer is None):
            raise ConfigError("RemoteKeySet: give exactly one of url= or issuer=")
        self._jwks_url = (
            None if url is None else check_url(url, allow_insecure_http=insecure, what="JWKS URL")
        )
        self.issuer = (
            None
            if issuer is None
            else check_url(issuer, allow_insecure_http=insecure, what="OIDC issuer")
        )
        self.algorithms = (algorithms,) if isinstance(algorithms, str) else tuple(algorithms)
        unknown = [a for a in self.algorithms if a not in SUPPORTED_ALGORITHMS]
        if unknown or not self.algorithms:
            raise ConfigError(
                f"algorithms: unsupported algorithm(s) {', '.join(a[:20] for a in unknown)}"
                if unknown
                else "algorithms: name at least one (e.g. RS256)"
            )
        hmac = sorted(a for a in self.algorithms if ALGORITHM_FAMILY[a] == "oct")
        if hmac:
            raise ConfigError(
                f"algorithms: {', '.join(hmac)}: a remote JWKS is for public-key algorithms; "
                "an HMAC secret is never published"
            )
        self._clock = clock
        self._background = background_refresh
        self._use(KeySet())
        self._fingerprints: Fingerprints = frozenset()
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._flight: Future[bool] | None = None
        self._next_allowed = -math.inf
        self._due = -math.inf
        self._negative: dict[str | None, float] = {}
        self._last_success: float | None = None
        self._expires_at: float | None = None
        self._last_error: str | None = None
        self._last_error_at: float | None = None
        self._skipped: tuple[SkippedKey, ...] = ()
        self._fetches = 0
        self._failures = 0
        self._failure_kinds: Counter[str] = Counter()
        self._consecutive_failures = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_jwks_url(
        cls, url: str, algorithms: str | Sequence[str], **options: Any
    ) -> RemoteKeySet:
        """The key set published at the JWKS ``url`` (needs httpx)."""
        return cls(url, algorithms=algorithms, **options)

    @classmethod
    def from_oidc_issuer(
        cls, issuer: str, algorithms: str | Sequence[str], **options: Any
    ) -> RemoteKeySet:
        """The key set found by OpenID Connect discovery of ``issuer`` (needs httpx)."""
        return cls(issuer=issuer, algorithms=algorithms, **options)

    def __repr__(self) -> str:
        where = self._jwks_url if self.issuer is None else f"issuer={self.issuer}"
        return f"RemoteKeySet({where!r}, kids={list(self._keys.kids)!r})"

    def __enter__(self) -> RemoteKeySet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- KeySource ------------------------------------------------------------------

    def find(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        """Candidate keys; an unknown ``kid`` may fetch the set (blocking), within the cooldown."""
        try:
            return self._table[algorithm][kid]  # the hot path: two dict look-ups
        except KeyError:
            return run(self._finding(kid, algorithm), self._fly)

    async def afind(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        """:meth:`find` for coroutines: the fetch is awaited, never blocking the loop."""
        found = self._table.get(algorithm, {}).get(kid)
        if found:
            return found
        return await arun(self._finding(kid, algorithm), self._afly)

    def _finding(self, kid: str | None, algorithm: str) -> Generator[Flight, bool, Sequence[Key]]:
        """A look-up past the hot path: the keys held, else (within the cooldown, not a
        known-missing kid) the keys after a fetch; nothing when the fetch took too long."""
        found = self._find(kid, algorithm)
        if found:
            return found
        flight = self._admit(kid)
        if flight is None:
            return ()
        try:
            fresh = yield flight
        except (FutureTimeout, asyncio.TimeoutError):
            return ()
        return self._after_fetch(kid, algorithm, fresh)

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` when a key held before is removed or changed by a refresh."""
        with self._lock:
            self._listeners.append(listener)

    # -- explicit loading -------------------------------------------------------------

    def preload(self) -> None:
        """Fetch now (before serving); raise :class:`JWKSFetchError` if no key set is held."""
        run(self._refreshing(require=True), self._fly)

    async def apreload(self) -> None:
        """:meth:`preload` for coroutines."""
        await arun(self._refreshing(require=True), self._afly)

    def refresh(self) -> None:
        """Fetch now, ignoring the cooldown (joins a fetch already running)."""
        run(self._refreshing(), self._fly)

    async def arefresh(self) -> None:
        """:meth:`refresh` for coroutines."""
        await arun(self._refreshing(), self._afly)

    def _refreshing(self, *, require: bool = False) -> Generator[Flight, bool, None]:
        yield self._start()
        if require and self._last_success is None:
            raise JWKSFetchError(self._last_error or "unknown")

    def refresh_if_due(self) -> bool:
        """Refresh when the keys have expired (or a retry after a failure is due).

        Also empties the set once it is older than expiry plus ``stale_if_error``.
        Returns True when a fetch was made. The background thread calls this.
        """
        now = self._clock()
        if now < self._due:
            return False
        future, owner = self._start()
        if owner:
            run_flow(self._fetching(future), self.options.limits)
        return owner

    def close(self) -> None:
        """Stop the background refresh thread (the keys stay usable)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._wait_bound())

    # -- state ----------------------------------------------------------------------

    @property
    def kids(self) -> tuple[str, ...]:
        """The key ids currently held."""
        return self._keys.kids

    @property
    def keys(self) -> tuple[Key, ...]:
        """The keys currently held."""
        return self._keys.keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Any:
        return iter(self._keys)

    def health(self) -> JWKSHealth:
        """Last successful fetch, last error (a label), key ids held, counters."""
        return JWKSHealth(
            url=self._jwks_url or f"{self.issuer} (discovery)",
            kids=self._keys.kids,
            size=len(self._keys),
            last_success=self._last_success,
            last_error=self._last_error,
            last_error_at=self._last_error_at,
            expires_at=self._expires_at,
            fetches=self._fetches,
            failures=self._failures,
            skipped=self._skipped,
            failures_by_kind=dict(self._failure_kinds),
        )

    def _use(self, keyset: KeySet) -> None:
        self._keys = keyset
        self._find = keyset.find
        self._table = lookup_table(keyset)

    # -- single flight ----------------------------------------------------------------

    def _wait_bound(self) -> float:
        # discovery plus JWKS, each bounded by total + read timeout, and a margin
        opts = self.options
        return 2 * (opts.total_timeout + opts.read_timeout + opts.connect_timeout) + 1

    async def _await(self, future: Future[bool]) -> bool:
        # shield: a cancelled request must not cancel the fetch others wait for
        wrapped = asyncio.shield(asyncio.wrap_future(future))
        return await asyncio.wait_for(wrapped, self._wait_bound())

    def _admit(self, kid: str | None) -> tuple[Future[bool], bool] | None:
        """A flight to wait for, or None when the kid is known-missing or in cooldown."""
        now = self._clock()
        until = self._negative.get(kid)
        if until is not None and now < until:
            return None
        if self._flight is None and now < self._next_allowed:
            return None
        with self._lock:
            if self._flight is not None:
                return self._flight, False
            if now < self._next_allowed:
                return None
            self._flight = Future()
            return self._flight, True

    def _start(self) -> tuple[Future[bool], bool]:
        """Join the running fetch, or start one regardless of the cooldown."""
        with self._lock:
            if self._flight is not None:
                return self._flight, False
            self._flight = Future()
            return self._flight, True

    def _after_fetch(self, kid: str | None, algorithm: str, fresh: bool) -> Sequence[Key]:
        found = self._find(kid, algorithm)
        if not found and fresh:  # a fetch just confirmed the kid is absent
            now = self._clock()
            with self._lock:
                negative = self._negative
                if len(negative) >= self.options.negative_size:
                    del negative[next(iter(negative))]
                negative[kid] = now + self.options.negative_ttl
        return found

    def _fly(self, flight: Flight) -> bool:
        """Take part in a flight, blocking: fetch when it is ours, then wait (bounded)."""
        future, owner = flight
        if owner:
            run_flow(self._fetching(future), self.options.limits)
        return future.result(timeout=self._wait_bound())

    async def _afly(self, flight: Flight) -> bool:
        """Take part in a flight, awaited; the fetch is a task of its own, so a cancelled
        request never cancels the fetch others wait for."""
        future, owner = flight
        if owner:
            task = asyncio.ensure_future(arun_flow(self._fetching(future), self.options.limits))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await self._await(future)

    def _fetching(self, future: Future[bool]) -> Flow:
        """One fetch (:meth:`_load`), its failure recorded, its flight landed."""
        ok = False
        try:
            yield from self._load()
            ok = True
        except FetchError as exc:
            self._fail(exc.kind)
        except Exception as exc:  # noqa: BLE001 - never let a fetch break verification
            self._fail(type(exc).__name__)
        finally:
            self._land(future, ok)

    def _load(self) -> Flow:
        """Discovery (for an issuer, once) and then the JWKS, as one flow for both drivers."""
        url = self._jwks_url
        if url is None:
            url = self._discover((yield self._discovery_url()))
        self._accept((yield url))

    def _land(self, future: Future[bool], ok: bool) -> None:
        now = self._clock()
        with self._lock:
            self._flight = None
            backoff = self.options.cooldown
            if self._consecutive_failures:
                backoff = min(
                    backoff * 2 ** min(self._consecutive_failures - 1, 32),
                    max(self.options.max_backoff, self.options.cooldown),
                )
                self._due = max(self._due, now + backoff)
            self._next_allowed = now + backoff
        if not future.done():
            future.set_result(ok)
        if self._background:
            self._start_refresher()

    # -- documents ----------------------------------------------------------------------

    def _discovery_url(self) -> str:
        assert self.issuer is not None
        return discovery_url(self.issuer)

    def _discover(self, fetched: Fetched) -> str:
        assert self.issuer is not None
        insecure = self.options.allow_insecure_http
        url = jwks_uri(fetched.document, self.issuer, allow_insecure_http=insecure)
        self._jwks_url = url
        return url

    def _accept(self, fetched: Fetched) -> None:
        keyset, fingerprints = load_jwks(fetched.document, self.algorithms, self.options.max_keys)
        self._note_skipped(keyset.skipped)
        if not len(keyset):
            raise FetchError("no_usable_keys")
        opts = self.options
        max_age = opts.default_max_age if fetched.max_age is None else fetched.max_age
        max_age = min(max(max_age, opts.min_max_age), opts.max_max_age)
        now = self._clock()
        with self._lock:
            before = self._fingerprints
            removed = bool(before - fingerprints)
            self._use(keyset)
            self._fingerprints = fingerprints
            self._negative = {}
            self._last_success = now
            self._expires_at = now + max_age
            self._due = now + max_age
            self._fetches += 1
            self._consecutive_failures = 0
            listeners = tuple(self._listeners) if removed else ()
        if fingerprints != before:
            added, gone = _digests(fingerprints - before), _digests(before - fingerprints)
            logger.info(
                "jwtguard: JWKS %s: %d keys held (%d new, %d removed)",
                self._where(),
                len(keyset),
                len(added),
                len(gone),
                extra=self._fields(
                    "jwks_keys_changed", keys=len(keyset), added=added, removed=gone
                ),
            )
        for listener in listeners:
            listener()

    def _where(self) -> str:
        return self._jwks_url or f"issuer={self.issuer}"

    def _fields(self, event: str, **fields: Any) -> dict[str, Any]:
        """A record's structured ``extra`` (docs/observability.md): never a key's material."""
        where = {"jwks_url": self._jwks_url, "issuer": self.issuer}
        return {"jwtguard_event": event, **where, **fields}

    def _note_skipped(self, skipped: tuple[SkippedKey, ...]) -> None:
        """Record the keys a fetch skipped; one log line when that list changes."""
        if skipped == self._skipped:
            return
        self._skipped = skipped
        if skipped:
            listed = ", ".join(f"{s.kid!r} ({s.reason})" for s in skipped)
            plural = "s" if len(skipped) > 1 else ""
            logger.warning(
                "jwtguard: JWKS %s: skipped %d unusable key%s: %s",
                self._jwks_url,
                len(skipped),
                plural,
                listed,
                extra=self._fields(
                    "jwks_keys_skipped", skipped=[f"{s.kid} ({s.reason})" for s in skipped]
                ),
            )

    def _fail(self, kind: str) -> None:
        now = self._clock()
        held = len(self._keys)
        fields = self._fields("jwks_fetch_failed", kind=kind, keys=held)
        if held:
            logger.warning(
                "jwtguard: JWKS fetch failed (%s); keeping the last good keys", kind, extra=fields
            )
        else:
            logger.warning("jwtguard: JWKS fetch failed (%s); no keys yet", kind, extra=fields)
        with self._lock:
            self._fetches += 1
            self._failures += 1
            self._failure_kinds[kind] += 1
            self._consecutive_failures += 1
            self._last_error = kind
            self._last_error_at = now
            expires = self._expires_at
            too_old = expires is not None and now >= expires + self.options.stale_if_error
            listeners = tuple(self._listeners) if too_old and len(self._keys) else ()
            if too_old:
                self._use(KeySet())
                self._fingerprints = frozenset()
        if listeners:
            logger.error(
                "jwtguard: JWKS stale beyond stale_if_error; all keys dropped",
                extra=self._fields("jwks_keys_dropped", keys=0),
            )
        for listener in listeners:
            listener()

    # -- background refresh -----------------------------------------------------------

    def _start_refresher(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(
                target=_refresh_loop,
                args=(weakref.ref(self), self._stop),
                name="jwtguard-jwks-refresh",
                daemon=True,
            )
        self._thread.start()

    def _seconds_until_due(self) -> float:
        return min(max(self._due - self._clock(), 0.05), 60.0)


def _refresh_loop(ref: weakref.ReferenceType[RemoteKeySet], stop: threading.Event) -> None:
    """Wake when the keys are due, refresh, repeat; ends with close() or when the set is gone."""
    while True:
        keyset = ref()
        if keyset is None:
            return
        wait = keyset._seconds_until_due()
        del keyset
        if stop.wait(wait):
            return
        keyset = ref()
        if keyset is None:
            return
        try:
            keyset.refresh_if_due()
        except Exception as exc:  # noqa: BLE001 - the thread must survive anything
            logger.error("jwtguard: JWKS refresh thread error: %s", type(exc).__name__)
        del keyset


def _digests(fingerprints: Fingerprints) -> list[str]:
    """Short fingerprints (SHA-256 of the key, 16 hex digits) for logs, sorted."""
    return sorted(digest[:16] for _kid, digest in fingerprints)
