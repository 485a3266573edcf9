"""The in-memory denylist: revoked ids, families and subjects, each until it expires.

Shared by :class:`MemoryRevocationStore` (where it is the store) and the Redis
stores (where it is the local copy Redis pushes to and resyncs in bulk).

Compact by design, so a million live revocations fit in about 100 bytes each:

- Entries are keyed by the process's own ``hash()`` of the name (one small int,
  and the name's string is not kept alive), so a look-up is one ``hash`` (cached on
  the string) and one dict probe. Two different names sharing a 64-bit hash would
  make the second count as revoked too: the harmless direction, with odds of about
  one in 10^13 per check at a million entries.
- Expiry times are rounded up to ``resolution`` seconds and shared by every entry
  of that bucket: an entry is never dropped early, at most ``resolution`` late.
- Each bucket keeps its names, UTF-8 and newline-separated, in one byte string:
  what pruning re-hashes, and what a repair re-publishes (:meth:`entries`).

Reads take no lock (single dict look-ups are atomic in CPython); writes take one
and prune what expired.
"""

from __future__ import annotations

import heapq
import json
import math
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Final

from jwtguard.claims import FAMILY_CLAIM, identity_hashes

__all__ = ["FAMILY_CLAIM", "KINDS", "Denylist", "unescape"]


KINDS: Final = ("j", "f", "s")
"""Entry kinds: ``j`` a token's ``jti``, ``f`` a refresh family, ``s`` a subject."""

_NEWLINE: Final = 10
_key = hash  # the keys: this process's hash() of each name


def unescape(line: str) -> str:
    """A line of a Redis index bucket: NUL then a JSON string when the name itself
    holds a newline (or starts with NUL), else the name."""
    return str(json.loads(line[1:])) if line.startswith("\0") else line


class _Bucket:
    """The names whose entries expire at ``end``, per kind (newline-separated UTF-8)."""

    __slots__ = ("end", "names", "odd")

    def __init__(self, end: float) -> None:
        self.end = end
        self.names: dict[str, bytearray] = {}
        self.odd: list[tuple[str, str]] = []  # names holding a newline (rare)

    def add(self, kind: str, name: str) -> None:
        if "\n" in name:
            self.odd.append((kind, name))
            return
        blob = self.names.get(kind)
        if blob is None:
            blob = self.names[kind] = bytearray()
        blob += name.encode("utf-8", "surrogatepass")
        blob.append(_NEWLINE)

    def add_blob(self, kind: str, blob: bytes) -> None:
        """Names already joined by newlines (each followed by one)."""
        target = self.names.get(kind)
        if target is None:
            self.names[kind] = bytearray(blob)
        else:
            target += blob

    def each(self) -> Iterator[tuple[str, str]]:
        for kind, blob in self.names.items():
            for name in blob.decode("utf-8", "surrogatepass").split("\n")[:-1]:
                yield kind, name
        yield from self.odd


class Denylist:
    """Revocation entries keyed by ``jti``, subject and family, expiring at Unix times.

    ``resolution``: seconds expiry times are rounded up to (1 for the memory
    store, so entries expire to the second; coarser for a Redis mirror, where
    it shrinks memory and the authoritative copy expires exactly).
    """

    __slots__ = ("_buckets", "_ends", "_fam", "_jti", "_lock", "_sub", "_sub_until", "resolution")

    def __init__(self, resolution: float = 1.0) -> None:
        self.resolution = float(resolution)
        self._jti: dict[int, float] = {}  # hash(jti) -> expiry (its bucket's end)
        self._fam: dict[int, float] = {}
        self._sub: dict[int, float] = {}  # hash(subject) -> cut-off (issued_before)
        self._sub_until: dict[int, float] = {}  # hash(subject) -> expiry
        self._buckets: dict[float, _Bucket] = {}
        self._ends: list[float] = []  # a heap of the buckets' ends
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._jti) + len(self._fam) + len(self._sub)

    # -- the hot path ------------------------------------------------------------------

    def is_revoked(self, claims: Any) -> bool:
        """True when the token's ``jti``, family or subject (by ``iat``) is listed.

        Takes :class:`jwtguard.Claims` (keyed through ``claims.identity``, hashed once
        per verified token) or any mapping of claims.
        """
        jtis, fams, subs = self._jti, self._fam, self._sub
        if not (jtis or fams or subs):
            return False
        try:
            jti, fam, sub = claims.identity
        except AttributeError:  # a plain mapping
            jti, fam, sub = identity_hashes(claims)
        if jti is not None and jti in jtis:
            return True
        if fam is not None and fam in fams:
            return True
        if sub is not None:
            cutoff = subs.get(sub)
            if cutoff is not None:
                iat = claims.get("iat")
                # No usable iat: the token cannot show it is newer than the cut-off.
                if not isinstance(iat, (int, float)) or isinstance(iat, bool):
                    return True
                return bool(iat < cutoff)
        return False

    # -- exact look-ups (expired entries do not count) -----------------------------------

    def has_jti(self, jti: str, now: float) -> bool:
        """Whether ``jti`` is listed and its entry has not expired."""
        return self._jti.get(_key(jti), -math.inf) > now

    def has_family(self, family: str, now: float) -> bool:
        """Whether ``family`` is listed and its entry has not expired."""
        return self._fam.get(_key(family), -math.inf) > now

    def subject_cutoff(self, subject: str, now: float) -> float | None:
        """The ``issued_before`` cut-off for ``subject``, if one is in force."""
        key = _key(subject)
        if self._sub_until.get(key, -math.inf) <= now:
            return None
        return self._sub.get(key)

    # -- writes ------------------------------------------------------------------------

    def _bucket(self, expires_at: float) -> _Bucket:
        step = self.resolution
        end = math.ceil(expires_at / step) * step
        bucket = self._buckets.get(end)
        if bucket is None:
            bucket = self._buckets[end] = _Bucket(end)
            heapq.heappush(self._ends, end)
        return bucket

    def add_jti(self, jti: str, expires_at: float, now: float) -> bool:
        """List ``jti``; True unless it was already listed (and unexpired)."""
        key = _key(jti)
        with self._lock:
            self._prune(now)
            current = self._jti.get(key, -math.inf)
            bucket = self._bucket(expires_at)
            if bucket.end > current:
                self._jti[key] = bucket.end
                bucket.add("j", jti)
            return current <= now

    def add_family(self, family: str, expires_at: float, now: float) -> None:
        """List a family until ``expires_at`` (an existing later expiry is kept)."""
        key = _key(family)
        with self._lock:
            self._prune(now)
            bucket = self._bucket(expires_at)
            if bucket.end > self._fam.get(key, -math.inf):
                self._fam[key] = bucket.end
                bucket.add("f", family)

    def add_subject(
        self, subject: str, issued_before: float, expires_at: float, now: float
    ) -> None:
        """Revoke ``subject``'s tokens issued before ``issued_before``; the later cut-off wins."""
        key = _key(subject)
        with self._lock:
            self._prune(now)
            self._put_subject(key, subject, float(issued_before), self._bucket(expires_at), now)

    def _put_subject(
        self, key: int, subject: str, cutoff: float, bucket: _Bucket, now: float
    ) -> None:
        until = self._sub_until.get(key, -math.inf)
        if until <= now:
            until, old_cutoff = -math.inf, -math.inf
        else:
            old_cutoff = self._sub.get(key, -math.inf)
        if cutoff > old_cutoff:
            self._sub[key] = cutoff
        if bucket.end > until:
            self._sub_until[key] = bucket.end
            bucket.add("s", subject)

    def add_many(self, kind: str, blob: bytes, expires_at: float, now: float) -> int:
        """Bulk insert: ``blob`` holds ``jti`` (``kind="j"``) or family (``"f"``) names,
        each followed by a newline, all expiring at ``expires_at``. Returns how many."""
        text = blob.decode("utf-8", "surrogatepass")
        names = text.split("\n")
        names.pop()
        if "\0" in text:
            names = [unescape(name) for name in names]
        table = self._jti if kind == "j" else self._fam
        with self._lock:
            self._prune(now)
            bucket = self._bucket(expires_at)
            end = bucket.end
            get = table.get
            fresh = {h: end for h in map(hash, names) if get(h, -math.inf) < end}
            table.update(fresh)
            if "\0" in text:
                for name in names:
                    bucket.add(kind, name)
            else:
                bucket.add_blob(kind, blob)
        return len(names)

    def add_subjects(
        self, entries: Iterable[tuple[str, float]], expires_at: float, now: float
    ) -> None:
        """Bulk insert of ``(subject, cut-off)`` pairs all expiring at ``expires_at``."""
        with self._lock:
            self._prune(now)
            bucket = self._bucket(expires_at)
            for subject, cutoff in entries:
                self._put_subject(_key(subject), subject, cutoff, bucket, now)

    def add(self, kind: str, name: str, expires_at: float, cutoff: float, now: float) -> bool:
        """One entry of any kind (see :data:`KINDS`); False only for a ``jti`` already listed."""
        if kind == "j":
            return self.add_jti(name, expires_at, now)
        if kind == "f":
            self.add_family(name, expires_at, now)
        elif kind == "s":
            self.add_subject(name, cutoff, expires_at, now)
        return True

    def entries(self, now: float) -> Iterator[tuple[str, str, float, float]]:
        """Every live entry as ``(kind, name, expires_at, cut-off)`` (cut-off 0 but for
        subjects), with its rounded-up expiry: what a repair re-publishes."""
        with self._lock:
            buckets = [b for b in self._buckets.values() if b.end > now]
        tables = {"j": self._jti, "f": self._fam, "s": self._sub_until}
        for bucket in buckets:
            for kind, name in list(bucket.each()):
                key = _key(name)
                if tables[kind].get(key) == bucket.end:  # its current bucket, not an older one
                    cutoff = self._sub.get(key, 0.0) if kind == "s" else 0.0
                    yield kind, name, bucket.end, cutoff

    def prune(self, now: float) -> None:
        """Drop every entry that expired at or before ``now``."""
        with self._lock:
            self._prune(now)

    def _prune(self, now: float) -> None:
        ends = self._ends
        while ends and ends[0] <= now:
            bucket = self._buckets.pop(heapq.heappop(ends))
            tables = {"j": self._jti, "f": self._fam, "s": self._sub_until}
            for kind, name in bucket.each():
                table, key = tables[kind], _key(name)
                if table.get(key, math.inf) <= now:
                    del table[key]
                    if kind == "s":
                        self._sub.pop(key, None)
