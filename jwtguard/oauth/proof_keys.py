"""The public keys of recent DPoP proof headers, so a client's next proof costs no key load.

A DPoP client signs every proof with one key (RFC 9449 section 4), and loading a key is
the expensive part of a new header: point validation for EC keys, the size and ROCA
checks for RSA ones, and the RFC 7638 thumbprint. :class:`ProofKeys` keeps, in two
bounded LRU maps:

* the header segment's exact text -> its checked key (a proof's hot path: one look-up);
* the key's canonical members (sorted JSON of every public member but ``kid``, and the
  header's ``alg``) -> that same key, so a client whose header text changes (another
  ``kid``, members in another order) still skips the load.

Only headers that passed every check are kept, and a key is only ever reused for the
very members (and ``alg``) it was loaded from: the caches never accept what a fresh load
would refuse.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Final

from jwtguard.errors import InvalidDPoPProofError, KeyLoadError
from jwtguard.jose.proof import read_proof_header
from jwtguard.keys.key import Key
from jwtguard.keys.thumbprint import jwk_thumbprint

__all__ = ["DEFAULT_SIZE", "ProofKey", "ProofKeys"]

DEFAULT_SIZE: Final = 1024
"""Headers (and distinct keys) remembered: clients active at once, per process."""

_TYP: Final = "dpop+jwt"


class ProofKey:
    """A proof header's checked key: its ``alg``, the loaded :class:`Key`, its ``jkt``
    (and ``members``, the canonical text it is kept under)."""

    __slots__ = ("alg", "jkt", "key", "members")

    def __init__(self, alg: str, key: Key, jkt: str, members: str) -> None:
        self.alg = alg
        self.key = key
        self.jkt = jkt
        self.members = members


class ProofKeys:
    """The keys of recent proof headers (see the module docstring). Thread-safe."""

    def __init__(self, algorithms: Iterable[str], size: int = DEFAULT_SIZE) -> None:
        self._algorithms = frozenset(algorithms)
        self._size = size
        self._by_segment: OrderedDict[str, ProofKey] = OrderedDict()
        self._by_members: OrderedDict[str, ProofKey] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Distinct keys held."""
        return len(self._by_members)

    def get(self, segment: str) -> ProofKey:
        """The key of the proof header ``segment`` (base64url, decoded and checked here when new).

        Raises :class:`InvalidDPoPProofError` (``typ``, ``alg``, ``crit``, ``jwk``,
        ``malformed``) for a header that fails a check.
        """
        found = self._by_segment.get(segment)
        if found is None:
            return self._load(segment)
        try:  # recently used, under both names
            self._by_segment.move_to_end(segment)
            self._by_members.move_to_end(found.members)
        except KeyError:  # another thread evicted it in between: it stays found
            pass
        return found

    def _load(self, segment: str) -> ProofKey:
        header = read_proof_header(segment, _TYP, self._algorithms)
        jwk = header.jwk
        if "alg" in jwk and jwk["alg"] != header.alg:
            raise InvalidDPoPProofError("jwk")
        members = _public_members(jwk)
        canonical = header.alg + " " + json.dumps(members, sort_keys=True, separators=(",", ":"))
        with self._lock:
            found = self._by_members.get(canonical)
            if found is not None:
                self._by_members.move_to_end(canonical)
        if found is None:
            try:
                key = Key.from_jwk(members, (header.alg,))
                jkt = jwk_thumbprint(jwk)
            except KeyLoadError:
                raise InvalidDPoPProofError("jwk") from None
            found = ProofKey(header.alg, key, jkt, canonical)
        with self._lock:
            _put(self._by_members, canonical, found, self._size)
            _put(self._by_segment, segment, found, self._size)
        return found


def _put(cache: OrderedDict[str, ProofKey], name: str, value: ProofKey, size: int) -> None:
    cache[name] = value
    cache.move_to_end(name)
    while len(cache) > size:
        cache.popitem(last=False)


def _public_members(jwk: dict[str, Any]) -> dict[str, Any]:
    """The members a public key is loaded from (``use``/``key_ops`` kept: they may forbid
    signatures). ``kid`` is dropped: nothing is selected by it; ``alg`` was compared
    with the header's."""
    return {k: v for k, v in jwk.items() if k != "kid" and k != "alg"}
