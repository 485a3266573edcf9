"""The read-only claim set handed to applications."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

__all__ = ["FAMILY_CLAIM", "Claims", "identity_hashes", "thaw"]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _freeze_values(payload: dict[str, Any]) -> dict[str, Any]:
    """Freeze containers in place; most claims are scalars and are left as they are."""
    for name, value in payload.items():
        if type(value) is dict or type(value) is list:
            payload[name] = _freeze(value)
    return payload


def thaw(value: Any) -> Any:
    """A mutable, JSON-serialisable copy of a frozen claim value (mappings to dicts,
    tuples to lists); other values as they are."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


FAMILY_CLAIM: Final = "fam"
"""The claim naming a refresh-token family (also carried by the access tokens it issues)."""


def identity_hashes(data: Mapping[str, Any]) -> tuple[int | None, int | None, int | None]:
    """See :attr:`Claims.identity`; for any mapping of claims."""
    jti, fam, sub = data.get("jti"), data.get(FAMILY_CLAIM), data.get("sub")
    return (
        hash(jti) if type(jti) is str else None,
        hash(fam) if type(fam) is str else None,
        hash(sub) if type(sub) is str else None,
    )


class Claims(Mapping[str, Any]):
    """A verified JWT payload: an immutable mapping, deeply frozen.

    The same object may be returned for every request that carries the same
    token (it lives in the verified-token cache), so nothing in it can be
    changed: nested objects are read-only mappings and arrays are tuples.
    Use :meth:`to_dict` for a mutable, JSON-serialisable copy.
    """

    __slots__ = ("_data", "_identity", "_scopes")

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self._data: Mapping[str, Any] = MappingProxyType(_freeze_values(dict(payload)))
        self._identity: tuple[int | None, int | None, int | None] | None = None
        self._scopes: frozenset[str] | None = None

    @classmethod
    def adopt(cls, payload: dict[str, Any]) -> Claims:
        """Wrap a freshly parsed payload that nothing else references (no copy)."""
        claims = cls.__new__(cls)
        claims._data = MappingProxyType(_freeze_values(payload))
        claims._identity = None
        claims._scopes = None
        return claims

    @property
    def identity(self) -> tuple[int | None, int | None, int | None]:
        """``hash()`` of the ``jti``, ``fam`` and ``sub`` claims (``None`` where a claim is
        absent or not a string), computed on first use and kept: a revocation check keys
        on them, so a cached token costs it no hashing. Process-local values: never store
        or send them."""
        identity = self._identity
        if identity is None:
            identity = self._identity = identity_hashes(self._data)
        return identity

    def __getitem__(self, name: str) -> Any:
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        # Claim names only: values may be personal data and do not belong in logs.
        return f"Claims(<{len(self._data)} claims: {', '.join(sorted(self._data))}>)"

    def to_dict(self) -> dict[str, Any]:
        """A mutable deep copy with plain dicts and lists."""
        return {k: thaw(v) for k, v in self._data.items()}

    @property
    def subject(self) -> str | None:
        """``sub``, when it is a string."""
        sub = self._data.get("sub")
        return sub if isinstance(sub, str) else None

    @property
    def jti(self) -> str | None:
        """``jti``, when it is a string."""
        jti = self._data.get("jti")
        return jti if isinstance(jti, str) else None

    @property
    def scopes(self) -> frozenset[str]:
        """Granted scopes: ``scope`` (space-separated, RFC 8693) and ``scp`` (list or string)."""
        if self._scopes is None:
            found: set[str] = set()
            for name in ("scope", "scp"):
                value = self._data.get(name)
                if isinstance(value, str):
                    found.update(value.split())
                elif isinstance(value, tuple):
                    found.update(v for v in value if isinstance(v, str))
            self._scopes = frozenset(found)
        return self._scopes
