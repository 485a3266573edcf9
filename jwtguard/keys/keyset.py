"""A set of keys selected by ``kid`` and ``alg``; a JWKS document read into one."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from jwtguard.errors import KeyLoadError
from jwtguard.jose.algorithms import SUPPORTED_ALGORITHMS
from jwtguard.keys._jwks import SkippedKey, read_jwks
from jwtguard.keys.key import Key

__all__ = ["KeySet", "SkippedKey"]


class KeySet:
    """Keys selected by ``kid``. Thread-safe; :meth:`replace` swaps the whole set atomically.

    Selection rule: a token with a ``kid`` uses the keys with that exact ``kid``
    bound to its ``alg``. A token without one is tried against every key bound to
    its ``alg`` (a set of one key is the usual case). A set holding a single key
    without a ``kid`` also accepts tokens whose ``kid`` it does not know, since it
    has no way to tell keys apart. One ``kid`` may name keys of different types
    (RFC 7517 section 4.5: the ``alg`` tells them apart); two keys of one type
    under one ``kid`` are refused as ambiguous.

    ``skipped`` lists the keys of a JWKS that :meth:`from_jwks` did not load.
    """

    def __init__(self, keys: Iterable[Key] = (), *, skipped: Iterable[SkippedKey] = ()) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []
        self.generation = 0
        self.skipped: tuple[SkippedKey, ...] = tuple(skipped)
        self._install(tuple(keys))

    def __repr__(self) -> str:
        return f"KeySet({list(self._keys)!r})"

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Any:
        return iter(self._keys)

    @property
    def keys(self) -> tuple[Key, ...]:
        """The keys, in load order."""
        return self._keys

    @property
    def kids(self) -> tuple[str, ...]:
        """The key ids held (each once)."""
        return tuple(dict.fromkeys(k.kid for k in self._keys if k.kid is not None))

    def _install(self, keys: tuple[Key, ...]) -> None:
        families: dict[tuple[str, str], Key] = {}
        by_kid: dict[tuple[str, str], tuple[Key, ...]] = {}
        for key in keys:
            if key.kid is None:
                continue
            if families.setdefault((key.kid, key.family), key) is not key:
                raise KeyLoadError(f"duplicate key id {key.kid[:64]!r} in one key set")
            for alg in key.algorithms:
                by_kid[key.kid, alg] = (*by_kid.get((key.kid, alg), ()), key)
        by_alg: dict[str, tuple[Key, ...]] = {}
        for alg in SUPPORTED_ALGORITHMS:
            matching = tuple(k for k in keys if alg in k.algorithms)
            if matching:
                by_alg[alg] = matching
        self._keys = keys
        self._by_kid = by_kid
        self._by_alg = by_alg
        self._sole_anonymous = keys[0] if len(keys) == 1 and keys[0].kid is None else None

    def find(self, kid: str | None, algorithm: str) -> Sequence[Key]:
        """Candidate keys for a token's ``kid`` and ``alg``; empty when none fits."""
        if kid is None:
            return self._by_alg.get(algorithm, ())
        found = self._by_kid.get((kid, algorithm))
        if found is not None:
            return found
        sole = self._sole_anonymous
        return (sole,) if sole is not None and algorithm in sole.algorithms else ()

    def signing_key(self, kid: str | None = None) -> Key | None:
        """The key to sign with: by ``kid``, else the first key that can sign."""
        return next((k for k in self._keys if k.can_sign and (kid is None or k.kid == kid)), None)

    def replace(self, keys: Iterable[Key]) -> None:
        """Swap in a new set (key rotation); listeners (e.g. caches) are told."""
        with self._lock:
            self._install(tuple(keys))
            self.generation += 1
            listeners = tuple(self._listeners)
        for listener in listeners:
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after every change of the set."""
        with self._lock:
            self._listeners.append(listener)

    @classmethod
    def from_jwks(
        cls,
        jwks: Mapping[str, Any],
        algorithms: str | Iterable[str] | None = None,
        *,
        skip_unusable: bool = True,
    ) -> KeySet:
        """A JWKS document (``{"keys": [...]}``), keeping the keys that can verify here.

        ``algorithms`` binds every key (each to the algorithms that fit its type
        and curve); without it, each JWK's ``alg`` or curve binds it, and an RSA
        JWK without ``alg`` is bound later by the Guard's allow-list, which must
        leave one algorithm for it. A key that cannot be used (``use: enc``, an
        ECDH curve, an RSA key under 2048 bits, a bad encoding, no allowed
        algorithm) is skipped and listed in :attr:`skipped`; with
        ``skip_unusable=False`` it raises :class:`KeyLoadError`. HMAC secrets
        beside public keys, or two keys of one type under one ``kid``, fail the
        whole set.
        """
        keys, skipped = read_jwks(jwks, algorithms, skip_unusable=skip_unusable)
        return cls(keys, skipped=skipped)
