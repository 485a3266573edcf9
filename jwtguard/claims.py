"""The read-only claim set handed to applications."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["Claims"]


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


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


class Claims(Mapping[str, Any]):
    """A verified JWT payload: an immutable mapping, deeply frozen.

    The same object may be returned for every request that carries the same
    token (it lives in the verified-token cache), so nothing in it can be
    changed: nested objects are read-only mappings and arrays are tuples.
    Use :meth:`to_dict` for a mutable, JSON-serialisable copy.
    """

    __slots__ = ("_data", "_scopes", "mapping")

    mapping: Mapping[str, Any]
    """The claims as the read-only mapping that holds them (no copy): the quickest way
    to read several on a hot path (``claims.mapping.get("jti")``). Do not rebind it."""

    def __init__(self, payload: Mapping[str, Any]) -> None:
        self._data: Mapping[str, Any] = MappingProxyType(_freeze_values(dict(payload)))
        self.mapping = self._data
        self._scopes: frozenset[str] | None = None

    @classmethod
    def adopt(cls, payload: dict[str, Any]) -> Claims:
        """Wrap a freshly parsed payload that nothing else references (no copy)."""
        claims = cls.__new__(cls)
        claims._data = claims.mapping = MappingProxyType(_freeze_values(payload))
        claims._scopes = None
        return claims

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
        return {k: _thaw(v) for k, v in self._data.items()}

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
